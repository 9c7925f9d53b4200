"""agentplat plugin: the math agent."""
