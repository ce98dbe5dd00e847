"""WeasyPrint's private internals are used in one module (cardkit.internals), for the
versions it supports; a new WeasyPrint that moves one is named here, not met as a crash."""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import cardkit
from cardkit import internals

PACKAGE = Path(cardkit.__file__).resolve().parent


def test_the_installed_weasyprint_is_one_the_internals_support():
    major = int(metadata.version("weasyprint").split(".")[0])
    low, high = internals.SUPPORTED
    assert low <= major < high, f"WeasyPrint {major}: cardkit.internals supports {low} to {high - 1}"


def test_every_internal_is_where_cardkit_uses_it():
    assert internals.missing() == [], "WeasyPrint moved these internals: " + ", ".join(
        internals.missing())


def test_the_version_bound_of_pyproject_matches():
    text = (PACKAGE.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    low, high = internals.SUPPORTED
    assert f'"weasyprint>={low},<{high}"' in text


def test_no_other_module_touches_the_internals():
    """``_page_box``, ``_box``, ``pango_layout`` and ``weasyprint.text`` appear only in cardkit.internals
    (``FontConfiguration``, public since WeasyPrint 53, excepted)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "internals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("_page_box", "_box",
                                                                 "pango_layout"):
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "weasyprint.text") and [a.name for a in node.names] != ["FontConfiguration"]:
                found.append(f"{path.name}:{node.lineno}: from {node.module}")
    assert found == []
