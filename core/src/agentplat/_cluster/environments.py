"""The cluster's environments, from the registry: plain data first, Flyte objects second.

``build(registry)`` is a pure function of what is installed (and of a few settings of the
calling shell): one ``EnvironmentSpec`` per agent, named ``agentplat-<agent>``, with its
plugin's resources, reuse policy, secrets and image, and a driver environment
(``agentplat-driver``) that depends on all of them. ``to_flyte(spec)`` turns that into
``flyte.TaskEnvironment`` objects. ``agentplat deploy --dry-run`` prints the spec;
``agentplat.cluster.tasks`` attaches the tasks to the Flyte objects.

Rules (docs/cluster.md states the same):

- resources: the plugin's ``Environment(cpu, memory, gpu)``; unset: 1 CPU and 512Mi
  (the driver: 1 CPU and 1Gi);
- reuse: a plugin that sets ``reuse_replicas`` (or ``reuse_idle_ttl``) gets a
  ``flyte.ReusePolicy(replicas, idle_ttl=reuse_idle_ttl or 300 s, concurrency=4)``: warm
  containers, several async steps at once in each; others start a container per step;
- secrets, by name only: the plugin's ``Environment.secrets``, plus ``OPENAI_API_KEY`` on
  every environment when it is set in the deploying shell (the LLM backend's key). Each is
  a ``flyte.Secret(key=<name lower-cased, "_" -> "-">, as_env_var=<name>)``;
- environment variables: the plugin's ``Environment.env_vars``, plus the agentplat
  settings of the deploying shell (``AGENTPLAT_*`` and ``OPENAI_BASE_URL``; never a name
  that looks like a secret, never a setting that only makes sense on this machine);
- agents marked ``local_only`` (their steps need this machine) get no environment;
- image: the core and the agent's plugin distribution as installed (see ``image``), any
  plugin that registers no agent (a model backend, say) because every step may need it,
  and the plugin's extra packages; the driver's image has every plugin, no extras.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .._common.errors import AgentplatError
from .image import ImageSpec, PackageSpec, canonical, flyte_version, installed_package, python_version

CORE = "agentplat"
ENV_PREFIX = "agentplat-"
DRIVER_ENV = "agentplat-driver"
DRIVER_TASK = "agentplat_run"
JOB_TASK = "agentplat_job"
STEP_TASK_PREFIX = "run_step_"

DEFAULT_RESOURCES = {"cpu": "1", "memory": "512Mi"}
DRIVER_RESOURCES = {"cpu": "1", "memory": "1Gi"}
REUSE_IDLE_TTL = 300  # seconds a warm pool may idle before it is shut down
REUSE_CONCURRENCY = 4  # steps are async and mostly wait on the network
RETRIES = 2  # a lost pod (eviction, a node going away) retries; traced calls replay

#: Secrets of the LLM backend, declared on every environment when set in the deploying shell.
MODEL_SECRETS = ("OPENAI_API_KEY",)
#: Settings forwarded from the deploying shell, unless they only make sense on this machine.
FORWARDED_PREFIXES = ("AGENTPLAT_",)
FORWARDED_NAMES = ("OPENAI_BASE_URL",)
LOCAL_ONLY = frozenset({
    "AGENTPLAT_HOME", "AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_ENGINE", "AGENTPLAT_FLYTE_RECORDS",
    "AGENTPLAT_FLYTE_LOG_LEVEL", "AGENTPLAT_TRACE_PLUGINS", "AGENTPLAT_REPORTS_DIR", "AGENTPLAT_SEARCH_PATH",
    "AGENTPLAT_STREAM",
})
LOCAL_ONLY_PREFIXES = ("AGENTPLAT_CLUSTER_", "AGENTPLAT_FLYTE_")
_SECRETISH = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True)
class SecretSpec:
    """A Flyte secret, by name only: its value lives in the cluster's secret store."""

    env_var: str  # what the task sees, e.g. OPENAI_API_KEY
    key: str  # the secret's name in the store, e.g. openai-api-key

    @classmethod
    def for_env_var(cls, name: str, *, owner: str) -> "SecretSpec":
        if not _ENV_VAR.match(name):
            raise AgentplatError(f"{owner}: secret {name!r} is not an environment variable name (A-Z, 0-9, _)")
        return cls(env_var=name, key=name.lower().replace("_", "-"))

    def to_json(self) -> dict[str, str]:
        return {"name": self.env_var, "key": self.key}


@dataclass(frozen=True)
class ReuseSpec:
    """A ``flyte.ReusePolicy``: a pool of warm containers."""

    replicas: int
    idle_ttl: int  # seconds
    concurrency: int

    def to_json(self) -> dict[str, int]:
        return {"replicas": self.replicas, "idle_ttl": self.idle_ttl, "concurrency": self.concurrency}


@dataclass
class EnvironmentSpec:
    """One ``flyte.TaskEnvironment`` as plain data."""

    name: str
    role: str  # "agent" or "driver"
    task: str  # the task this environment runs (a global of ``agentplat.cluster.tasks``)
    resources: dict[str, Any]
    image: ImageSpec
    reuse: ReuseSpec | None = None
    secrets: list[SecretSpec] = field(default_factory=list)
    env_vars: dict[str, str] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    retries: int = RETRIES
    agent: str | None = None
    plugin: str | None = None

    @property
    def description(self) -> str:
        if self.role == "driver":
            return "agentplat driver: plans each request and runs every step in its agent's environment"
        return f"agentplat agent {self.agent}, from plugin {self.plugin}"[:255]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "agent": self.agent,
            "plugin": self.plugin,
            "task": self.task,
            "resources": dict(self.resources),
            "reuse": self.reuse.to_json() if self.reuse else None,
            "secrets": [s.to_json() for s in self.secrets],
            "env_vars": dict(self.env_vars),
            "image": self.image.to_json(),
            "depends_on": list(self.depends_on),
            "retries": self.retries,
        }


@dataclass
class ClusterSpec:
    """Every environment to deploy: one per agent, and the driver."""

    driver: EnvironmentSpec
    agents: list[EnvironmentSpec]

    def environments(self) -> list[EnvironmentSpec]:
        return [*self.agents, self.driver]

    def for_agent(self, agent: str) -> EnvironmentSpec:
        for env in self.agents:
            if env.agent == agent:
                return env
        known = ", ".join(e.agent or "" for e in self.agents) or "none installed"
        raise AgentplatError(f"no cluster environment for agent {agent!r} (agents: {known})")

    def version(self) -> str:
        """A digest of the spec and of every local source it ships: what is deployed
        changes version exactly when something that goes into it changes."""
        digest = hashlib.sha256(json.dumps(self._plain(), sort_keys=True).encode())
        seen: set[str] = set()
        for env in self.environments():
            for package in env.image.packages:
                if package.source == "local" and package.path and package.path not in seen:
                    seen.add(package.path)
                    _hash_source(Path(package.path), digest)
        return digest.hexdigest()[:16]

    def _plain(self) -> dict[str, Any]:
        return {"driver": self.driver.name, "environments": [e.to_json() for e in self.environments()]}

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version(), **self._plain()}


_SKIP_DIRS = {"__pycache__", ".git", ".venv", "node_modules", ".pytest_cache", ".ruff_cache", ".mypy_cache", "dist",
              "build"}


def _hash_source(path: Path, digest) -> None:
    if path.is_file():
        digest.update(path.read_bytes())
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            file = Path(root, name)
            digest.update(str(file.relative_to(path)).encode())
            try:
                digest.update(file.read_bytes())
            except OSError:
                continue


def environment_name(agent: str) -> str:
    """``agentplat-<agent>`` in kebab case (Flyte environment names are snake or kebab case)."""
    slug = re.sub(r"[^a-z0-9]+", "-", agent.lower()).strip("-")
    if not slug:
        raise AgentplatError(f"agent {agent!r} has no usable name for a cluster environment")
    return ENV_PREFIX + slug


def step_task_name(agent: str) -> str:
    """``run_step_<agent>``: a Python identifier, so the task resolves by module path."""
    return STEP_TASK_PREFIX + re.sub(r"\W", "_", agent.lower())


def forwarded_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The agentplat settings of the deploying shell that tasks should see too."""
    return {
        name: value for name, value in sorted(environ.items())
        if (name.startswith(FORWARDED_PREFIXES) or name in FORWARDED_NAMES)
        and name not in LOCAL_ONLY and not name.startswith(LOCAL_ONLY_PREFIXES) and not _SECRETISH.search(name)
    }


def _resources(env, defaults: dict[str, str]) -> dict[str, Any]:
    resources = dict(defaults)
    if env is not None:
        if env.cpu is not None:
            resources["cpu"] = str(env.cpu)
        if env.memory:
            resources["memory"] = str(env.memory)
        if env.gpu is not None:  # a count (int) or an accelerator such as "T4:1"
            gpu = env.gpu
            resources["gpu"] = int(gpu) if isinstance(gpu, str) and gpu.isdigit() else gpu
    return resources


def _reuse(env, owner: str) -> ReuseSpec | None:
    if env is None or (env.reuse_replicas is None and env.reuse_idle_ttl is None):
        return None
    replicas = env.reuse_replicas if env.reuse_replicas is not None else 1
    idle_ttl = env.reuse_idle_ttl if env.reuse_idle_ttl is not None else REUSE_IDLE_TTL
    if replicas < 1:
        raise AgentplatError(f"{owner}: reuse_replicas must be at least 1 (got {replicas})")
    if idle_ttl < 30:
        raise AgentplatError(f"{owner}: reuse_idle_ttl must be at least 30 seconds (got {idle_ttl})")
    return ReuseSpec(replicas=replicas, idle_ttl=idle_ttl, concurrency=REUSE_CONCURRENCY)


def _extras(declared: list[str], shipped: set[str]) -> list[str]:
    """A plugin's extra packages, minus the distributions its image ships anyway (a plugin
    naming itself gets its installed version or local source, not a fresh download)."""
    from packaging.requirements import InvalidRequirement, Requirement

    extras: list[str] = []
    for item in declared:
        item = item.strip()
        if not item:
            continue
        try:
            name = canonical(Requirement(item).name)
        except InvalidRequirement:
            name = None
        if name in shipped or item in extras:
            continue
        extras.append(item)
    return extras


def _requirement_name(item: str) -> str | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return canonical(Requirement(item.strip()).name)
    except InvalidRequirement:
        return None


def _unique(packages: list[PackageSpec]) -> list[PackageSpec]:
    seen: dict[str, PackageSpec] = {}
    for package in packages:
        seen.setdefault(canonical(package.name), package)
    return list(seen.values())


def build(registry, environ: Mapping[str, str] | None = None) -> ClusterSpec:
    """The environments for every agent of ``registry`` and the driver that uses them."""
    environ = os.environ if environ is None else environ
    python, flyte = python_version(), flyte_version()
    core = installed_package(CORE)
    plugins = sorted((p for p in registry.plugins if p.status == "ok"), key=lambda p: canonical(p.name))
    installed = {p.name: installed_package(p.name) for p in plugins}
    # model backends and the like: plugins that make no agents (not one whose agents are only
    # configured elsewhere, such as MCP servers)
    everywhere = [installed[p.name] for p in plugins if not p.agents and "register_agents" not in p.hooks]
    model_secrets = [SecretSpec.for_env_var(name, owner="model") for name in MODEL_SECRETS if name in environ]
    settings = forwarded_settings(environ)

    agents: list[EnvironmentSpec] = []
    names: dict[str, str] = {DRIVER_ENV: "the driver"}
    tasks: dict[str, str] = {}
    for agent in sorted(registry.agents.values(), key=lambda a: a.name):
        if agent.local_only:  # its steps need this machine: no environment on a cluster
            continue
        owner = f"plugin {agent.plugin}, agent {agent.name}"
        env = agent.environment
        name, task = environment_name(agent.name), step_task_name(agent.name)
        if name in names:
            raise AgentplatError(f"agent {agent.name!r} would share the cluster environment {name} with {names[name]}")
        if task in tasks:
            raise AgentplatError(f"agents {tasks[task]!r} and {agent.name!r} map to the same task name {task}")
        names[name], tasks[task] = f"agent {agent.name!r}", agent.name
        own = installed.get(agent.plugin) if agent.plugin else None
        # a declared package that is an installed plugin (the report agent's web search)
        # ships like the agent's own plugin: its installed version or local source
        companions = [installed[p.name] for p in plugins
                      if env and canonical(p.name) in {_requirement_name(x) for x in env.packages}]
        packages = _unique([core, *([own] if own else []), *companions, *everywhere])
        extras = _extras(list(env.packages) if env else [], {canonical(p.name) for p in packages})
        declared = [SecretSpec.for_env_var(s, owner=owner) for s in (env.secrets if env else [])]
        secrets = sorted({*declared, *model_secrets}, key=lambda s: s.env_var)
        image_name = canonical(agent.plugin) if agent.plugin and agent.plugin != CORE else name
        agents.append(EnvironmentSpec(
            name=name, role="agent", task=task, agent=agent.name, plugin=agent.plugin,
            resources=_resources(env, DEFAULT_RESOURCES), reuse=_reuse(env, owner),
            secrets=secrets, env_vars={**(dict(env.env_vars) if env else {}), **settings},
            image=ImageSpec(name=image_name, python=python, flyte=flyte, packages=packages, extras=extras),
        ))
    driver = EnvironmentSpec(
        name=DRIVER_ENV, role="driver", task=DRIVER_TASK, resources=dict(DRIVER_RESOURCES),
        secrets=list(model_secrets), env_vars=dict(settings), depends_on=[a.name for a in agents],
        image=ImageSpec(name=DRIVER_ENV, python=python, flyte=flyte,
                        packages=_unique([core, *(installed[p.name] for p in plugins)])),
    )
    return ClusterSpec(driver=driver, agents=agents)


@dataclass
class FlyteEnvironments:
    """The ``flyte.TaskEnvironment`` of the driver and of each agent (keyed by agent name)."""

    driver: Any
    agents: dict[str, Any]

    def all(self) -> list[Any]:
        return [*self.agents.values(), self.driver]


def to_flyte(spec: ClusterSpec) -> FlyteEnvironments:
    """Real ``flyte.TaskEnvironment`` objects for ``spec`` (identical images are shared)."""
    import flyte

    from .image import to_flyte_image

    images: dict[str, Any] = {}

    def image(spec_: ImageSpec):
        key = json.dumps(spec_.to_json(), sort_keys=True)
        if key not in images:
            images[key] = to_flyte_image(spec_)
        return images[key]

    def environment(env: EnvironmentSpec, depends_on: list[Any]):
        reuse = env.reuse
        return flyte.TaskEnvironment(
            name=env.name,
            image=image(env.image),
            resources=flyte.Resources(**env.resources),
            reusable=flyte.ReusePolicy(replicas=reuse.replicas, idle_ttl=reuse.idle_ttl,
                                       concurrency=reuse.concurrency) if reuse else None,
            secrets=[flyte.Secret(key=s.key, as_env_var=s.env_var) for s in env.secrets] or None,
            env_vars=dict(env.env_vars) or None,
            depends_on=depends_on,
            description=env.description,
        )

    agents = {env.agent: environment(env, []) for env in spec.agents}
    driver = environment(spec.driver, list(agents.values()))
    return FlyteEnvironments(driver=driver, agents=agents)
