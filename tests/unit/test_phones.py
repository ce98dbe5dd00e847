import pytest

from cardkit.phones import PhoneError, format_mobile, format_phone


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
