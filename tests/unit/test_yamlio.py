
import pytest

from cardkit import yamlio
from cardkit.errors import InputError


def test_roster_scalars_stay_exactly_as_written():
    data = yamlio.load("phone: 0772\nflag: no\nmobile: 13800000001\n", name="r.yaml")
    assert data == {"phone": "0772", "flag": "no", "mobile": "13800000001"}
    assert data.tags["phone"] == "tag:yaml.org,2002:int"  # so validation can report it


def test_every_value_knows_its_line():
    data = yamlio.load("a: 1\nlist:\n  - x: 1\n  - x: 2\n", name="r.yaml")
    assert data.line_of("a") == 1
    assert data["list"].lines == [3, 4]


def test_duplicate_keys_are_refused_with_both_lines():
    with pytest.raises(InputError) as err:
        yamlio.load("name: a\nname: b\n", name="r.yaml")
    assert err.value.lines() == ["error: r.yaml:2: duplicate key 'name' (first at line 1)"]


def test_anchors_and_aliases_are_refused():
    with pytest.raises(InputError, match="anchors and aliases"):
        yamlio.load("a: &x 1\nb: *x\n", name="r.yaml")


def test_billion_laughs_is_refused_before_expanding():
    lol = "a: &a [lol, lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    with pytest.raises(InputError, match="anchors and aliases"):  # refused before expanding
        yamlio.load(lol, name="lol.yaml")


def test_syntax_errors_say_file_and_line():
    with pytest.raises(InputError) as err:
        yamlio.load("a: 1\nb: [unclosed\n", name="bad.yaml")
    assert err.value.lines()[0].startswith("error: bad.yaml:")


def test_generation_values_are_typed_when_asked():
    data = yamlio.load("bleed_mm: 2\nname: x\n", name="g.yaml", strings=False)
    assert data == {"bleed_mm": 2, "name": "x"}
