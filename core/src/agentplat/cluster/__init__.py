"""The cluster's Flyte tasks and the engine that submits them.

``agentplat.cluster.tasks`` keeps this module path on purpose: Flyte resolves every task by
it in a container (``agentplat deploy --dry-run`` shows it), so it is part of what a
deployed image and the client that submits to it agree on. Everything else about clusters
(environments, images, endpoints, jobs, apps) is in the private ``agentplat._cluster``.
Not for import by plugins: ``agentplat.extend`` offers what they need.
"""
