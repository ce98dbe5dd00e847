"""The page's words, marked for the CLI's catalogue and shown in each request's language.

Templates write ``{{ t.upload_title }}``; ``Texts`` translates with the request's own
gettext translations (never i18n's process-wide language, which belongs to the CLI).
"""

from __future__ import annotations

import gettext
from typing import Any

from ..i18n import DOMAIN, LANGUAGES, LOCALE_DIR, N_

TEXTS = {
    "title": N_("Contact cards"),
    "station": N_("Station"),
    "logout": N_("Log out"),
    "login_title": N_("Log in"),
    "login_help": N_("Type the token the server printed, or the one in your station's folder."),
    "token": N_("Token"),
    "login": N_("Log in"),
    "bad_token": N_("That token is not one of this server's."),
    "upload_title": N_("1. The roster"),
    "upload_help": N_("Drop the roster (XLSX, XLS, ODS, CSV or YAML) here with the WeChat QR "
                      "screenshots it names, or a zip of them; or choose the files."),
    "choose": N_("Choose files"),
    "send": N_("Check"),
    "cap": N_("At most {mib} MiB per upload."),
    "settings": N_("Unit settings"),
    "settings_help": N_("What every card of the station prints about the unit; saved in the "
                        "station's cardkit.yaml."),
    "unit_name": N_("Unit name"),
    "address": N_("Address"),
    "hotline": N_("Duty phone (值班电话)"),
    "web": N_("Web addresses"),
    "web_label": N_("Label"),
    "web_url": N_("URL"),
    "mascot_title": N_("Mascot"),
    "mascot": N_("Mascot's name"),
    "mascot_image": N_("Its drawing: an SVG, PNG or JPEG file of at most {mib} MiB"),
    "mascot_keep": N_("Choose no file to keep the drawing shown."),
    "mascot_no_drawing": N_("No drawing yet: a card prints the mascot only with its drawing."),
    "mascot_none": N_("No mascot (removes its name and drawing)"),
    "mascot_current": N_("The mascot's drawing now"),
    "mascot_rgb": N_("This SVG's colours are RGB: the office printer's PDF prints it, but the "
                     "print shop's CMYK PDF needs an SVG in device-cmyk(c m y k) colours, or a "
                     "PNG or JPEG (converted for the press)."),
    "save": N_("Save"),
    "saved": N_("Saved."),
    "not_saved": N_("Not saved: see the reasons beside the fields."),
    "back": N_("Back"),
    "jobs": N_("This station's uploads"),
    "job": N_("Upload"),
    "queued": N_("Waiting: place {place} in the queue."),
    "running": N_("Working…"),
    "progress": N_("{done} of {total} cards"),
    "cancel": N_("Cancel"),
    "cancelled": N_("Cancelled; nothing was kept."),
    "failed": N_("It did not work:"),
    "crashed": N_("The worker stopped (the file may be too big or damaged); nothing was kept."),
    "timeout": N_("It took too long and was stopped; nothing was kept."),
    "problems": N_("2. Problems"),
    "no_problems": N_("No problems found."),
    "errors_stand": N_("Fix the errors in the file and drop it again: nothing can be printed "
                       "while an error stands."),
    "row": N_("Row"),
    "officer": N_("Officer"),
    "field": N_("Field"),
    "what": N_("What is wrong"),
    "fix": N_("How to fix it"),
    "fix_row": N_("correct {field} on row {row} of {file}, then drop the file again"),
    "error": N_("Error"),
    "warning": N_("Warning"),
    "notice": N_("Notice"),
    "generation": N_("3. Card design"),
    "choose_gen": N_("Use this design"),
    "chosen": N_("chosen"),
    "front": N_("front face"),
    "back_side": N_("back face"),
    "previews": N_("4. The cards"),
    "previews_help": N_("Look at every card; tick the officers to print (all by default)."),
    "tick_all": N_("Tick all"),
    "tick_none": N_("Tick none"),
    "tick_changed": N_("Tick those changed since the last print"),
    "no_ledger": N_("No earlier print of this design by this station."),
    "downloads": N_("5. Download"),
    "office": N_("Office printer (A4)"),
    "shop": N_("Print shop (PDF/X-4, 3 mm bleed, crop marks)"),
    "ledger": N_("Ledger"),
    "make": N_("Make"),
    "download": N_("Download"),
    "done": N_("Done: delete this upload"),
    "done_help": N_("Uploads are deleted an hour after their last use."),
    "not_found": N_("Not found (it may have been deleted after an hour)."),
    "bad_request": N_("That request could not be read."),
    "too_big": N_("The upload is bigger than the cap of {mib} MiB."),
    "csrf": N_("The form was too old or came from elsewhere; reload the page and try again."),
    "internal": N_("Something went wrong on the server; nothing was kept. Try again."),
    "new_upload": N_("Drop a corrected file"),
}


class Texts:
    """``t.KEY``: the text of ``KEY`` in one request's language."""

    def __init__(self, translation: gettext.NullTranslations) -> None:
        self._translation = translation

    def __getattr__(self, key: str) -> str:
        if key.startswith("_") or key not in TEXTS:
            raise AttributeError(key)
        return self._translation.gettext(TEXTS[key])

    def gettext(self, message: str) -> str:
        return self._translation.gettext(message) if message else message

    def format(self, key: str, **values: Any) -> str:
        return getattr(self, key).format(**values)


def translation(lang: str) -> gettext.NullTranslations:
    catalogue = LANGUAGES.get(lang)
    if catalogue is None:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[catalogue], fallback=True)


def choose_language(cookie: str | None, accept: str) -> str:
    """``zh`` or ``en``: the switch's cookie, else Accept-Language (the first zh* it prefers)."""
    if cookie in LANGUAGES:
        return str(cookie)
    best, best_q = "en", -1.0
    for item in accept.split(",")[:20]:
        name, _sep, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        name = name.strip().lower()
        lang = "zh" if name.startswith("zh") else ("en" if name.startswith("en") or name == "*" else "")
        if lang and quality > best_q:
            best, best_q = lang, quality
    return best
