import pytest

from cardkit.errors import InputError
from cardkit.roster.read import read_roster
from cardkit.roster.validate import build_roster

HEADER_ZH = "编号,姓名,职务,电话,手机,微信,辖区,单位\n"
ROW = "LD001,吴明,社区民警,0772-0000001,13800000001,https://u.wechat.com/X1,柳东村,柳东派出所\n"


def load(path, unit=None):
    return build_roster(read_roster(path), unit)


def test_example_yaml_and_csv_rosters_agree(tmp_path):
    from conftest import EXAMPLE_CSV, EXAMPLE_ROSTER

    yaml_roster = load(EXAMPLE_ROSTER)
    # The CSV cannot say specimen: true itself; examples/liudong/cardkit.yaml says it.
    csv_roster = build_roster(read_roster(EXAMPLE_CSV), None, specimen=True)
    assert yaml_roster.specimen and csv_roster.specimen
    assert len(yaml_roster.officers) >= 12
    assert [o.id for o in yaml_roster.officers] == [o.id for o in csv_roster.officers]
    for a, b in zip(yaml_roster.officers, csv_roster.officers, strict=True):
        assert (a.name, a.phone, a.mobile, a.wechat, a.unit.name) == \
               (b.name, b.phone, b.mobile, b.wechat, b.unit.name)
        assert (a.unit.address, a.unit.hotline, a.unit.web, a.unit.mascot) == \
               (b.unit.address, b.unit.hotline, b.unit.web, b.unit.mascot)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_every_encoding_stations_export(tmp_path, encoding):
    path = tmp_path / "r.csv"
    path.write_bytes((HEADER_ZH + ROW).encode(encoding))
    officer = load(path).officers[0]
    assert (officer.name, officer.area, officer.unit.name) == ("吴明", "柳东村", "柳东派出所")
    assert officer.phone == "0772-0000001"


def test_every_bad_row_is_reported_with_its_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(HEADER_ZH + ROW
                    + "LD002,,社区民警,0772-12,13800000002,,x,柳东派出所\n"
                    + ROW, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.lines() == [
        f'error: {path}:3: officer LD002: name: missing (required)',
        f'error: {path}:3: officer LD002: phone: "0772-12": not a valid Chinese number',
        f'error: {path}:4: officer LD001: id: duplicate id "LD001" (first at line 2)',
    ]


def test_yaml_number_where_a_phone_belongs_is_reported(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("unit:\n  name: 柳东派出所\nofficers:\n  - id: A1\n    name: 吴明\n"
                    "    phone: 07722012345\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.lines() == [
        f'error: {path}:6: officer A1: phone: "07722012345" was written as a number '
        "(YAML reads it as 1061688549); put it in quotes so that leading zeros are kept"]


def test_unknown_field_gets_a_did_you_mean(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("unit:\n  name: 柳东派出所\nofficers:\n  - id: A1\n    name: 吴明\n"
                    '    mobile: "13800000001"\n    wehcat: https://u.wechat.com/x\n',
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.lines() == [
        f'error: {path}:7: officer A1: wehcat: unknown field (did you mean "wechat"?)']


def test_unit_comes_from_settings_when_rows_leave_it_out(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,name,mobile\nA1,吴明,13800000001\n", encoding="utf-8")
    roster = load(path, unit={"name": "柳东派出所", "hotline": "0772-2812000"})
    assert roster.officers[0].unit.name == "柳东派出所"
    assert roster.officers[0].unit.hotline == "0772-2812000"
