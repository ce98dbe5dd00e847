import pytest

from cardkit.design import generations
from cardkit.errors import InputError, UsageError
from cardkit.project import open_project


@pytest.fixture
def builtin(tmp_path):
    return open_project(tmp_path)  # no overrides: built-ins only


def test_the_four_builtin_generations_extend_each_other(builtin):
    assert list(generations.available(builtin)) == ["2002", "2006", "2012", "2022"]
    assert generations.load(builtin, "2022").chain == ("2022", "2012", "2006", "2002")
    assert generations.load(builtin, "2002").base is None


def test_2002_is_white_with_black_type_and_the_promise_and_advice(builtin):
    gen = generations.load(builtin, "2002")
    assert gen.data["colors"]["background"] == "#ffffff"
    assert gen.data["colors"]["text"] == "#000000"
    assert {"unit", "name", "post", "phone", "mobile", "address", "promise"} <= set(gen.shows("front"))
    assert "advice" in gen.shows("back")
    assert "24小时" in gen.data["texts"]["promise_title"]


def test_2006_is_light_blue_and_adds_the_three_safety_tips(builtin):
    gen = generations.load(builtin, "2006")
    r, g, b = (int(gen.data["colors"]["background"][i:i + 2], 16) for i in (1, 3, 5))
    assert b > r and b >= 0xd0 and r >= 0xc0  # light blue
    assert gen.data["tips"]["lines"] == ["门窗加固、注意关锁", "车辆回家、存放入库", "财物箱包、不离手眼"]
    assert "tips" in gen.shows("back")


def test_2012_adds_the_online_bureau_and_office_on_the_back(builtin):
    gen = generations.load(builtin, "2012")
    assert [w["label"] for w in gen.data["web"]] == ["网上公安局", "网上警务室"]
    assert "web" in gen.shows("back") and "tips" in gen.shows("back")


def test_2022_adds_mascot_wechat_qr_and_fraud_tips(builtin):
    gen = generations.load(builtin, "2022")
    assert gen.data["qr"]["field"] == "wechat"
    assert "qr" in gen.shows("front")
    assert {"mascot", "fraud_tips", "tips", "web"} <= set(gen.shows("back"))
    assert not gen.data.get("mascot")  # the mascot is the unit's own (issue 23), no built-in snail
    assert gen.data["fraud_tips"]["lines"]


def test_a_project_generation_overrides_the_builtin_file_of_the_same_name(tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "2006.yaml").write_text(
        'extends: "2002"\ntitle: 本所第二代\ncolors:\n  background: "#ddeeff"\n', encoding="utf-8")
    project = open_project(tmp_path)
    assert generations.load(project, "2006").title == "本所第二代"
    # 2012 extends the overridden 2006
    assert generations.load(project, "2012").data["colors"]["background"] == "#ddeeff"


def test_extends_cycles_are_shown_as_a_chain(tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "a.yaml").write_text('extends: b\n', encoding="utf-8")
    (tmp_path / "generations" / "b.yaml").write_text('extends: a\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        generations.load(open_project(tmp_path), "a")
    assert err.value.lines() == ["error: generations/b.yaml:1: extends: cycle: a -> b -> a"]


def test_unknown_generation_lists_those_that_exist(builtin):
    with pytest.raises(UsageError) as err:  # a name given by the caller: exit 2
        generations.load(builtin, "2020")
    assert "unknown generation '2020'" in err.value.message
    assert "2002, 2006, 2012, 2022" in err.value.message


def test_unknown_key_gets_a_did_you_mean_with_file_and_line(tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "x.yaml").write_text('extends: "2002"\ncolours: {}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        generations.load(open_project(tmp_path), "x")
    assert err.value.lines() == [
        'error: generations/x.yaml:2: colours: unknown key (did you mean "colors"?)']


def test_bad_colour_is_refused(tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "x.yaml").write_text(
        'extends: "2002"\ncolors:\n  background: blue\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        generations.load(open_project(tmp_path), "x")
    assert "colors.background: 'blue' is not a colour" in err.value.lines()[0]
