"""The house rules that keep the code readable: imports flow one way, functions fit a screen."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_FUNCTION_LINES = 60
# the layers, lowest first: a module may import from its own layer and the layers before it
# (docs/architecture.md says what lives where); ``scmap`` itself is the public face over all
LAYERS = (
    "scmap.errors scmap._version",
    "core",
    "sources",
    "project",
    "analysis",
    "workshop",
    "maps",
    "outputs",
    "pipeline",
    "server",
    "cli",
)


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "scmap").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every scmap module *name* imports: top level, under TYPE_CHECKING or inside functions."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package if node.level else node.module or ""
            if node.level and node.module:
                base = f"{package}.{node.module}"
            if base.startswith("scmap"):
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("scmap")}
    return found & set(modules)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) - {name} for name, path in modules.items()}
    assert _cycles(graph) == []


def _layer(name: str) -> int:
    """The position of module *name*'s layer in :data:`LAYERS` (the package itself is above all)."""
    if name == "scmap":
        return len(LAYERS)
    for i, layer in enumerate(LAYERS):
        if name in layer.split() or name.split(".")[1] == layer:
            return i
    raise AssertionError(f"{name} is in no layer: put it in one of {LAYERS[1:]}")


def _upward(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module from a layer above its own, as 'importer -> imported'."""
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if _layer(b) > _layer(a))


def test_imports_flow_down_the_layers():
    modules = _modules()
    graph = {name: _imports(name, path, modules) - {name} for name, path in modules.items()}
    assert _upward(graph) == []


def test_an_upward_import_is_caught():
    graph = {"scmap.sources.io": {"scmap.core.catalogue", "scmap.maps.export"}, "scmap.maps.export": set()}
    assert _upward(graph) == ["scmap.sources.io -> scmap.maps.export"]
    assert _upward({"scmap.cli.main": {"scmap.pipeline.results"}, "scmap.errors": set()}) == []


def test_the_top_level_holds_only_the_layers():
    top = {p.name for p in (SRC / "scmap").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    layers = {layer for layer in LAYERS if "." not in layer}
    assert top == {"__init__.py", "errors.py", "_version.py", *layers}


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_functions_fit_a_screen():
    long = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


def test_the_room_and_the_command_line_start_without_the_analysis_libraries():
    """``scmap --help`` and a served room import none of the heavy libraries they do not use."""
    heavy = ["pandas", "geopandas", "folium", "matplotlib", "scipy", "mapclassify", "pyogrio"]
    code = (
        "import sys, scmap.cli.main, scmap.server, scmap.cli.workshop_cmd\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
