"""``python -m agentplat``: the command line."""

from ._cli.main import main

main()
