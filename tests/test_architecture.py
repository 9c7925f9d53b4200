"""The core's structure, checked from its source: no import cycle, layers that only import
downwards, and plugins that only import agentplat's public surfaces.

Imports are read with ``ast`` (top-level and function-local alike; only imports under
``if TYPE_CHECKING:`` are left out, since they never run). A ``from . import x`` that names
a submodule counts as an import of that submodule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core" / "src"
PLUGINS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file())

#: Top-down: each entry may import only entries to its right (and itself).
LAYERS = [
    "agentplat.cli",         # the console-script entry point (a re-export of _cli)
    "agentplat._cli",        # commands, printing, live view: the only place errors become exit codes
    "agentplat.cluster",     # the cluster's Flyte tasks, by their stable module path
    "agentplat._cluster",    # environments, images, remote runs, jobs and apps on a cluster
    "agentplat._authoring",  # new-plugin scaffold, install/uninstall records
    "agentplat.extend",      # what plugin authors need beyond the user API
    "agentplat._run",        # a request -> a RunResult (and batches, synthesis)
    "agentplat._engines",    # inline, Flyte local, Flyte cluster: one Engine seam
    "agentplat._models",     # a model = a planner + a task runner, per backend
    "agentplat._execute",    # scheduler, one step, the specialist loop, the driver
    "agentplat._planners",   # the LLM planner and the offline planner
    "agentplat._refine",     # generate -> critique -> revise
    "agentplat._plan",       # the plan format, $N references, reading plans out of text
    "agentplat._llm",        # one chat call: client, trace, usage, recording
    "agentplat._store",      # the run store
    "agentplat._plugin",     # loader, registry, agents, tools, job entries
    "agentplat.http",        # public HTTP helpers for tools
    "agentplat._common",     # leaves: errors, JSON, retry, settings, secrets, text, Flyte context
    "agentplat.hookspecs",   # the plugin contract in one screen (public: plugin authors read it)
]
#: Modules outside the layer order: the package's public face and its test kit.
OUTSIDE = ["agentplat.testing", "agentplat.__main__"]
PUBLIC = {"agentplat", "agentplat.extend", "agentplat.http", "agentplat.testing", "agentplat.hookspecs"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every module this file imports (absolute names), TYPE_CHECKING blocks aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    found.add(f"{target}.{alias.name}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def core_graph() -> dict[str, set[str]]:
    files = {module_name(p, CORE): p for p in CORE.rglob("*.py")}
    known = set(files)
    return {name: {m for m in imports(path, name, known) if m in known and m != name}
            for name, path in files.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: every cycle's members, as groups."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def layer_of(module: str) -> int | None:
    for number, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return number
    return None


def test_the_core_has_no_import_cycle():
    cycles = strongly_connected(core_graph())
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(group) for group in cycles)


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_every_core_module_belongs_to_a_layer():
    graph = core_graph()
    stray = [m for m in graph if m != "agentplat" and layer_of(m) is None
             and not any(m == o or m.startswith(o + ".") for o in OUTSIDE)]
    assert stray == [], f"modules outside the layer map (add them to LAYERS): {stray}"


def test_layers_only_import_downwards():
    upward = []
    for module, targets in core_graph().items():
        mine = layer_of(module)
        if mine is None:
            continue
        for target in targets:
            theirs = layer_of(target)
            if theirs is not None and theirs < mine:
                upward.append(f"{module} -> {target}")
    assert upward == [], "imports against the layer order:\n" + "\n".join(sorted(upward))


def test_the_public_face_stays_light():
    """``import agentplat`` must not pull in Flyte, openai or the internals: it re-exports lazily."""
    tree = ast.parse((CORE / "agentplat" / "__init__.py").read_text())
    eager = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {(n.module or "") for n in eager if isinstance(n, ast.ImportFrom)}
    assert names <= {"__future__", "importlib", "typing", "hookspecs"}, names


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_plugins_import_only_the_public_surfaces(plugin):
    offending = []
    for path in sorted(plugin.rglob("*.py")):
        if ".venv" in path.parts:
            continue
        module = module_name(path, plugin)
        for target in imports(path, module, set()):
            if (target == "agentplat" or target.startswith("agentplat.")) and target not in PUBLIC \
                    and not target.startswith("agentplat.testing."):
                offending.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offending == [], "plugins may import only agentplat, agentplat.extend, agentplat.http and " \
                            "agentplat.testing:\n" + "\n".join(offending)


def test_the_wall_test_sees_an_internal_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from agentplat._plugin.registry import get_registry\n")
    assert "agentplat._plugin.registry" in imports(probe, "probe", set())
    guarded = tmp_path / "guarded.py"
    guarded.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import agentplat._run\n")
    assert "agentplat._run" not in imports(guarded, "guarded", set())
