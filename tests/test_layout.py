"""The package's shape: every module imports on its own, there are no import cycles inside
ganlab/, and the arrows between parts point only down (shared/DESIGN.md, "Layout")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ganlab"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "static" not in p.parts}


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(name: str) -> set[str]:
    """ganlab modules that `name` imports at run time, lazily inside functions included: a lazy
    import still makes a cycle, it only hides it. Imports under `if TYPE_CHECKING:` don't count."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def find_cycle() -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(GRAPH):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    saved = dict(GRAPH)
    try:
        GRAPH["ganlab.gan2d.fields"] = GRAPH["ganlab.gan2d.fields"] | {"ganlab.gan2d.trainer"}
        assert find_cycle() is not None
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def test_no_import_cycles_inside_ganlab():
    cycle = find_cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# (importer prefix, forbidden prefix): engines never import the web layer or the CLI, the two
# engines never import each other, and the engine never imports the studies built on it.
FORBIDDEN = [
    ("ganlab.gan2d", "ganlab.server"), ("ganlab.gan2d", "ganlab.commands"), ("ganlab.gan2d", "ganlab.studies"),
    ("ganlab.gan2d", "ganlab.stylegan3"),
    ("ganlab.stylegan3", "ganlab.server"), ("ganlab.stylegan3", "ganlab.commands"),
    ("ganlab.stylegan3", "ganlab.gan2d"),
    ("ganlab.studies", "ganlab.server"), ("ganlab.studies", "ganlab.commands"),
    ("ganlab.server.gan2d", "ganlab.server.stylegan3"), ("ganlab.server.stylegan3", "ganlab.server.gan2d"),
]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("importer", "forbidden"), FORBIDDEN)
def test_arrows_point_down(importer, forbidden):
    bad = sorted(f"{m} imports {i}" for m, deps in GRAPH.items() if _under(m, importer)
                 for i in deps if _under(i, forbidden))
    assert not bad, bad


def test_no_prefix_left_where_a_folder_belongs():
    server = [p.name for p in (PACKAGE / "server").glob("*.py")]
    engine = [p.name for p in (PACKAGE / "gan2d").glob("*.py")]
    assert not [n for n in server if n.startswith(("stylegan3_", "routes_"))], server
    assert not [n for n in engine if n.startswith("sweep")], engine
    js = PACKAGE / "static" / "js"
    assert sorted(p.name for p in js.glob("*.js")) == ["colors.js", "schema.js", "socket.js", "store.js", "tabs.js"]


FORK_EACH = """
import importlib, os, sys, traceback
import fastapi, numpy, pydantic, safetensors, scipy, torch  # third-party cost paid once, before forking
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:  # the child imports one ganlab module into an interpreter holding no ganlab module
        try:
            importlib.import_module(name)
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
    if os.waitpid(pid, 0)[1] != 0:
        failed.append(name)
print("FAILED:", failed)
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each module imports as the first ganlab module a process loads: none relies on another
    having been imported before it. Third-party packages are preloaded once, then each module is
    imported in its own forked child."""
    names = sorted(n for n in MODULES if not n.endswith("__main__"))
    out = subprocess.run([sys.executable, "-c", FORK_EACH, *names], capture_output=True, text=True, timeout=180,
                         cwd=PACKAGE.parent)
    assert out.returncode == 0, out.stdout + out.stderr[-4000:]
