"""A QR code carries what its caption says, and printed addresses are http(s) only.

Issue 12 items 12 and 13: a generation's ``qr.hosts`` (plus cardkit.yaml's ``qr_hosts``)
names the hosts a payload may use, typed or decoded from a screenshot; an IP address
or localhost never; URL fields refuse ``javascript:``, ``file:`` and ``data:``.
"""

from __future__ import annotations

import pytest
from conftest import REPO
from hostile_helpers import roster_yaml, write
from pdfcheck import page_texts, qr_codes

UNIT = "  name: 柳东派出所\n"


def officer(wechat: str) -> str:
    return f'id: H1\nname: 吴明\nmobile: "13812345678"\nwechat: "{wechat}"'


@pytest.mark.parametrize(("payload", "host"), [
    ("https://evil.com/pay", "evil.com"),
    ("https://u.wechat.com.evil.com/x", "u.wechat.com.evil.com"),
    ("http://192.168.1.10/x", "192.168.1.10"),
    ("https://[::1]/x", "::1"),
    ("https://localhost/x", "localhost"),
    ("http://127.0.0.1:9/x", "127.0.0.1"),
])
def test_a_payload_on_another_host_is_refused_naming_the_host(cli, tmp_path, payload, host):
    roster = write(tmp_path / "r.yaml", roster_yaml(officer(payload), unit=UNIT))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {roster}:7: officer H1 吴明: wechat: host {host}")


@pytest.mark.parametrize("payload", [
    "https://u.wechat.com/MM-abcDEF", "https://weixin.qq.com/r/abcDEF", "wxp://f2f0abcDEF",
    "weixin://dl/business/?t=abc",
])
def test_wechat_hosts_and_forms_print(cli, tmp_path, payload):
    roster = write(tmp_path / "r.yaml", roster_yaml(officer(payload), unit=UNIT))
    result = cli(["-q", "print", "--gen", "2022", "--roster", str(roster), "--layout", "cards",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert [c.text for c in qr_codes(tmp_path / "c.pdf", 0)] == [payload]


def test_a_non_url_payload_is_refused(cli, tmp_path):
    from cardkit.urlrules import qr_host_problem

    assert "only an http(s) address" in qr_host_problem("javascript:alert(1)", ["u.wechat.com"])
    assert qr_host_problem("ftp://u.wechat.com/x", ["u.wechat.com"]) is not None


def test_a_screenshot_decoding_to_another_host_is_refused(cli, tmp_path):
    import segno

    segno.make_qr("https://pay.evil.com/steal", error="m").save(str(tmp_path / "qr.png"),
                                                                 scale=8)
    roster = write(tmp_path / "r.yaml", roster_yaml(officer("qr.png"), unit=UNIT))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert [line for line in result.err_lines if line.startswith("error:")] == [
        f"error: {roster}:7: officer H1 吴明: wechat: host pay.evil.com is not allowed for this QR code "
        "(allowed: u.wechat.com, weixin.qq.com, wxp://, weixin://; a project adds hosts under "
        "qr_hosts: in cardkit.yaml)"]


def test_cardkit_yaml_adds_hosts_but_never_an_ip(cli, tmp_path):
    write(tmp_path / "cardkit.yaml", "qr_hosts: [work.weixin.example-bureau.cn]\n")
    roster = write(tmp_path / "r.yaml", roster_yaml(
        officer("https://qr.work.weixin.example-bureau.cn/x"), unit=UNIT))
    result = cli(["-q", "print", "--gen", "2022", "--roster", str(roster), "--layout", "cards",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert [c.text for c in qr_codes(tmp_path / "c.pdf", 0)] == [
        "https://qr.work.weixin.example-bureau.cn/x"]
    write(tmp_path / "cardkit.yaml", "qr_hosts: [10.0.0.1]\n")
    roster = write(tmp_path / "r.yaml", roster_yaml(officer("https://10.0.0.1/x"), unit=UNIT))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert "host 10.0.0.1: a QR code on a card never points to an IP address" in result.stderr


def test_lingxian_prints_its_weibo_code_which_a_wechat_caption_refuses(cli, tmp_path):
    project = REPO / "examples" / "lingxian"
    result = cli(["-q", "--project", str(project), "print", "--gen", "lingxian", "--layout",
                  "cards", "-o", str(tmp_path / "lx.pdf")], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert [c.text for c in qr_codes(tmp_path / "lx.pdf", 0)] == [
        "https://weibo.com/lingxian-specimen"]
    assert "https://weibo.com/lingxian-specimen" in page_texts(tmp_path / "lx.pdf")[1]
    # The same roster under 2022 (captioned 扫码加民警微信) is refused: weibo.com is not WeChat.
    result = cli(["--project", str(project), "check", "--gen", "2022"], cwd=tmp_path)
    assert result.code == 1
    assert "wechat: host weibo.com is not allowed for this QR code" in result.stderr


# --------------------------------------------------------------------------------------------
# URL fields take http(s) only.

BAD_URLS = ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>",
            "ftp://files.gov.cn/"]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("field", ["website", "weibo"])
def test_unit_url_fields_refuse_other_schemes(cli, tmp_path, url, field):
    roster = write(tmp_path / "r.yaml", roster_yaml(officer("https://u.wechat.com/H1"),
                                                    unit=f'{UNIT}  {field}: "{url}"\n'))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    scheme = url.split(":")[0]
    assert [line for line in result.err_lines if line.startswith("error:")] == [
        f'error: {roster}:3: unit: {field}: "{url}": only http:// and https:// addresses may '
        f"be printed (not {scheme}:)"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_web_addresses_refuse_other_schemes_in_roster_settings_and_columns(cli, tmp_path, url):
    scheme = url.split(":")[0]
    expected = f'"{url}": only http:// and https:// addresses may be printed (not {scheme}:)'
    write(tmp_path / "cardkit.yaml",
          f'unit:\n  web:\n    - label: 网上公安局\n      url: "{url}"\n')
    roster = write(tmp_path / "r.yaml", roster_yaml(officer("https://u.wechat.com/H1"), unit=UNIT))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert f"error: cardkit.yaml:3: unit: web.网上公安局: {expected}" in result.err_lines
    (tmp_path / "cardkit.yaml").unlink()
    csv = write(tmp_path / "r.csv", "编号,姓名,手机,微信,单位,网上警务室\n"
                f'H1,吴明,13812345678,https://u.wechat.com/H1,柳东派出所,"{url}"\n')
    result = cli(["check", "--gen", "2022", "--roster", str(csv)], cwd=tmp_path)
    assert result.code == 1
    assert f"error: {csv}:2: officer H1 吴明: web.网上警务室: {expected}" in result.err_lines


def test_a_generation_web_url_refuses_other_schemes_and_placeholders(cli, tmp_path):
    write(tmp_path / "generations" / "mine.yaml",
          'extends: "2022"\nweb:\n  - label: 网站\n    url: "javascript:alert(1)"\n'
          "  - label: 网上公安局\n    url: https://wsgaj.example.gov.cn\n")
    roster = write(tmp_path / "r.yaml", roster_yaml(officer("https://u.wechat.com/H1"), unit=UNIT))
    result = cli(["check", "--gen", "mine", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        'error: generations/mine.yaml:3: web[1].url: "javascript:alert(1)": only http:// and '
        "https:// addresses may be printed (not javascript:)",
        'error: generations/mine.yaml:5: web[2].url: "https://wsgaj.example.gov.cn": '
        "wsgaj.example.gov.cn is a placeholder host; write the real address, or leave url: out "
        "so that it comes from the unit"]
