"""The core's structure, checked from its source: no import cycle, layers that only import
downwards, and plugins that only import agentplat's public surfaces.

Imports are read with ``ast`` (top-level and function-local alike; only imports under
``if TYPE_CHECKING:`` are left out, since they never run). A ``from . import x`` that names
a submodule counts as an import of that submodule (not of the package, unless it also
names something the package itself defines). Imports made at run time count too:
``import_module("...")`` with a string literal (absolute, or relative to the package), and
the lazy re-exports of a module that calls ``import_module``: a module-level dict whose
values are module paths, resolved relative to the package (``_EXPORTS = {"Agent":
"_plugin.agents"}`` in ``agentplat/__init__.py`` imports ``agentplat._plugin.agents``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core" / "src"
PLUGINS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file())

#: Top-down: each entry may import only entries to its right (and itself). An entry covers its
#: submodules too, except ``agentplat`` itself, which is only the package's ``__init__``. A tuple
#: is packages that share one layer.
LAYERS = [
    "agentplat.cli",         # the console-script entry point (a re-export of _cli)
    "agentplat.extend",      # public: what plugin authors need beyond the user API (re-exports, CLI and cluster included)
    "agentplat._cli",        # commands, printing, live view: the only place errors become exit codes
    "agentplat._authoring",  # new-plugin scaffold, install/uninstall records
    "agentplat",             # public: the user API (lazy re-exports of the layers below) and __version__
    "agentplat._run",        # the front door: a request -> a RunResult (here or on a cluster), history, batches
    # inline, Flyte local, Flyte cluster: one Engine seam; and the Flyte tasks the cluster engine
    # submits, which live at their stable module path agentplat.cluster (a plugin's cluster job too)
    ("agentplat._engines", "agentplat.cluster"),
    "agentplat._cluster",    # environments, images, remote runs, jobs and apps on a cluster (no engine)
    "agentplat._models",     # a model = a planner + a task runner, per backend
    "agentplat._execute",    # scheduler, one step, the specialist loop, the driver
    "agentplat._planners",   # the LLM planner and the offline planner
    "agentplat.refine",      # public: the refinement kit (lazy re-exports of _refine)
    "agentplat._refine",     # generate -> critique -> revise
    "agentplat._plan",       # the plan format, $N references, reading plans out of text
    "agentplat._llm",        # one chat call: client, trace, usage, recording
    "agentplat._store",      # the run store
    "agentplat._plugin",     # loader, registry, agents, tools, job entries, the offline-parser contract
    "agentplat.http",        # public HTTP helpers for tools
    "agentplat._common",     # leaves: errors, JSON, retry, settings, secrets, text, clock, Flyte context
    "agentplat.hookspecs",   # the plugin contract in one screen (public: plugin authors read it)
]
#: Modules outside the layer order: the test kit and ``python -m agentplat``.
OUTSIDE = ["agentplat.testing", "agentplat.__main__"]
PUBLIC = {"agentplat", "agentplat.extend", "agentplat.refine", "agentplat.http", "agentplat.testing",
          "agentplat.hookspecs"}
PACKAGE = "agentplat"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


_MODULE_PATH = re.compile(r"\.*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _resolve(name: str, package: str) -> str:
    """``name`` as an absolute module name: leading dots climb from ``package``, like ``from .x``."""
    level = len(name) - len(name.lstrip("."))
    if not level:
        return name
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name[level:]] if name[level:] else []))


def _import_module_call(node: ast.AST, module: str, package: str) -> str | None:
    """The module an ``import_module("...")`` (or ``importlib.import_module``) call with a string
    literal imports, as an absolute name; a relative one is anchored at the call's package
    argument (``__name__``, ``__package__`` or a literal; none: this module's package)."""
    if not isinstance(node, ast.Call) or _call_name(node) != "import_module" or not node.args:
        return None
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    anchor_node = node.args[1] if len(node.args) > 1 else next(
        (k.value for k in node.keywords if k.arg == "package"), None)
    anchor = package
    if isinstance(anchor_node, ast.Constant) and isinstance(anchor_node.value, str):
        anchor = anchor_node.value
    elif isinstance(anchor_node, ast.Name) and anchor_node.id == "__name__":
        anchor = module
    return _resolve(first.value, anchor)


def _lazy_exports(tree: ast.Module) -> list[str]:
    """The values of module-level dicts whose values are all module paths (``_EXPORTS``), in a
    module that calls ``import_module`` (how such a dict becomes imports)."""
    if not any(isinstance(n, ast.Call) and _call_name(n) == "import_module" for n in ast.walk(tree)):
        return []
    paths = []
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, ast.Dict) or not value.values:
            continue
        strings = [v.value for v in value.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        if len(strings) == len(value.values) and all(_MODULE_PATH.fullmatch(s) for s in strings):
            paths.extend(strings)
    return paths


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


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
            target = _resolve("." * node.level + (node.module or ""), package)
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):  # a name defined by the package itself
                found.add(target)
        elif (name := _import_module_call(node, module, package)) is not None:
            found.add(name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    for name in _lazy_exports(tree):
        # relative to the package ("_plugin.agents" in agentplat/__init__.py), or already absolute
        relative = _resolve(name if name.startswith(".") else "." + name, package)
        found.add(relative if relative in known or not name.startswith(PACKAGE) else name)
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
    for number, entry in enumerate(LAYERS):
        for prefix in (entry if isinstance(entry, tuple) else (entry,)):
            if module == prefix or (prefix != PACKAGE and module.startswith(prefix + ".")):
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
    stray = [m for m in graph if layer_of(m) is None
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
    assert offending == [], f"plugins may import only {', '.join(sorted(PUBLIC))}:\n" + "\n".join(offending)


def test_the_wall_test_sees_an_internal_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from agentplat._plugin.registry import get_registry\n")
    assert "agentplat._plugin.registry" in imports(probe, "probe", set())
    guarded = tmp_path / "guarded.py"
    guarded.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import agentplat._run\n")
    assert "agentplat._run" not in imports(guarded, "guarded", set())


def test_the_wall_test_sees_imports_made_at_run_time(tmp_path):
    lazy = tmp_path / "lazy.py"
    lazy.write_text("from importlib import import_module\n"
                    "_EXPORTS = {'Agent': '_plugin.agents', 'hidden': 'agentplat._run.request'}\n"
                    "def __getattr__(name):\n"
                    "    return getattr(import_module(f'.{_EXPORTS[name]}', __name__), name)\n"
                    "def later():\n"
                    "    import importlib\n"
                    "    return importlib.import_module('.._store.runs', 'agentplat._cli')\n"
                    "def absolute():\n"
                    "    return import_module('agentplat._llm.call')\n")
    found = imports(lazy, "agentplat.lazy", {"agentplat._plugin.agents"})
    assert {"agentplat._plugin.agents", "agentplat._run.request", "agentplat._llm.call"} <= found
    assert "agentplat._store.runs" in found  # relative to the package argument
    plain = tmp_path / "plain.py"
    plain.write_text("LABELS = {'a': '_plugin.agents'}\n")  # no import_module: just strings
    assert imports(plain, "agentplat.plain", {"agentplat._plugin.agents"}) == set()


def test_the_layer_check_sees_the_public_face_import_upwards():
    """The package's ``__init__`` has a layer of its own (its submodules do not share it)."""
    assert layer_of("agentplat") == LAYERS.index("agentplat")
    assert layer_of("agentplat._run.request") == LAYERS.index("agentplat._run")
    graph = core_graph()
    assert "agentplat._run.request" in graph["agentplat"]  # its lazy export of run_request
    assert "agentplat._cli.support" in graph["agentplat.extend"]  # handles_errors
