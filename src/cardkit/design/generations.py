"""Find generations along the project's layers, resolve ``extends:``, validate."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import Diagnostic, InputError
from ..i18n import _
from ..limits import MAX_FIELDS, MAX_LIST_ITEMS
from ..model import HARD_MIN_MODULE_MM, MIN_MODULE_MM, Generation
from ..project import Project, did_you_mean

# Every key a generation may set, with what it means (the schema documents itself).
SCHEMA: dict[str, str] = {
    "title": "name shown in `cardkit list` and on the exhibition sheet",
    "year": "year the design was introduced",
    "extends": "id of the generation this one builds on; only differences are stated",
    "summary": "what changed from the generation before (one line)",
    "card": "width_mm, height_mm, bleed_mm, safe_mm; fixed: true keeps the size on a stock "
            "whose cards differ (the job is refused instead of laid out at the stock's size)",
    "colors": "background, text, accent, band, band_text, muted (#rrggbb)",
    "colors_cmyk": "the same keys as colors, as cmyk(c, m, y, k) in per cent: used by print --color cmyk",
    "fonts": "body and heading: lists of font families, first choice first",
    "templates": "front, back, stylesheet: template file names",
    "front": "title and show: the blocks printed on the front, in order",
    "back": "title and show: the blocks printed on the back, in order",
    "texts": ("promise, advice_title, advice: fixed texts; label_address, label_area, "
              "label_phone, label_mobile, label_website, label_alarm, label_hotline: the labels "
              "printed before those fields (地址 辖区 电话 手机 网站 报警求助 值班电话)"),
    "tips": "title and lines: property-safety tips",
    "web": ("list of {label}: web addresses printed on the card; each url comes from the "
            "unit's web: address of that label, or from the unit field named by field: "
            "(website, weibo); a bureau's own generation may write url: itself"),
    "qr": ("field (officer field holding the payload), size_mm, caption, ec (L, M, Q or H; "
           "default: chosen for the payload: the smallest version at M, raised to Q or H when "
           "free, L when M's modules would be under min_module_mm), min_module_mm (smallest "
           "module preflight accepts, default 0.5, never under 0.4), missing (omit: a card "
           "without the code when the field is empty, with a warning; error: refused), hosts "
           "(hosts and scheme:// forms the payload may use; cardkit.yaml's qr_hosts adds to them)"),
    "mascot": ("image (file under templates/assets), image_cmyk (the same drawing in "
               "device-cmyk colours, used by print --color cmyk) and caption (default: the "
               "unit's mascot); null: none"),
    "fraud_tips": "title and lines: anti-telecom-fraud tips",
    "fields": "extra officer fields this generation's templates use",
    "fit": (
        "per printed field (name, unit, address, ...): what to do when its text is too long "
        "for its box or the safe zone: {min_pt: N, max_lines: N}. The text is first shrunk, "
        "down to min_pt points at the least; if it still does not fit it wraps onto at most "
        "max_lines lines (default 1: no wrapping); if it still does not fit, preflight fails. "
        "Without a fit entry, text that does not fit is an error; `name: null` drops a policy "
        "inherited from the parent. The built-in generations fit unit, name, post, area and "
        "address. For the tip lists (tips, fraud_tips) only min_pt applies: the lists are laid "
        "out in as many columns as their widest line allows, 2 mm apart; when their rows would "
        "not fit the free space of the face, the type size and the columns are searched "
        "together, down to min_pt."
    ),
}
# Keys of the nested mappings (colors and fonts take any name: templates may add their own).
NESTED: dict[str, tuple[str, ...]] = {
    "card": ("width_mm", "height_mm", "bleed_mm", "safe_mm", "fixed"),
    "qr": ("field", "size_mm", "caption", "ec", "min_module_mm", "missing", "hosts"),
    "templates": ("front", "back", "stylesheet"),
    "mascot": ("image", "image_cmyk", "caption"),
}
NULLABLE = ("mascot",)  # sections a generation may set to null to drop the parent's
FIT_FIELDS = ("unit", "name", "post", "area", "phone", "mobile", "address", "hotline",
              "website", "promise", "tips", "fraud_tips")
FIT_KEYS = ("min_pt", "max_lines")
BLOCKS = {
    "front": {"unit", "name", "post", "area", "phone", "mobile", "address", "hotline",
              "promise", "qr", "mascot", "website"},
    "back": {"advice", "tips", "web", "fraud_tips", "mascot", "promise", "hotline", "qr"},
}
QR_MISSING = ("omit", "error")
WEB_KEYS = ("label", "url", "field")
WEB_FIELDS = ("website", "weibo")  # unit fields a web: entry may print
# Blocks that print a unit field, and the field.
UNIT_BLOCKS = {"address": "address", "hotline": "hotline", "website": "website"}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FONT = re.compile(r"^[\w \-]+$")


def available(project: Project) -> dict[str, Path]:
    """Generation id -> file, project files overriding built-ins of the same name."""
    found: dict[str, Path] = {}
    for folder in reversed(project.layers("generations")):
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def load(project: Project, gen_id: str) -> Generation:
    """Load generation ``gen_id`` with its ancestors merged in and check it.

    Every problem of every file in the chain is reported at once, with file and line.
    """
    files = available(project)
    chain: list[str] = []
    layers: list[dict[str, Any]] = []
    problems: list[Diagnostic] = []
    current: str | None = str(gen_id)
    while current is not None:
        if current in chain or current not in files:
            if not chain:
                known = ", ".join(files) or _("none")
                raise InputError(
                    _("unknown generation {id}{hint} (known: {known})").format(
                        id=repr(current), hint=did_you_mean(current, files), known=known)
                )
            child = layers[-1]
            where = {"file": _label(chain[-1]), "line": child.line_of("extends"), "field": "extends"}
            if current in chain:
                cycle = " -> ".join([*chain[chain.index(current):], current])
                problems.append(Diagnostic(**where, message=_("cycle: {cycle}").format(cycle=cycle)))
            else:
                known = ", ".join(f for f in files if f not in chain) or _("none")
                problems.append(Diagnostic(**where, message=_(
                    "unknown generation {id}{hint} (generations that exist: {known})").format(
                    id=repr(current), hint=did_you_mean(current, files), known=known)))
            raise InputError(_("bad generation"), problems)
        data = yamlio.load(files[current], name=_label(current), strings=False)
        if not isinstance(data, dict):
            raise InputError(f"{_label(current)}: " + _("expected a mapping"))
        problems += _check_layer(data, _label(current))
        chain.append(current)
        layers.append(data)
        parent = data.get("extends")
        current = str(parent) if parent is not None else None
    resolved: dict[str, Any] = {}
    for layer in reversed(layers):
        resolved = merge(resolved, {k: v for k, v in layer.items() if k != "extends"})
    generation = Generation(id=str(gen_id), data=yamlio.plain(resolved), chain=tuple(chain),
                            path=files[str(gen_id)], where=_where(layers, chain))
    if not problems:  # values of the merged result, located in the file that set them
        problems += _check_values(generation, project, layers, [_label(c) for c in chain])
    if problems:
        raise InputError(_("bad generation"), problems)
    return generation


def _where(layers: list[dict], chain: list[str]) -> dict[str, tuple[str, int]]:
    """Key paths two deep (``tips.lines``) -> file and line of the nearest file setting them."""
    where: dict[str, tuple[str, int]] = {}
    for layer, gen_id in zip(reversed(layers), reversed(chain), strict=True):
        for key, value in layer.items():
            where[str(key)] = (_label(gen_id), layer.line_of(key))
            if isinstance(value, dict):
                for sub in value:
                    where[f"{key}.{sub}"] = (_label(gen_id), value.line_of(sub))
    return where


def _label(gen_id: str) -> str:
    return f"generations/{gen_id}.yaml"


def merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        result = {k: copy.deepcopy(v) for k, v in base.items()}
        for key, value in override.items():
            result[key] = merge(result.get(key), value) if key in result else copy.deepcopy(value)
        return result
    return copy.deepcopy(override)


def _check_layer(data: dict, name: str) -> list[Diagnostic]:
    """Keys and value types of one generation file, each located at its line."""
    problems = []
    for key in data:
        if key not in SCHEMA:
            problems.append(Diagnostic(file=name, line=data.line_of(key), field=key,
                                       message=_("unknown key") + did_you_mean(key, SCHEMA)))
            continue
        value = data[key]
        if value is None and key in NULLABLE:  # `mascot: null` drops what a parent set
            continue
        sub_keys = NESTED.get(key)
        if sub_keys is not None or key in ("colors", "fonts", "fit", "front", "back", "texts"):
            if not isinstance(value, dict):
                problems.append(Diagnostic(file=name, line=data.line_of(key), field=key,
                                           message=_("expected a mapping")))
                continue
            if key in ("front", "back") and "show" in value and not isinstance(value["show"], list):
                problems.append(Diagnostic(file=name, line=value.line_of("show"), field=f"{key}.show",
                                           message=_("expected a list of block names")))
        if sub_keys is not None:
            for sub in value:
                if sub not in sub_keys:
                    problems.append(Diagnostic(
                        file=name, line=value.line_of(sub), field=f"{key}.{sub}",
                        message=_("unknown key") + did_you_mean(sub, sub_keys)
                        + _(" ({key}: takes {keys})").format(key=key, keys=", ".join(sub_keys))))
    colors = data.get("colors") if isinstance(data.get("colors"), dict) else {}
    for key, value in colors.items():
        if not isinstance(value, str) or not _COLOR.match(value):
            problems.append(Diagnostic(file=name, line=data["colors"].line_of(key),
                                       field=f"colors.{key}",
                                       message=_("{value} is not a colour like #1a5fb4").format(
                                           value=repr(value))))
    fonts = data.get("fonts") if isinstance(data.get("fonts"), dict) else {}
    for key, families in fonts.items():
        if not isinstance(families, list) or not all(
            isinstance(f, str) and _FONT.match(f) for f in families
        ):
            problems.append(Diagnostic(file=name, line=data["fonts"].line_of(key),
                                       field=f"fonts.{key}",
                                       message=_("expected a list of font family names")))
    for section, keys in (("card", ("width_mm", "height_mm", "bleed_mm", "safe_mm")),
                          ("qr", ("size_mm", "min_module_mm"))):
        mapping = data.get(section)
        if not isinstance(mapping, dict):
            continue
        for key in keys:
            if key in mapping and not _is_number(mapping[key]):
                problems.append(Diagnostic(
                    file=name, line=mapping.line_of(key), field=f"{section}.{key}",
                    message=_("{value} is not a number of millimetres (write 90, not 90mm)").format(
                        value=repr(mapping[key]))))
    card = data.get("card")
    if isinstance(card, dict) and "fixed" in card and not isinstance(card["fixed"], bool):
        problems.append(Diagnostic(file=name, line=card.line_of("fixed"), field="card.fixed",
                                   message=_("expected true or false")))
    problems += _check_web_and_qr(data, name)
    fit = data.get("fit")
    if isinstance(fit, dict):
        for field_name, policy in fit.items():
            where = {"file": name, "line": fit.line_of(field_name), "field": f"fit.{field_name}"}
            if field_name not in FIT_FIELDS:
                problems.append(Diagnostic(**where, message=_("no such field on a card")
                                           + did_you_mean(field_name, FIT_FIELDS)))
                continue
            if policy is None:  # null: no policy for this field, even if a parent has one
                continue
            if not isinstance(policy, dict):
                problems.append(Diagnostic(**where, message=_("expected {min_pt: N, max_lines: N}")))
                continue
            for key, value in policy.items():
                if key not in FIT_KEYS:
                    problems.append(Diagnostic(**where, message=_("unknown key {key}").format(
                        key=repr(key))
                                               + did_you_mean(key, FIT_KEYS)))
                elif key == "min_pt" and not (_is_number(value) and 3 <= value <= 30):
                    problems.append(Diagnostic(**where, message=f"min_pt {value!r}: " + _(
                        "expected a font size from 3 to 30 (points)")))
                elif key == "max_lines" and not (isinstance(value, int) and 1 <= value <= 5):
                    problems.append(Diagnostic(**where, message=f"max_lines {value!r}: " + _(
                        "expected a whole number from 1 to 5")))
    return problems


def _check_web_and_qr(data: dict, name: str) -> list[Diagnostic]:
    """``web:`` entries (label, and where the url comes from) and ``qr.missing``/``qr.hosts``."""
    from ..urlrules import placeholder_host, scheme_problem

    problems = []
    web = data.get("web")
    if web is not None and not isinstance(web, list):
        problems.append(Diagnostic(file=name, line=data.line_of("web"), field="web",
                                   message=_("expected a list of {label: ...} entries")))
        web = []
    for index, entry in enumerate(web or []):
        line = web.lines[index] if hasattr(web, "lines") else data.line_of("web")
        where = {"file": name, "line": line, "field": f"web[{index + 1}]"}
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            problems.append(Diagnostic(**where, message=_("expected a mapping with a label")))
            continue
        for key in entry:
            if key not in WEB_KEYS:
                problems.append(Diagnostic(**where, message=_("unknown key {key}").format(
                    key=repr(key)) + did_you_mean(key, WEB_KEYS)))
        if "field" in entry and entry["field"] not in WEB_FIELDS:
            problems.append(Diagnostic(**where, message=_(
                "field {value}: expected one of {fields}").format(
                value=repr(entry["field"]), fields=", ".join(WEB_FIELDS))))
        url = entry.get("url")
        if url is not None:
            message = scheme_problem(str(url)) if isinstance(url, str) else _("expected text")
            host = placeholder_host(str(url)) if not message else None
            if host:
                message = _('"{url}": {host} is a placeholder host; write the real address, or '
                            "leave url: out so that it comes from the unit").format(url=url,
                                                                                    host=host)
            if message:
                problems.append(Diagnostic(**{**where, "field": f"web[{index + 1}].url"},
                                           message=message))
    qr = data.get("qr")
    if isinstance(qr, dict):
        if "missing" in qr and qr["missing"] not in QR_MISSING:
            problems.append(Diagnostic(file=name, line=qr.line_of("missing"), field="qr.missing",
                                       message=_("{value}: expected omit or error").format(
                                           value=repr(qr["missing"]))))
        hosts = qr.get("hosts")
        if hosts is not None and not (isinstance(hosts, list)
                                      and all(isinstance(h, str) and h.strip() for h in hosts)):
            problems.append(Diagnostic(file=name, line=qr.line_of("hosts"), field="qr.hosts",
                                       message=_("expected a list of host names "
                                                 "(u.wechat.com) or forms (weixin://)")))
    return problems


def qr_hosts(gen: Generation, project: Project | None = None) -> list[str]:
    """Hosts (and scheme:// forms) a QR payload of ``gen`` may use, the project's included."""
    hosts = [str(h) for h in (gen.data.get("qr") or {}).get("hosts") or []]
    extra = (project.config.get("qr_hosts") if project is not None else None) or []
    return list(dict.fromkeys([*hosts, *(str(h) for h in extra)]))


def web_entries(gen: Generation) -> list[dict[str, str]]:
    """The generation's web: entries, each with ``source``: where its url comes from."""
    entries = []
    for entry in gen.data.get("web") or []:
        if entry.get("url"):
            source = ""
        elif entry.get("field"):
            source = str(entry["field"])
        else:
            source = f"web.{entry['label']}"
        entries.append({"label": str(entry["label"]), "url": str(entry.get("url") or ""),
                        "source": source})
    return entries


def unit_fields(gen: Generation) -> list[str]:
    """The unit fields ``gen`` prints (besides the unit's name), in the order of its faces.

    ``web.LABEL`` is the unit's web address of that label; ``mascot`` the mascot's caption
    when the generation does not write one itself.
    """
    fields: list[str] = []
    for side in ("front", "back"):
        for block in gen.shows(side):
            if block in UNIT_BLOCKS:
                fields.append(UNIT_BLOCKS[block])
            elif block == "web":
                fields += [e["source"] for e in web_entries(gen) if e["source"]]
            elif block == "mascot" and not (gen.data.get("mascot") or {}).get("caption"):
                fields.append("mascot")
    return list(dict.fromkeys(fields))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _locate(layers: list[dict], names: list[str], *path: str) -> tuple[str, int]:
    """File and line where the nearest generation of the chain sets ``path``."""
    for layer, name in zip(layers, names, strict=True):
        node: Any = layer
        line = 0
        for key in path:
            if not isinstance(node, dict) or key not in node:
                break
            line = node.line_of(key)
            node = node[key]
        else:
            return name, line
    return names[0], 0


def _check_values(gen: Generation, project: Project, layers: list[dict],
                  names: list[str]) -> list[Diagnostic]:
    """Checks of the merged generation: sizes, blocks, templates and assets that exist."""
    problems: list[Diagnostic] = []

    def add(path: tuple[str, ...], message: str) -> None:
        file, line = _locate(layers, names, *path)
        problems.append(Diagnostic(file=file, line=line, field=".".join(path), message=message))

    for path in (("tips", "lines"), ("fraud_tips", "lines"), ("web",), ("front", "show"),
                 ("back", "show"), ("fields",)):
        value: Any = gen.data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        limit = MAX_FIELDS if path == ("fields",) else MAX_LIST_ITEMS
        if isinstance(value, list) and len(value) > limit:
            add(path, _("{count} items; a generation may list at most {limit} here").format(
                count=f"{len(value):,}", limit=limit))
    if problems:  # refused before anything is laid out
        return problems
    card = gen.card
    if not (20 <= card.width <= 300 and 20 <= card.height <= 300):
        add(("card", "width_mm"), _("size {width} x {height} mm is not a card size "
                                    "(20 to 300 mm a side)").format(
            width=f"{card.width:g}", height=f"{card.height:g}"))
    if not 0 <= card.bleed <= 10:
        add(("card", "bleed_mm"), f"{card.bleed:g} mm: " + _("bleed must be 0 to 10 mm"))
    if not 0 <= card.safe <= 15 or 2 * card.safe >= min(card.width, card.height):
        add(("card", "safe_mm"), f"{card.safe:g} mm: " + _("the safe margin must be 0 to 15 mm "
                                                           "and leave room on the card"))
    for side in ("front", "back"):
        for block in gen.shows(side):
            if not isinstance(block, str):
                add((side, "show"), _("expected a list of block names"))
            elif block not in BLOCKS[side]:
                add((side, "show"), _("unknown block {block}{hint} (blocks: {blocks})").format(
                    block=repr(block), hint=did_you_mean(block, BLOCKS[side]),
                    blocks=", ".join(sorted(BLOCKS[side]))))
    qr = gen.data.get("qr") or {}
    if gen.qr_field is not None:
        if not qr:
            add(("front", "show"), _("qr is shown but has no qr: settings"))
        else:
            size = float(qr.get("size_mm", 18))
            if not 8 <= size <= min(card.width, card.height) - 2 * card.safe:
                add(("qr", "size_mm"), f"{size:g} mm: " + _("a QR code must be 8 mm or more and fit "
                                                            "inside the safe zone"))
            if "ec" in qr and str(qr["ec"]).upper() not in ("L", "M", "Q", "H"):
                add(("qr", "ec"), f"{qr.get('ec')!r}: " + _("error correction is L, M, Q or H"))
            floor = qr.get("min_module_mm", MIN_MODULE_MM)
            if isinstance(floor, int | float) and not HARD_MIN_MODULE_MM <= floor <= 2:
                add(("qr", "min_module_mm"), f"{floor:g} mm: " + _(
                    "the smallest QR module preflight accepts may be {low} to {high} mm").format(
                    low=HARD_MIN_MODULE_MM, high=2))
    template_dirs = project.layers("templates")
    for key, default in (("front", "front.html"), ("back", "back.html"),
                         ("stylesheet", "card.css")):
        template = str((gen.data.get("templates") or {}).get(key, default))
        candidates = [d / gen.id / template for d in template_dirs] + \
                     [d / template for d in template_dirs]
        if not any(p.is_file() for p in candidates):
            add(("templates", key), _("template {name} not found in the project's "
                                      "templates/ nor among cardkit's built-in templates").format(
                name=repr(template)))
    mascot = gen.data.get("mascot") or {}
    shown = "mascot" in gen.shows("front") + gen.shows("back")
    if shown and not mascot.get("image"):
        add(("front" if "mascot" in gen.shows("front") else "back", "show"),
            _("mascot is shown but has no mascot: image"))
    for key in ("image", "image_cmyk"):
        if not (shown and mascot.get(key)):
            continue
        image = str(mascot[key])
        found = [d / "assets" / image for d in template_dirs
                 if (d / "assets" / image).resolve().is_file()
                 and (d / "assets" / image).resolve().is_relative_to(d)]
        if not found:
            add(("mascot", key), _("asset {name} not found in the project's "
                                   "templates/assets/ nor among cardkit's built-in assets").format(
                name=repr(image)))
    return problems


def describe(gen: Generation) -> dict[str, Any]:
    """What `cardkit list` says of a generation."""
    card = gen.card
    return {
        "id": gen.id,
        "title": gen.title,
        "year": gen.year,
        "base": gen.base,
        "size": f"{card.width:g}x{card.height:g}mm",
        "bleed_mm": card.bleed,
        "front": gen.shows("front"),
        "back": gen.shows("back"),
        "unit": unit_fields(gen),
        "summary": gen.data.get("summary", ""),
    }
