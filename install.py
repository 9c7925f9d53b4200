#!/usr/bin/env python3
"""Install agentplat from this checkout into ./.venv with nothing but Python 3.11+ and its pip.

    python3 install.py && . .venv/bin/activate && agentplat run "Calculate 10 times 5"

1. uv: the one in .venv (agentplat depends on it), else the uv pinned in uv.lock, fetched by
   pip into a temporary folder (``pip install --target`` changes no Python environment, so
   PEP 668's "externally managed" marker of Debian 12 and Ubuntu 23.04+ does not refuse it),
   else a uv on PATH (for a Python without pip).
2. ``uv sync --locked --inexact`` with this Python: the core, the built-in plugins, pytest,
   Playwright and pip (so ``pip install PLUGIN`` works in the activated shell), all compiled
   to bytecode (the workspace's own sources too); packages the lock does not list, such as
   plugins installed with pip, are kept.
3. The plugins added with ``agentplat install`` are installed again, at the versions recorded.

Nothing outside this folder is written except uv's and pip's download caches and, in
step 3, agentplat's own record of the plugins. Run it again at any time: it only changes
what differs from uv.lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def say(message: str) -> None:
    print(f"install.py: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(f"error: {message}")
    sys.exit(1)


def locked_uv_version() -> str | None:
    import tomllib

    try:
        lock = tomllib.loads((HERE / "uv.lock").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return next((p["version"] for p in lock.get("package", []) if p.get("name") == "uv"), None)


def has_pip() -> bool:
    probe = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True)
    return probe.returncode == 0


def fetch_uv(folder: Path) -> Path:
    """The locked uv, unpacked by pip into ``folder`` (no environment is touched)."""
    version = locked_uv_version()
    requirement = f"uv=={version}" if version else "uv"
    say(f"fetching {requirement} with pip into a temporary folder")
    env = {**os.environ, "PIP_ROOT_USER_ACTION": "ignore", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(folder),
                           requirement], env=env)
    if done.returncode != 0:
        fail(f"`{Path(sys.executable).name} -m pip install --target ... {requirement}` failed (its message is above)")
    found = [p for p in (folder / "bin" / "uv", folder / "bin" / "uv.exe") if p.is_file()]
    if not found:
        fail(f"pip installed {requirement} but left no uv binary in {folder / 'bin'}")
    return found[0]


def trust_system_certificates() -> None:
    """Let uv trust the certificates pip and the system trust (a proxy's or company's CA in
    the system store), not only the ones built into uv. Also for ``agentplat install`` later."""
    import ssl

    paths = ssl.get_default_verify_paths()
    if Path(paths.openssl_cafile).is_file() or (Path(paths.openssl_capath).is_dir()
                                                and any(Path(paths.openssl_capath).iterdir())):
        os.environ.setdefault("UV_SYSTEM_CERTS", "1")
        os.environ.setdefault("UV_NATIVE_TLS", "1")  # its older name, for an older uv on PATH


def run_uv(uv: Path | str) -> None:
    # --compile-bytecode: every command would otherwise compile its modules again where
    # PYTHONDONTWRITEBYTECODE is set (many containers), which doubles its start-up
    # --inexact: a plugin installed with `pip install` (the venv has pip) is kept, not removed
    command = [str(uv), "sync", "--locked", "--inexact", "--compile-bytecode", "--python", sys.executable]
    if subprocess.run(command, cwd=HERE).returncode != 0:
        fail("`uv sync --locked` failed (its message is above)")
    compile_sources()


def compile_sources() -> None:
    """Bytecode for the workspace's own packages too (installed editable, so uv leaves them
    be). Python checks each file's bytecode against its source, so an edit is never missed."""
    folders = [str(p) for p in [HERE / "core" / "src", *sorted((HERE / "plugins").glob("*/src"))] if p.is_dir()]
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0", *folders], cwd=HERE,
                   stdout=subprocess.DEVNULL)  # a template that is not Python yet is no error here


def reinstall_plugins() -> None:
    """Put back the plugins recorded by ``agentplat install``: ``uv sync`` removed them."""
    python, agentplat = BIN / "python", BIN / "agentplat"
    count = subprocess.run([str(python), "-c", "from agentplat._authoring.records import load; print(len(load()))"],
                           capture_output=True, text=True)
    if count.returncode == 0 and count.stdout.strip() == "0":
        return
    if subprocess.run([str(agentplat), "install", "--reinstall-plugins"]).returncode != 0:
        say("warning: the plugins added with `agentplat install` could not all be installed again; "
            "see above, then run `agentplat install --reinstall-plugins`")


def main() -> None:
    if sys.version_info < (3, 11):
        fail(f"agentplat needs Python 3.11 or newer; {sys.executable} is "
             f"{'.'.join(map(str, sys.version_info[:3]))} (try python3.11 install.py, or newer)")
    trust_system_certificates()
    own = BIN / "uv"
    if own.is_file() and subprocess.run([str(own), "--version"], capture_output=True).returncode == 0:
        run_uv(own)
    elif has_pip():
        with tempfile.TemporaryDirectory(prefix="agentplat-uv-") as tmp:
            run_uv(fetch_uv(Path(tmp)))
    elif on_path := shutil.which("uv"):
        run_uv(on_path)
    else:
        fail(f"{sys.executable} has no pip and no uv is on PATH: install pip (Debian and Ubuntu: "
             "sudo apt install python3-pip) and run this again")
    reinstall_plugins()
    say("done: `. .venv/bin/activate` puts agentplat, pytest, uv and pip on PATH in this shell")


if __name__ == "__main__":
    main()
