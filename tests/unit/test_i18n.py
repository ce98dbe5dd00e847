"""The Chinese catalogue: complete, compiled, consistent with the source and with click."""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
from conftest import REPO

babel_messages = pytest.importorskip("babel.messages")
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

from cardkit import i18n  # noqa: E402
from cardkit.cli.i18n_extract import help_texts  # noqa: E402

PO = REPO / "src" / "cardkit" / "locale" / "zh_CN" / "LC_MESSAGES" / "cardkit.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Nn_": (1, 2)}

# Commands and options every cardkit has; the test below checks the help of all of them.
CORE_HELP = {
    "cardkit", "cardkit --project", "cardkit -q", "cardkit -v", "cardkit --lang", "cardkit --version",
    "cardkit list", "cardkit list --json", "cardkit show",
    "cardkit print", "cardkit print --gen", "cardkit print --roster", "cardkit print --officer",
    "cardkit print -o", "cardkit print --layout", "cardkit print --paper", "cardkit print --duplex",
    "cardkit print --bleed", "cardkit print --copies",
    "cardkit check", "cardkit check --gen", "cardkit check --roster", "cardkit check --json",
}


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings) and "fuzzy" not in message.flags


def marked_messages() -> dict[str, str]:
    """Every message marked for translation in cardkit's source: msgid -> file:line."""
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            REPO / "src" / "cardkit", method_map=[("**.py", "python")], keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_marked_message_has_a_chinese_translation(catalogue):
    messages = marked_messages()
    assert len(messages) > 40  # the extraction itself works
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(messages.items(), key=lambda i: i[1])
               if msgid not in catalogue or not _translated(catalogue[msgid])]
    assert not missing, ("no Chinese translation (run `make i18n`, translate the new entries in "
                         f"{PO.relative_to(REPO)}, run it again):\n" + "\n".join(missing))


def test_help_of_every_command_and_option_has_a_chinese_translation(catalogue):
    texts = dict(help_texts())
    assert CORE_HELP <= set(texts), CORE_HELP - set(texts)  # the extraction walks the whole tree
    missing = [f"{where}: {text!r}" for where, text in sorted(texts.items())
               if text not in catalogue or not _translated(catalogue[text])]
    assert not missing, "help texts with no Chinese translation (`make i18n`):\n" + "\n".join(missing)


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_translations_keep_the_placeholders_and_the_machine_readable_words(catalogue):
    for message in catalogue:
        if not message.id or not _translated(message):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = set().union(*(_fields(i) for i in ids))
        for text in strings:
            assert _fields(text) <= allowed, (message.id, text)
            assert _fields(text) >= _fields(ids[0]) - {"possibility", "choice"}, (message.id, text)
            for keyword in ("error:", "warning:", "Error:"):
                assert text.startswith(keyword) == ids[0].startswith(keyword), (message.id, text)


def test_compiled_catalogue_matches_the_po_file(catalogue):
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog  # noqa: SLF001
    expected = {}
    for message in catalogue:
        if not message.id or not _translated(message):
            continue
        if isinstance(message.id, tuple):
            for index, text in enumerate(message.string):
                expected[(message.id[0], index)] = text
        else:
            expected[message.id] = message.string
    compiled = {k: v for k, v in compiled.items() if k != ""}
    assert compiled == expected, "the .mo is out of date: run `make i18n`"


def test_click_messages_are_still_click_s_own():
    import click

    source = "".join(p.read_text(encoding="utf-8") for p in Path(click.__file__).parent.glob("*.py"))
    from cardkit.cli.click_messages import MESSAGES, PLURALS

    for text in [*MESSAGES, *(t for pair in PLURALS for t in pair)]:
        assert text.encode("unicode_escape").decode("ascii") in source, text


@pytest.mark.parametrize(("environ", "lang"), [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.Big5"}, "zh"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.GB18030"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
    ({"LANGUAGE": "fr:zh_CN", "LANG": "fr_FR.UTF-8"}, "zh"),
    ({"LANGUAGE": "en:zh", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LANG": "zh_SG"}, "zh"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
])
def test_language_from_the_environment(environ, lang):
    assert i18n.detect(environ) == lang


@pytest.mark.parametrize(("argv", "lang"), [
    (["--lang", "zh", "list"], "zh"), (["--lang=en", "list"], "en"), (["list", "--", "--lang", "zh"], None),
    (["--lang", "fr"], None), (["--lang"], None),
])
def test_lang_option_found_before_click_parses(argv, lang):
    assert i18n.lang_from_argv(argv) == lang


def test_switching_language_in_one_process():
    try:
        i18n.set_language("zh")
        assert i18n._("interrupted") == "已中断"
        assert i18n.ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 2) \
            == "{value!r} 不是可选值之一：{choices}。"
        i18n.set_language("en")
        assert i18n._("interrupted") == "interrupted"
    finally:
        i18n.set_language("en")



def test_an_empty_message_stays_empty_in_chinese():
    """gettext answers "" with the catalogue's header; a YAML error without a problem text
    must not print it."""
    before = i18n.language()
    i18n.set_language("zh")
    try:
        assert i18n._("") == ""
        assert i18n._("preflight failed") != "preflight failed"  # the catalogue is in use
    finally:
        i18n.set_language(before)
