"""The shape of the package: no import cycles, and imports that flow one way.

    cli -> tools -> api -> stages (roster, design, render, sheet, pdf, preflight, report)
        -> base (model, errors, i18n, yamlio, project, resources, units, ...)

Every import counts, the ones inside functions too: a cycle that only works
because an import is deferred is still a cycle in the design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import cardkit

PACKAGE = Path(cardkit.__file__).resolve().parent

# Layers, lowest first. A module may import its own layer and the layers below it.
BASE = {"_version", "digests", "errors", "i18n", "jobstate", "model", "outputs", "pagetree",
        "pdfiumlock", "pdfsave", "project", "resources", "units", "urlrules", "yamlio"}
STAGES = {"roster", "design", "render", "sheet", "pdf", "preflight", "report"}
LAYERS = {"base": 0, "stage": 1, "api": 2, "tools": 3, "cli": 4}


def layer_of(module: str) -> str:
    """The layer of ``cardkit.X...`` by its first component (flat or nested layout alike)."""
    head = module.split(".")[1] if "." in module else ""
    if head in BASE:
        return "base"
    if head in ("api", ""):  # the package's face re-exports the API
        return "api"
    if head in ("cli", "__main__"):
        return "cli"
    if head in ("tools", "serve"):  # serve: the web page, a command built on the API
        return "tools"
    return "stage"  # every other module, STAGES and any new one, until it is placed


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(["cardkit", *parts])] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The cardkit modules ``name`` imports, with the line of each import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cardkit":
                    yield _owner(alias.name, known), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "cardkit":
                continue
            for alias in node.names:  # ``from . import x``: x may be a module itself
                sub = f"{target}.{alias.name}"
                yield (sub if sub in known else _owner(target, known)), node.lineno


def _owner(module: str, known: dict[str, Path]) -> str:
    while module not in known and "." in module:
        module = module.rpartition(".")[0]
    return module


def graph() -> dict[str, dict[str, int]]:
    known = modules()
    edges: dict[str, dict[str, int]] = {name: {} for name in known}
    for name, path in known.items():
        for target, line in imports(name, path, known):
            if target != name and target in known:
                edges[name].setdefault(target, line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def packages(edges: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The same graph with each subpackage (roster, design, ...) as one node."""
    def node(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2])

    folded: dict[str, dict[str, int]] = {}
    for source, targets in edges.items():
        for target, line in targets.items():
            a, b = node(source), node(target)
            folded.setdefault(a, {})
            if a != b:
                folded[a].setdefault(b, line)
    return folded


def test_the_graph_is_read():
    edges = graph()
    assert len(edges) > 30
    assert sum(len(t) for t in edges.values()) > 60  # imports are found, relative ones too


def test_no_import_cycle_between_modules():
    assert cycles(graph()) == []


def test_no_import_cycle_between_subpackages():
    assert cycles(packages(graph())) == []


def test_imports_flow_one_way():
    wrong = []
    for source, targets in graph().items():
        for target, line in targets.items():
            if LAYERS[layer_of(target)] > LAYERS[layer_of(source)]:
                path = modules()[source].relative_to(PACKAGE.parent)
                wrong.append(f"{path}:{line}: {layer_of(source)} {source} imports "
                             f"{layer_of(target)} {target}")
    assert wrong == []


def test_render_does_not_depend_on_preflight():
    edges = packages(graph())
    assert "cardkit.preflight" not in edges.get("cardkit.render", {})
    assert "cardkit.render" in edges.get("cardkit.preflight", {})


def test_every_import_of_a_cardkit_name_resolves():
    """Deferred imports (inside functions) run late; a moved name would fail only then."""
    import importlib

    known = modules()
    missing = []
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package.split(".")
            target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module or ""
            if target.split(".")[0] != "cardkit":
                continue
            module = importlib.import_module(target)
            for alias in node.names:
                if not hasattr(module, alias.name) and f"{target}.{alias.name}" not in known:
                    missing.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                                   f"{target} has no {alias.name}")
    assert missing == []


def test_the_checks_see_a_cycle_and_a_climb():
    edges = {"cardkit.a": {"cardkit.b": 1}, "cardkit.b": {"cardkit.c": 1},
             "cardkit.c": {"cardkit.a": 1}, "cardkit.d": {"cardkit.a": 1}}
    assert cycles(edges) == [["cardkit.a", "cardkit.b", "cardkit.c"]]
    assert LAYERS[layer_of("cardkit.api")] > LAYERS[layer_of("cardkit.render.batch")]
    assert LAYERS[layer_of("cardkit.cli.commands")] > LAYERS[layer_of("cardkit.tools.samples")]
    assert layer_of("cardkit.model") == "base"
