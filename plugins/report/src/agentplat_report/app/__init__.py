"""The web app of ``agentplat report serve`` (optional extra ``agentplat-report[app]``)."""
