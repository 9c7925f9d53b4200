"""The names one plugin NAME turns into: distribution, package, entry point, agent, command.

One place decides them, so the scaffold, the docs and ``agentplat install`` agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._common.errors import AgentplatError


class InvalidPluginName(AgentplatError):
    """``new-plugin NAME`` got a name that cannot become a distribution and a package."""


_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
PREFIXES = ("agentplat-", "agentplat_")


@dataclass(frozen=True)
class PluginNames:
    name: str  # as typed (hyphens kept): the entry-point name and the plugin's CLI command
    dist: str  # agentplat-NAME, what users install
    package: str  # agentplat_NAME, what Python imports
    agent: str  # NAME with underscores: how plans refer to the agent

    @classmethod
    def parse(cls, raw: str, reserved: frozenset[str] = frozenset()) -> PluginNames:
        """Validate NAME (lowercase letters, digits, single ``-``/``_`` between them)."""
        name = raw.strip()
        for prefix in PREFIXES:  # "agentplat-foo" means the plugin foo
            name = name.removeprefix(prefix)
        if not _NAME.match(name):
            raise InvalidPluginName(
                f"invalid plugin name {raw!r}: use lowercase letters, digits and single '-' or '_' "
                "between them, starting with a letter (e.g. 'word-count')"
            )
        if name in reserved:
            raise InvalidPluginName(
                f"invalid plugin name {raw!r}: 'agentplat {name}' is already a core command; choose another name"
            )
        base = name.replace("_", "-")
        return cls(name=name, dist=f"agentplat-{base}", package=f"agentplat_{name.replace('-', '_')}",
                   agent=name.replace("-", "_"))


def core_requirement(version: str) -> str:
    """The agentplat range a new plugin declares: the installed release line.

    0.x releases may break plugins with every minor version (``>=0.Y,<0.(Y+1)``); from
    1.0 on only a major version may (``>=X.Y,<X+1``).
    """
    from packaging.version import Version

    release = (*Version(version).release, 0)
    major, minor = release[0], release[1]
    upper = f"0.{minor + 1}" if major == 0 else str(major + 1)
    return f"agentplat>={major}.{minor},<{upper}"
