"""The house rules of DESIGN.md, checked on the source: imports point one way, no cycles.

Every ``import`` is read from the syntax tree (function-level imports included: "a lower room
never imports a higher one, not even inside a function"), so a regression fails here instead
of surfacing as a circular-import error in some rarely used command.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Each room and the rooms it may import (besides itself and the standard library).
ALLOWED: dict[str, set[str]] = {
    "bsfcore": set(),
    "reports": {"bsfcore"},
    "registries": {"bsfcore", "config"},
    "formats": {"bsfcore", "registries", "config"},
    "archive": {"bsfcore", "registries", "formats", "reports", "config"},
    "upgrade": {"bsfcore", "registries", "formats", "archive", "reports", "config"},
    "workbench": {"bsfcore", "registries", "formats", "archive", "reports", "config"},
    "packager": {"bsfcore", "registries", "formats", "archive", "reports", "config"},
    "replication": {"bsfcore", "registries", "formats", "archive", "reports", "packager",
                    "config"},
    "web": {"bsfcore", "registries", "formats", "archive", "reports", "upgrade", "workbench",
            "packager", "replication", "config"},
}
OURS = {*ALLOWED, "bsf", "web", "config"}


def _modules() -> Iterator[tuple[str, Path]]:
    for room in sorted(OURS - {"config"}):
        folder = ROOT / room
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """What ``name`` imports: ``from pkg import sub`` counts as importing ``pkg.sub`` only
    (loading a parent package is no dependency on its ``__init__``'s names)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m.split(".")[0] in OURS}


def _graph() -> dict[str, set[str]]:
    modules = dict(_modules())
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(name, path, set(modules))
                       if m in modules and m != name}
    return graph


def test_rooms_import_only_lower_rooms() -> None:
    wrong = []
    for name, targets in _graph().items():
        room = name.split(".")[0]
        if room not in ALLOWED:
            continue
        for target in targets:
            other = target.split(".")[0]
            if other != room and other not in ALLOWED[room]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_nothing_below_the_cli_imports_typer_or_rich_console() -> None:
    wrong = []
    for name, path in _modules():
        if name.split(".")[0] in ("bsf", "web"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            wrong += [f"{name} imports {n}" for n in names
                      if n.split(".")[0] == "typer" or n.startswith("rich.console")]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or through others (Tarjan's SCCs)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def test_no_module_over_500_lines() -> None:
    long = [f"{path.relative_to(ROOT)}: {n} lines" for _, path in _modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500]
    assert not long, "\n".join(long)
