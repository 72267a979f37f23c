"""The package's layers, read from the imports of every module (not run).

``DESIGN.md`` section 2: scenario -> model -> results -> experiments, with the faces (figures,
report, app, command line) on top. A module may import its own layer and the layers below it,
never one above, and no chain of imports leads back to where it started (imports inside
functions count too: a circle dodged that way is still a circle). Imports under
``if TYPE_CHECKING:`` are for the type checker only and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "hubsim"

LAYERS = ("scenario", "model", "results", "experiments", "figures", "report", "app", "cli")
"""Bottom to top. ``hubsim`` itself (the public API in ``__init__``) sits just above experiments."""

API_LEVEL = LAYERS.index("experiments") + 0.5


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def level(module: str) -> float:
    parts = module.split(".")
    if len(parts) == 1:
        return API_LEVEL
    return float(LAYERS.index(parts[1]))


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The hubsim modules ``path`` imports (``from hubsim.x import y`` counts ``hubsim.x.y`` when
    that is a module)."""
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "hubsim":
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if f"{node.module}.{a.name}" in known)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "hubsim")
    return found & known


def graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, known) - {module_name(p)} for p in paths}


def test_every_module_sits_in_a_layer() -> None:
    for module in graph():
        parts = module.split(".")
        assert len(parts) == 1 or parts[1] in LAYERS or parts[1] == "data", module


def test_no_module_imports_a_higher_layer() -> None:
    upward = sorted(f"{m} -> {i}" for m, deps in graph().items() for i in deps
                    if i != "hubsim" and level(i) > level(m))
    upward += sorted(f"{m} -> hubsim" for m, deps in graph().items()
                     if "hubsim" in deps and m.count(".") and level(m) < API_LEVEL)
    assert upward == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle() -> None:
    # a package's __init__ importing its own submodules is how a package is assembled, not a
    # circle between two jobs: only hubsim's own __init__ does so, for the public API
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph().items()}
    assert _cycle(edges) is None


@pytest.mark.parametrize("bad", [{"a": {"b"}, "b": {"a"}}, {"a": {"b"}, "b": {"c"}, "c": {"a"}}])
def test_the_circle_check_finds_a_circle(bad: dict[str, set[str]]) -> None:
    assert _cycle(bad) is not None
