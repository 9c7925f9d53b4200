"""A plugin's web app on the cluster, wired to the output folder of one of its jobs.

``serve_remote`` deploys a ``flyte.app.AppEnvironment`` whose image is the driver's (every
plugin, as installed here) plus the plugin's app extra (e.g. ``agentplat-report[app]`` ->
starlette, jinja2, uvicorn), whose ``Parameter`` is a ``flyte.app.RunOutput``: the folder a
job run wrote (``_cluster.jobs``), mounted into the app's container; and whose
process is the plugin's own command (``agentplat report serve --reports <mount> ...``).
It returns the app's URL; the plugin's command prints it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any


from .._common.errors import AgentplatError
from .image import ImageSpec

APP_PORT = 8080
APP_RESOURCES = {"cpu": "1", "memory": "512Mi"}


def extra_requirements(distribution: str, extra: str) -> list[str]:
    """The requirements an installed distribution declares for one of its extras."""
    from importlib_metadata import PackageNotFoundError, distribution as find
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        dist = find(distribution)
    except PackageNotFoundError:
        raise AgentplatError(f"{distribution} is not installed") from None
    found = []
    for line in dist.requires or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or not req.marker.evaluate({"extra": extra}):
            continue
        if req.marker.evaluate({"extra": ""}):
            continue  # not specific to this extra
        req.marker = None
        found.append(str(req))
    return found


@dataclass
class AppSpec:
    """An app as plain data (what ``serve_remote`` deploys)."""

    name: str
    args: list[str]
    mount: str
    image: ImageSpec
    run: str | None = None  # the job run whose output folder the app serves
    port: int = APP_PORT
    resources: dict[str, str] = field(default_factory=lambda: dict(APP_RESOURCES))
    env_vars: dict[str, str] = field(default_factory=dict)
    secrets: list[Any] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "args": list(self.args), "mount": self.mount, "run": self.run, "port": self.port,
                "resources": dict(self.resources), "env_vars": dict(self.env_vars),
                "secrets": [s.to_json() for s in self.secrets], "image": self.image.to_json()}


def app_spec(name: str, *, distribution: str, extra: str | None, args: list[str], mount: str,
             run: str | None = None) -> AppSpec:
    """The app's spec from the cluster spec of what is installed: the driver's image (every
    plugin) plus the distribution's app extra, its settings and model secrets."""
    from .._plugin.registry import get_registry
    from .environments import build

    driver = build(get_registry()).driver
    extras = extra_requirements(distribution, extra) if extra else []
    image = ImageSpec(name=name, python=driver.image.python, flyte=driver.image.flyte,
                      packages=list(driver.image.packages), extras=extras)
    return AppSpec(name=name, args=list(args), mount=mount, image=image, run=run,
                   env_vars=dict(driver.env_vars), secrets=list(driver.secrets))


def to_flyte_app(spec: AppSpec):
    """The ``flyte.app.AppEnvironment`` for ``spec`` (needs ``spec.run``)."""
    import flyte
    from flyte.app import AppEnvironment, Parameter, RunOutput

    from .image import to_flyte_image

    if not spec.run:
        raise AgentplatError(f"app {spec.name} needs the run whose output it serves")
    return AppEnvironment(
        name=spec.name,
        image=to_flyte_image(spec.image),
        args=list(spec.args),
        port=spec.port,
        resources=flyte.Resources(**spec.resources),
        env_vars=dict(spec.env_vars) or None,
        secrets=[flyte.Secret(key=s.key, as_env_var=s.env_var) for s in spec.secrets] or None,
        parameters=[Parameter(name="output", value=RunOutput(type="directory", run_name=spec.run), mount=spec.mount)],
        description=f"agentplat app {spec.name}, serving the output of run {spec.run}"[:255],
    )


def app_version(spec: AppSpec, cluster_version: str) -> str:
    """The cluster's version (local sources included) and the app's own settings, digested."""
    import hashlib

    text = cluster_version + json.dumps(spec.to_json(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def serve_remote(name: str, *, job_entry: str, distribution: str, extra: str | None, args: list[str],
                 mount: str, run: str | None = None, config: str | None = None,
                 clean_stdout: bool = False) -> dict[str, Any]:
    """Deploy a plugin's app wired to a job run's output (``run``, else the newest succeeded
    run of ``job_entry``). Returns ``{"app", "run", "url", "console"}`` (``url``: where the app
    answers; ``console``: its page in the cluster's UI, or None). ``clean_stdout`` sends what
    Flyte prints while deploying (image builds) to stderr, for a caller whose stdout is JSON."""
    from .._plugin.registry import get_registry
    from . import remote
    from .environments import build
    from .jobs import latest_job_run

    spec = app_spec(name, distribution=distribution, extra=extra, args=args, mount=mount, run=run)
    cluster_version = build(get_registry()).version()
    session = remote.preflight(config)

    async def main() -> dict[str, Any]:
        await remote.init(session)
        import flyte

        if spec.run is None:
            spec.run = await latest_job_run(job_entry)
            if spec.run is None:
                raise AgentplatError(f"no finished run of {job_entry} on {session.endpoint} to serve yet: "
                                     "start one with --remote --wait first")
        app_env = to_flyte_app(spec)
        with remote.stdout_to_stderr(clean_stdout):
            app = await flyte.with_servecontext(mode="remote", version=app_version(spec, cluster_version),
                                                copy_style="none", interactive_mode=False).serve.aio(app_env)
        return {"app": spec.name, "run": spec.run, "url": getattr(app, "endpoint", None),
                "console": getattr(app, "url", None)}

    return asyncio.run(main())
