"""The ``new-plugin``, ``install`` and ``uninstall`` commands (listed in ``cli.LAZY_COMMANDS``).

Each command only parses options and prints; the work is in ``scaffold``, ``installer``,
``records`` and ``snapshot``, so it can be tested and reused without click.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from .support import handles_errors
from .._common.errors import AgentplatError


@click.command("new-plugin")
@click.argument("name")
@click.option("--dir", "directory", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Where to create the plugin's folder.")
@handles_errors
def new_plugin(name: str, directory: Path) -> None:
    """Create agentplat-NAME: one agent, one tool, a command, a README and passing tests."""
    from .._authoring.names import PluginNames
    from .._authoring.scaffold import create_plugin

    names = PluginNames.parse(name, reserved=_core_commands())
    target = create_plugin(names, directory)
    click.echo(f"Created {names.dist} in {target} (package {names.package}, agent {names.agent}).")
    _warn_if_taken(names)
    agentplat = _in_this_environment("agentplat", module="agentplat")
    click.echo("Next:")
    click.echo(f"  cd {shlex.quote(str(target))}")
    click.echo(f"  {agentplat} install -e .          # add it to agentplat, editable")
    click.echo(f"  {agentplat} run 'Count the words in \"the quick brown fox\"'")
    click.echo(f"  {plugin_test_command()}    # its tests, in agentplat's environment")
    click.echo(f"Then replace the tool in src/{names.package}/tools.py with yours; see the plugin "
               "author's guide (docs/plugins.md).")


def _in_this_environment(script: str, *, module: str) -> str:
    """How a shell reaches ``script`` of the environment agentplat runs in: by its name when
    that is the one on PATH (an activated venv), else by its path."""
    import shutil
    import sys

    bin_dir = Path(sys.executable).parent
    on_path = shutil.which(script)
    if on_path and Path(on_path).parent.resolve() == bin_dir.resolve():
        return script
    if (bin_dir / script).is_file():
        return shlex.quote(str(bin_dir / script))
    return f"{shlex.quote(sys.executable)} -m {module}"


def plugin_test_command() -> str:
    """How to run a plugin's tests in the environment agentplat runs in, as typed in a shell;
    pytest is installed first, with the installer `agentplat install` uses, when it is missing."""
    import importlib.util
    import sys

    if importlib.util.find_spec("pytest") is None:
        from .._authoring.installer import find_installer

        install = shlex.join(find_installer().install_command(["pytest"]))
        return f"{install} && {shlex.quote(sys.executable)} -m pytest"
    return _in_this_environment("pytest", module="pytest")


def _warn_if_taken(names) -> None:
    """Agent names are global: say so now rather than when both plugins are installed."""
    from .._plugin.registry import get_registry

    taken = get_registry().agents.get(names.agent)
    if taken is None:
        return
    if taken.plugin == names.dist:
        click.echo(f"agentplat: warning: {names.dist} is already installed; installing the new plugin would "
                   "replace it (choose another NAME unless that is the point)", err=True)
    else:
        click.echo(f"agentplat: warning: {taken.plugin} already has an agent named {names.agent!r}; rename the "
                   f"agent in src/{names.package}/__init__.py before installing both", err=True)


def _core_commands() -> frozenset[str]:
    """Names a plugin command must not take: core commands win over plugin ones."""
    from .main import LAZY_COMMANDS, cli

    return frozenset(cli.commands) | frozenset(LAZY_COMMANDS)


@click.command()
@click.argument("packages", nargs=-1)
@click.option("-e", "--editable", "editables", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Install a local plugin folder in editable mode (repeatable).")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade the packages to their newest versions that fit.")
@click.option("--find-links", "find_links", multiple=True, type=click.Path(exists=True, file_okay=False),
              metavar="DIR", help="Also look for packages in this folder of wheels and sdists (repeatable).")
@click.option("--reinstall-plugins", is_flag=True,
              help="Install again every plugin recorded by `agentplat install` (after agentplat was upgraded "
                   "or reinstalled).")
@handles_errors
def install(packages: tuple[str, ...], editables: tuple[str, ...], upgrade: bool, find_links: tuple[str, ...],
            reinstall_plugins: bool) -> None:
    """Install plugins into the environment agentplat runs in and show what they add.

    A PACKAGE is a name (agentplat-foo), a requirement (agentplat-foo>=1.2), a wheel
    or sdist file, or a project folder. Installed plugins are recorded in
    $AGENTPLAT_HOME/plugins.json for --reinstall-plugins.
    """
    from .._authoring import records
    from .._authoring.installer import find_installer, run_install

    if not (packages or editables or reinstall_plugins):
        raise click.UsageError("name a PACKAGE to install (or -e PATH, or --reinstall-plugins)")
    new = [records.record_for(p) for p in packages] + [records.record_for(p, editable=True) for p in editables]
    todo = list(new)
    if reinstall_plugins:
        recorded = [r for r in records.load() if _still_there(r)]
        if not recorded and not new:
            click.echo(f"No plugins recorded in {records.records_path()}; nothing to reinstall.")
            return
        click.echo(f"Reinstalling {len(recorded)} recorded plugin(s): "
                   f"{', '.join(r.name or r.spec for r in recorded)}", err=True)
        todo = recorded + [r for r in new if r not in recorded]
    for record in todo:
        if record.name and records.normalise(record.name) == "agentplat":
            raise AgentplatError("`agentplat install` installs plugins, not agentplat itself: upgrade it with the "
                                 "tool you installed it with, then run `agentplat install --reinstall-plugins`")
    installer = find_installer()
    args = (["--upgrade"] if upgrade else []) + [a for d in find_links for a in ("--find-links", str(Path(d).resolve()))]
    args += [a for r in todo for a in r.install_args()]
    before = _snapshot()
    run_install(installer, args)
    records.remember(new)
    _report(before, _snapshot(), nothing="No agentplat plugin was added or changed (already installed, "
                                        "or the packages declare no `agentplat` entry point).")


def _still_there(record) -> bool:
    """A recorded local path that is gone is skipped with a warning, not a failed install."""
    if Path(record.spec).is_absolute() and not Path(record.spec).exists():
        click.echo(f"agentplat: warning: {record.spec} no longer exists; skipped "
                   f"(`agentplat uninstall {record.spec}` forgets it)", err=True)
        return False
    return True


@click.command()
@click.argument("packages", nargs=-1, required=True)
@handles_errors
def uninstall(packages: tuple[str, ...]) -> None:
    """Uninstall plugins from agentplat's environment and forget them for --reinstall-plugins.

    A PACKAGE is a distribution name (agentplat-foo) or the path it was installed from.
    """
    from .._authoring import records
    from .._authoring.installer import find_installer, run_uninstall

    recorded = records.load()
    by_spec = {r.spec: r.name for r in recorded if r.name}
    known = {records.normalise(r.name) for r in recorded if r.name} | {r.spec for r in recorded}
    names, absent = [], []
    for package in packages:
        name = by_spec.get(package) or records.record_for(package).name or package
        if records.normalise(name) == "agentplat":
            raise AgentplatError("refusing to uninstall agentplat itself from agentplat; use the tool you "
                                 "installed it with")
        if _installed(name):
            names.append(name)
        elif records.normalise(name) in known or package in known:
            absent.append(name)
        else:
            raise AgentplatError(f"{name} is not installed in agentplat's environment; nothing was uninstalled "
                                 "(`agentplat plugins` lists what is)")
    if names:
        installer = find_installer()
        before = _snapshot()
        run_uninstall(installer, names)
    records.forget([*packages, *names, *absent])
    for name in absent:  # recorded only: its package was removed some other way
        click.echo(f"{name} was not installed; forgotten for --reinstall-plugins.")
    if names:
        _report(before, _snapshot(), nothing="No agentplat plugin was removed.")


def _installed(name: str) -> bool:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution(name)
    except (PackageNotFoundError, ValueError):
        return False
    return True


def _snapshot():
    from .._authoring.snapshot import take

    return take()


def _report(before, after, *, nothing: str) -> None:
    from .._authoring.snapshot import changes

    if before is None or after is None:
        click.echo("Done; `agentplat plugins` lists what is installed now.")
        return
    lines = changes(before, after)
    click.echo("\n".join(lines) if lines else nothing)
