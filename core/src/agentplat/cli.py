"""The ``agentplat`` command line's entry point (``agentplat`` and ``python -m agentplat.cli``)."""

from __future__ import annotations

from ._cli.main import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
