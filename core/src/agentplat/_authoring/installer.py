"""Running uv or pip against the environment agentplat itself runs in.

Plugins must land next to the agentplat that will load them, which is
``sys.executable``'s environment, not whatever ``pip`` is first on ``PATH``. agentplat
depends on the ``uv`` package, so its environment carries a uv binary that needs nothing on
``PATH`` (uv-made environments have no pip); a uv on ``PATH`` or that environment's own pip
are the fallbacks for a broken install. The installed core is pinned while installing, so a plugin made
for another agentplat fails to install with the resolver's reason instead of silently
swapping out the core that is running.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .._common.errors import AgentplatError


class InstallError(AgentplatError):
    """The installer (uv or pip) failed or is missing."""


@dataclass(frozen=True)
class Installer:
    """How to run the installer: ``uv pip ... --python X`` or ``X -m pip ...``."""

    kind: str  # "uv" or "pip"
    program: tuple[str, ...]
    python: str

    def install_command(self, args: Sequence[str], constraints: str | None = None) -> list[str]:
        extra = ["-c", constraints] if constraints else []
        if self.kind == "uv":
            # bytecode now, not at every start of a command (pip compiles by default)
            return [*self.program, "pip", "install", "--python", self.python, "--compile-bytecode", *extra, *args]
        return [*self.program, "install", "--disable-pip-version-check", *extra, *args]

    def uninstall_command(self, names: Sequence[str]) -> list[str]:
        if self.kind == "uv":
            return [*self.program, "pip", "uninstall", "--python", self.python, *names]
        return [*self.program, "uninstall", "--disable-pip-version-check", "-y", *names]


def _find_uv(which: Callable[[str], str | None]) -> str | None:
    """The ``uv`` package's binary (a dependency of agentplat), ``$UV`` (set by ``uv run``),
    or ``uv`` on PATH."""
    try:
        from uv import find_uv_bin  # the PyPI "uv" package ships its binary

        return find_uv_bin()
    except Exception:  # noqa: BLE001 - not installed, or a broken install: look further
        pass
    if (found := os.environ.get("UV")) and Path(found).is_file():
        return found
    return which("uv")


def _has_pip(python: str) -> bool:
    probe = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True)
    return probe.returncode == 0


def find_installer(python: str | None = None, *, which: Callable[[str], str | None] = shutil.which,
                   has_pip: Callable[[str], bool] = _has_pip) -> Installer:
    """The installer for ``python``'s environment (default: the one running agentplat)."""
    python = python or sys.executable
    if uv := _find_uv(which):
        return Installer("uv", (uv,), python)
    if has_pip(python):
        return Installer("pip", (python, "-m", "pip"), python)
    raise InstallError(
        f"neither uv nor pip is available for {python}: the uv that agentplat depends on is missing; "
        f"reinstall agentplat, or put uv on PATH (https://docs.astral.sh/uv/)"
    )


def _core_pin() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"agentplat=={version('agentplat')}"
    except PackageNotFoundError:
        return None


def run_install(installer: Installer, args: Sequence[str], *, keep_core: bool = True) -> None:
    """Install ``args`` (specs, paths, ``-e PATH``), its output going to the user's stderr."""
    with tempfile.TemporaryDirectory(prefix="agentplat-install-") as tmp:
        constraints = None
        if keep_core and (pin := _core_pin()):
            constraints = str(Path(tmp) / "constraints.txt")
            Path(constraints).write_text(pin + "\n", encoding="utf-8")
        _run(installer.install_command(args, constraints), "install", args, pinned=pin if constraints else None)


def run_uninstall(installer: Installer, names: Sequence[str]) -> None:
    _run(installer.uninstall_command(names), "uninstall", names)


def installer_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """uv trusts the system's certificate store too, as pip does on Debian and Ubuntu: behind
    a proxy or company CA that only the system store knows, uv's built-in roots fail."""
    import ssl

    env = dict(os.environ if environ is None else environ)
    paths = ssl.get_default_verify_paths()
    capath = Path(paths.openssl_capath)
    if Path(paths.openssl_cafile).is_file() or (capath.is_dir() and any(capath.iterdir())):
        env.setdefault("UV_SYSTEM_CERTS", "1")
        env.setdefault("UV_NATIVE_TLS", "1")  # its older name, for an older uv on PATH
    return env


def _run(command: list[str], verb: str, what: Sequence[str], pinned: str | None = None) -> None:
    """Run the installer, its output passed on to our stderr as it comes (and kept, to say
    in one line what went wrong)."""
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=installer_environment())
    except OSError as exc:
        raise InstallError(f"cannot run {command[0]}: {exc}") from None
    said: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stderr.write(line)
        said.append(line)
        del said[:-200]  # the end is what explains a failure
    code = proc.wait()
    if code != 0:
        raise InstallError(_failure(verb, what, command, code, "".join(said), pinned))


#: How uv and pip say that a name is not in the package index.
_NOT_FOUND = re.compile(r"(?:Because |error: )?(\S+?) was not found in the package registry"
                        r"|No matching distribution found for (\S+)"
                        r"|Could not find a version that satisfies the requirement (\S+)")


def _failure(verb: str, what: Sequence[str], command: list[str], code: int, said: str, pinned: str | None) -> str:
    if verb == "install" and (found := _NOT_FOUND.search(said)):
        name = next(g for g in found.groups() if g)
        if not name.lower().startswith("agentplat==") and name.lower() != "agentplat":
            return (f"{name} is not in the package index: check its name, or install it from a file or a "
                    f"folder (agentplat install ./plugin-folder, or a .whl or .tar.gz), or from a folder of "
                    f"built packages (agentplat install --find-links DIR {name})")
    hint = ""
    if pinned and re.search(r"(?i)(?<![\w-])agentplat(?![\w-])", said):  # the core itself took part
        hint = f" (agentplat stays at {pinned.split('==')[1]}: a plugin must fit the installed core)"
    return (f"{verb} of {' '.join(what)} failed: `{' '.join(command[:3])} ...` exited with {code}; "
            f"see its message above{hint}")
