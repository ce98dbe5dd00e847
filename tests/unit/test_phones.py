import pytest

from cardkit.roster.phones import PhoneError, format_mobile, format_phone


@pytest.mark.parametrize("text,expected", [
    ("0772-2812345", "0772-2812345"),
    ("0772 281 2345", "0772-2812345"),
    ("(0772)2812345", "0772-2812345"),
    ("010-12345678", "010-12345678"),
    ("021 8765 4321", "021-87654321"),
    ("110", "110"),
    ("12345", "12345"),
    ("96110", "96110"),
    ("4001234567", "400-123-4567"),
    ("13800000001", "138 0000 0001"),
    ("+86 138 0000 0001", "138 0000 0001"),
])
def test_numbers_are_written_the_local_way(text, expected):
    assert format_phone(text) == expected


@pytest.mark.parametrize("text", ["0772-12", "abc", "0772-281234567", "23456", "１３８"])
def test_malformed_numbers_are_refused(text):
    with pytest.raises(PhoneError):
        format_phone(text)


def test_mobile_must_be_eleven_digits_from_13_to_19():
    assert format_mobile("19912345678") == "199 1234 5678"
    for bad in ("12800000001", "1380000000", "0772-2812345"):
        with pytest.raises(PhoneError):
            format_mobile(bad)


@pytest.mark.parametrize("text,named", [
    ("1.38E+10", "Excel's scientific notation; the last digits are lost"),
    ("13800000001.0", 'read as a decimal number (a spreadsheet number cell); write it as text: '
                      '"13800000001"'),
    ("7722812345", 'lost its leading zero (a spreadsheet stored it as a number); '
                   'write it as text: "0772-2812345"'),
    ("1087654321", 'lost its leading zero (a spreadsheet stored it as a number); '
                   'write it as text: "010-87654321"'),
    ("2023-03-12", "a date where a number belongs"),
    ("12-Mar", "a date where a number belongs"),
    ("3月12日", "a date where a number belongs"),
    ("45000", "looks like the serial number of the date 2023-03-15"),
])
def test_spreadsheet_damage_is_named(text, named):
    from cardkit.roster.phones import excel_damage

    assert named in excel_damage(text)


@pytest.mark.parametrize("text", ["0772-12", "1380000000", "abc", "23456"])
def test_plain_typos_are_not_blamed_on_excel(text):
    from cardkit.roster.phones import excel_damage

    assert excel_damage(text) is None
