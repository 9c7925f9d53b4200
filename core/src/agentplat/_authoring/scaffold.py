"""``agentplat new-plugin``: write a complete plugin distribution that passes its own tests.

The templates are plain files (``templates/*.tmpl``) with ``{{key}}`` placeholders, so
what an author gets is readable here as it will be there; the values come from
:class:`~agentplat.authoring.names.PluginNames` and the installed core's version.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from .._common.errors import AgentplatError
from .names import PluginNames, core_requirement


class PluginFolderExists(AgentplatError):
    """``new-plugin`` never writes over an existing folder."""


#: template -> path in the new plugin (``{package}``/``{agent}`` filled from the names)
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "__init__.py.tmpl": "src/{package}/__init__.py",
    "tools.py.tmpl": "src/{package}/tools.py",
    "commands.py.tmpl": "src/{package}/commands.py",
    "test_plugin.py.tmpl": "tests/test_{agent}.py",
}

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def installed_core_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("agentplat")
    except PackageNotFoundError:  # running from a source tree that is not installed
        from .. import __version__

        return __version__


def render(template: str, values: dict[str, str]) -> str:
    """Fill ``{{key}}`` placeholders; an unknown key is a bug in the template, not output."""

    def fill(match: re.Match) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(fill, template)


def template_values(names: PluginNames, core_version: str) -> dict[str, str]:
    return {
        "name": names.name,
        "dist": names.dist,
        "package": names.package,
        "agent": names.agent,
        "core_version": core_version,
        "core_requirement": core_requirement(core_version),
    }


def create_plugin(names: PluginNames, parent: Path, *, core_version: str | None = None) -> Path:
    """Write the plugin into ``parent/agentplat-NAME`` and return that folder.

    An existing folder is never touched: the author may have work in it.
    """
    target = Path(parent) / names.dist
    if target.exists():
        raise PluginFolderExists(f"{target} already exists; remove it or choose another --dir")
    values = template_values(names, core_version or installed_core_version())
    templates = files(__package__).joinpath("templates")
    rendered = {
        target / pattern.format(package=names.package, agent=names.agent):
            render(templates.joinpath(template).read_text(encoding="utf-8"), values)
        for template, pattern in FILES.items()
    }
    for path, text in rendered.items():  # rendered first, so a template error writes nothing
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target
