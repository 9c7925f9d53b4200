"""Agents: a named specialist with a description, example requests and its tools."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .tools import Tool, ToolFunction, as_tool


@dataclass
class Environment:
    """Flyte ``TaskEnvironment`` settings a plugin may ship for its agent.

    Kept as plain data so that listing agents never imports Flyte.
    """

    cpu: str | int | None = None
    memory: str | None = None
    gpu: str | int | None = None
    reuse_replicas: int | None = None
    reuse_idle_ttl: int | None = None
    secrets: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    env_vars: dict[str, str] = field(default_factory=dict)


@dataclass
class Agent:
    """A specialist the planner can route steps to.

    ``local_only``: its steps need this machine (a process it starts, a file of the user's),
    so they run only where the run is driven here: ``agentplat deploy`` builds no cluster
    environment for it and ``agentplat run --remote`` refuses a request that needs it.
    """

    name: str
    description: str
    tools: list[Tool | ToolFunction] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    environment: Environment | None = None
    system_prompt: str | None = None
    plugin: str | None = None
    local_only: bool = False

    def __post_init__(self) -> None:
        self.tools = [as_tool(t) for t in self.tools]
        for t in self.tools:
            t.agent = self.name

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    def describe(self) -> dict[str, Any]:
        """The ``agentplat agents --json`` view of this agent."""
        return {
            "name": self.name,
            "description": self.description,
            "plugin": self.plugin,
            "examples": list(self.examples),
            "tools": [
                {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                    "examples": list(t.examples),
                    "effect": t.effect,
                    "open_world": t.open_world,
                    "pure": t.pure,
                }
                for t in self.tools
            ],
            "environment": asdict(self.environment) if self.environment is not None else None,
            "local_only": self.local_only,
        }
