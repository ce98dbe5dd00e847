"""The decisions of cardkit.textsafety, one line each: refused, removed, folded or kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit.roster.textsafety import MAX_FIELD_CHARS, clean


@pytest.mark.parametrize(("value", "shown"), [
    ("<b>吴明</b>", "<b>吴明</b>"),                # markup is text
    ("{{ officer.name }}", "{{ officer.name }}"),  # so is Jinja
    ("LD\u200b001", "LD001"),                      # zero-width space removed
    ("\ufeff吴明\u200d", "吴明"),                  # BOM, zero-width joiner removed
    ("柳东\u200e村", "柳东村"),                    # left-to-right mark removed
    ("覃\n晓红", "覃晓红"),                        # a break between Chinese characters folds away
    ("吴 \r\n 明", "吴明"),
    ("Wu\nMing", "Wu Ming"),                       # elsewhere it is one space
    ("吴明\t组长", "吴明 组长"),                   # a tab is a space, even between Chinese
    ("柳东\u2028村委", "柳东村委"),               # Unicode line separator
    ("\n 吴明 \n", "吴明"),
    ("柳东\u3000村", "柳东\u3000村"),             # ideographic space kept
    ("e\u0301" * 3, "\u00e9" * 3),                # a few combining marks are fine (NFC)
])
def test_shown_safely(value, shown):
    assert clean(value) == (shown, None)


@pytest.mark.parametrize(("value", "shown", "reason"), [
    ("吴\x00明", "吴明", "contains a NUL byte at character 2"),
    ("\x1b[31m吴明", "[31m吴明", "contains control character U+001B at character 1"),
    ("吴明\x7f", "吴明", "contains control character U+007F at character 3"),
    ("吴明\x9b", "吴明", "contains control character U+009B at character 3"),
    ("abc\u202edcba", "abcdcba", "bidi control U+202E (RIGHT-TO-LEFT OVERRIDE) at character 4"),
    ("\u2067x", "x", "bidi control U+2067 (RIGHT-TO-LEFT ISOLATE) at character 1"),
    ("a\ud800", "a", "contains U+D800 at character 2, which is not text"),
    ("a\ufffe", "a", "contains U+FFFE at character 2, which is not text"),
    ("x" * (MAX_FIELD_CHARS + 1), "x" * (MAX_FIELD_CHARS + 1),
     f"{MAX_FIELD_CHARS + 1} characters long; a card field has at most {MAX_FIELD_CHARS}"),
    ("a" + "\u0300" * 9, "\u00e0" + "\u0300" * 8, "more than 8 combining marks in a row at character 10"),
])
def test_refused_with_a_reason_and_a_clean_text_for_later_checks(value, shown, reason):
    text, problem = clean(value)
    assert text == shown
    assert problem is not None and reason in problem


@given(st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=240))
def test_plain_ascii_is_cleaned_as_any_text_is(value):
    """Printable ASCII takes a short way through ``clean``; it ends where the long way does."""
    import unicodedata

    from cardkit.roster import textsafety

    folded = textsafety._BREAKS.sub(textsafety._fold, textsafety._NOT_TEXT.sub("", value))
    text, problem = textsafety.clean(value)
    assert text == unicodedata.normalize("NFC", folded.strip(" "))
    assert problem == textsafety._problem(value)
    assert (problem is None) == (len(value) <= textsafety.MAX_FIELD_CHARS
                                 and textsafety._CONTROL.search(value) is None)
