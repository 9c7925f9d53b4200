"""Talking to a Flyte cluster: find the config, check the endpoint, submit and read runs.

Before Flyte is imported or initialised, ``preflight`` finds the config file and opens a
TCP connection to its endpoint with a short timeout, so a missing config or a stopped
devbox ends with one clear line in about a second, not a stack of gRPC retries. Then
``init`` (``flyte.init_from_config``) and every later Flyte call share one event loop.

Config lookup: ``--config PATH``, else ``$FLYTE_CONFIG``, else ``./.flyte/config.yaml``,
else ``~/.flyte/config.yaml`` (``flyte create config`` writes ``./.flyte/config.yaml``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from .._common.errors import AgentplatError
from .._common.settings import number
from .._common.wording import squeezed

NO_CONFIG = "no Flyte config found: create .flyte/config.yaml (see docs/cluster.md) or set FLYTE_CONFIG"
DEVBOX_PORT = 30080
TERMINAL_PHASES = {"succeeded", "failed", "aborted", "timed_out", "recovered"}


class ClusterError(AgentplatError):
    """The cluster cannot be used: no config, unreachable endpoint, a failed submission."""


def find_config(path: str | None = None) -> Path:
    """The Flyte config file to use; a clear error when there is none."""
    if path:
        candidate = Path(path).expanduser()
        if not candidate.is_file():
            raise ClusterError(f"Flyte config {path} does not exist (see docs/cluster.md)")
        return candidate.resolve()
    from_env = os.environ.get("FLYTE_CONFIG")
    if from_env:
        candidate = Path(from_env).expanduser()
        if not candidate.is_file():
            raise ClusterError(f"FLYTE_CONFIG points at {from_env}, which does not exist (see docs/cluster.md)")
        return candidate.resolve()
    for candidate in (Path(".flyte", "config.yaml"), Path.home() / ".flyte" / "config.yaml"):
        if candidate.is_file():
            return candidate.resolve()
    raise ClusterError(NO_CONFIG)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    insecure: bool

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def read_endpoint(config: Path) -> Endpoint:
    """``admin.endpoint`` of a Flyte config (``dns:///host:port``, ``host:port``, ``https://host``)."""
    import yaml

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ClusterError(f"cannot read the Flyte config {config}: {' '.join(str(exc).split())}") from None
    admin = data.get("admin") if isinstance(data, dict) else None
    raw = str((admin or {}).get("endpoint") or "").strip()
    if not raw:
        raise ClusterError(f"the Flyte config {config} names no admin.endpoint (see docs/cluster.md)")
    insecure = bool((admin or {}).get("insecure"))
    address = raw
    for prefix in ("dns:///", "dns://", "grpc://", "grpcs://", "https://", "http://"):
        if address.startswith(prefix):
            insecure = insecure or prefix in ("http://", "grpc://")
            address = address[len(prefix):]
            break
    address = address.split("/", 1)[0]
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        host, port = address, "80" if insecure else "443"
    return Endpoint(host=host.strip("[]") or "localhost", port=int(port), insecure=insecure)


def check_reachable(endpoint: Endpoint, timeout: float | None = None) -> None:
    """A TCP connection to the endpoint, or one clear line saying why not."""
    if timeout is None:
        timeout = number("AGENTPLAT_CLUSTER_CONNECT_TIMEOUT", 3.0, unit="seconds")
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return
    except ConnectionRefusedError:
        reason = "connection refused"
    except socket.timeout:
        reason = f"no answer within {timeout:g}s"
    except socket.gaierror:
        reason = "unknown host"
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
    devbox = endpoint.host in ("localhost", "127.0.0.1") and endpoint.port == DEVBOX_PORT
    hint = " (is the devbox running? `flyte start devbox`)" if devbox else ""
    raise ClusterError(f"cannot reach the Flyte endpoint {endpoint}: {reason}{hint}")


def package_root() -> Path:
    """The folder that holds the ``agentplat`` package: Flyte names tasks by module path
    relative to it (``agentplat.cluster.tasks``), wherever agentplat is installed."""
    return Path(__file__).resolve().parents[2]  # .../agentplat/_cluster/remote.py -> the folder of agentplat


@dataclass
class Session:
    config: Path
    endpoint: Endpoint


def preflight(config: str | None = None) -> Session:
    """Find the config and check its endpoint, without importing Flyte."""
    path = find_config(config)
    endpoint = read_endpoint(path)
    check_reachable(endpoint)
    return Session(config=path, endpoint=endpoint)


async def init(session: Session) -> None:
    """``flyte.init_from_config`` in the running event loop (every later call uses it)."""
    import logging

    import flyte

    level = getattr(logging, os.environ.get("AGENTPLAT_FLYTE_LOG_LEVEL", "WARNING").upper(), logging.WARNING)
    try:
        await flyte.init_from_config.aio(str(session.config), root_dir=package_root(), log_level=level,
                                         user_log_level=level, sync_local_sys_paths=False)
    except Exception as exc:  # noqa: BLE001 - a config Flyte rejects is the user's to fix
        raise ClusterError(f"cannot use the Flyte config {session.config}: {squeezed(exc)}") from exc


@contextlib.contextmanager
def stdout_to_stderr(enabled: bool = True) -> Iterator[None]:
    """Keep stdout clean (for ``--json``) while Flyte builds images: its messages and the
    image builder's own output go to stderr instead."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def phase_name(phase: Any) -> str:
    """``ActionPhase.SUCCEEDED`` (or its value) as ``succeeded``."""
    value = getattr(phase, "value", phase)
    return str(value).lower().removeprefix("action_phase_")


async def submit(task, *, version: str, labels: dict[str, str] | None = None, **inputs: Any):
    """Start ``task`` on the cluster; the remote ``Run`` (name, url) once it is accepted."""
    import flyte

    runner = flyte.with_runcontext(mode="remote", version=version, copy_style="none", interactive_mode=False,
                                   labels=labels or None)
    return await runner.run.aio(task, **inputs)


async def follow(run, on_phase: Callable[[str], None]) -> str:
    """Stream the run's phase changes to ``on_phase`` until it ends; its final phase."""
    last = None
    async for details in run.watch():
        phase = phase_name(details.phase)
        if phase != last:
            on_phase(phase)
            last = phase
        if phase in TERMINAL_PHASES:
            break
    return last or phase_name(run.phase)


async def error_of(run) -> str:
    """Why a finished, unsuccessful run failed: the first failed step's error if any (one line)."""
    message = ""
    try:
        failure = await run.first_failure.aio()
        if failure is not None:
            message = f"{failure.task_name or failure.name}: {failure.error_message}"
    except Exception:  # noqa: BLE001 - the phase alone still says enough
        pass
    return " ".join(message.split())[:500]


async def driver_output(run) -> dict[str, Any] | None:
    """The JSON a driver run returned, or None while it has none."""
    from .._common import jsondata as jsonutil

    outputs = await run.outputs.aio()
    return jsonutil.loads(outputs[0]) if outputs else None


def now() -> float:
    return time.time()


async def get_run(name: str):
    """The run ``name`` on the cluster (``flyte.remote.Run``); raises when there is none."""
    from flyte.remote import Run

    return await Run.get.aio(name)


async def list_runs(*, task_name: str, limit: int, status: str | None = None,
                    labels: dict[str, str] | None = None) -> list[Any]:
    """The runs of ``task_name`` on the cluster, newest first."""
    from flyte.remote import Run

    kwargs: dict[str, Any] = {"task_name": task_name, "sort_by": ("created_at", "desc"), "limit": limit}
    if status:
        kwargs["in_phase"] = (status,)
    if labels:
        kwargs["with_labels"] = dict(labels)
    return [run async for run in Run.listall.aio(**kwargs)]
