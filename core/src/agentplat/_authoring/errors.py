"""Errors a plugin author or user can cause; the CLI shows each as one line."""

from __future__ import annotations

from .._common.errors import AgentplatError


class InvalidPluginName(AgentplatError):
    """``new-plugin NAME`` got a name that cannot become a distribution and a package."""


class PluginFolderExists(AgentplatError):
    """``new-plugin`` never writes over an existing folder."""


class InstallError(AgentplatError):
    """The installer (uv or pip) failed or is missing."""
