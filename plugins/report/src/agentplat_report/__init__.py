"""agentplat plugin: the report agent."""
