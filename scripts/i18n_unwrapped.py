"""List user-facing text in src/cardkit that does not go through the catalogue (for issue #8).

A message counts as user-facing when it is the message of an error cardkit reports
(``InputError(...)``, ``UsageError(...)``, ... ``Diagnostic(message=...)``), a line
for the console (``console.info/detail/error``), ``click.echo(...)`` text or a click
``help=``/``ctx.fail`` text, and is a literal or f-string not wrapped in ``_()``,
``ngettext()`` or ``N_()`` (a lower bound: text built in a variable first is not seen).
Output meant for programs (YAML, JSON, ids) is exempt when its line ends with
``# i18n: machine-readable``.  With --help-texts, click help texts are reported too, though
``i18n.localize_commands`` translates them from the catalogue without wrapping.

    .venv/bin/python scripts/i18n_unwrapped.py [--help-texts]
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "cardkit"
ERRORS = {"CardkitError", "InputError", "UsageError", "PreflightError", "FetchRefused"}
CONSOLE = {"info", "detail", "error", "warning"}
HELPERS = {"_diag", "_problem", "_refuse", "number_problem"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


TRANSLATE = {"_", "ngettext"}
EXEMPT = "# i18n: machine-readable"


def _translated(node: ast.expr) -> bool:
    """``_(...)``, ``ngettext(...)``, or either with ``.format(...)``: text that is wrapped."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        node = node.func.value
    return isinstance(node, ast.Call) and _name(node.func) in TRANSLATE


def _prefix(node: ast.expr) -> bool:
    """The machine-readable start of a line: a literal or f-string ending in ``": "``
    (``f"{file}:{line}: "``, ``f"{where}: paper.{key}: "``, ``f'"{value}": '``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.endswith((": ", '" '))
    if isinstance(node, ast.JoinedStr) and node.values:
        last = node.values[-1]
        return isinstance(last, ast.Constant) and str(last.value).endswith((": ", '" '))
    return False


def _texty(node: ast.expr | None) -> bool:
    """A literal with words in it, an f-string, or a concatenation holding one.

    A stable prefix followed by a translated message (``f"{file}:{line}: " + _(...)``) is not.
    """
    if node is None:
        return False
    if isinstance(node, ast.BinOp) and _translated(node.right) and _prefix(node.left):
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_texty(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _texty(node.left) or _texty(node.right)
    if isinstance(node, ast.IfExp):
        return _texty(node.body) or _texty(node.orelse)
    return False


def scan(path: Path, help_texts: bool) -> list[tuple[int, str]]:
    found = []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        args: list[ast.expr] = []
        if name in ERRORS and node.args:
            args = [node.args[0]]
        elif name == "Diagnostic":
            args = [k.value for k in node.keywords if k.arg == "message"]
        elif name in CONSOLE and isinstance(node.func, ast.Attribute) and node.args:
            args = [node.args[0]]
        elif name in ("echo", "fail", "secho") and node.args:
            args = [node.args[0]]
        elif name in HELPERS:  # cardkit's own helpers that build a Diagnostic or an error
            args = [a for a in node.args if _texty(a) and " " in ast.unparse(a)]
        elif help_texts and name in ("option", "command", "group", "argument"):
            args = [k.value for k in node.keywords if k.arg == "help"]
        if lines[node.lineno - 1].rstrip().endswith(EXEMPT):
            continue
        for arg in args:
            if _texty(arg):
                found.append((node.lineno, name))
    return sorted(found)


def main(argv: list[str]) -> int:
    help_texts = "--help-texts" in argv
    per_module: Counter[str] = Counter()
    for path in sorted(SRC.rglob("*.py")):
        for lineno, name in scan(path, help_texts):
            rel = path.relative_to(SRC.parent.parent)
            print(f"{rel}:{lineno}: {name}(...) text not wrapped in _()")
            per_module[str(rel)] += 1
    for module, count in per_module.most_common():
        print(f"{count:4d}  {module}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
