"""Running the same requests on a Flyte 2 cluster (a devbox, a self-hosted Flyte, or Union).

- ``environments``: from the registry to a plain ``ClusterSpec`` (one environment per agent,
  a driver that depends on all of them) and from that spec to ``flyte.TaskEnvironment``s.
- ``image``: the container image of an environment, derived from what is installed.
- ``remote``: finding the Flyte config, checking the endpoint, submitting and reading runs.
- ``jobs`` and ``apps``: a plugin's batch job whose output is a folder, and its web app wired
  to that output (``agentplat report ... --remote``, ``agentplat report serve --remote``).

The tasks themselves, and the engine that submits them, are in ``agentplat.cluster``.
Nothing here imports Flyte until a command needs it: listing what would be deployed
(``agentplat deploy --dry-run``) never does.
"""
