"""Errors a user can cause. The CLI turns each into one line on stderr and a non-zero exit."""

from __future__ import annotations


class AgentplatError(Exception):
    """Base for errors that are the user's to fix, shown without a traceback."""

    exit_code = 1


class PlanningError(AgentplatError):
    """The request could not be turned into a valid plan."""


class NoCapableAgent(PlanningError):
    """No installed agent can serve (part of) the request."""


class PlanValidationError(PlanningError):
    """A plan breaks a rule of the plan format (cycle, unknown tool, bad argument...)."""


class ToolError(Exception):
    """A tool failed in a way that retrying cannot change (bad input, division by zero)."""


class TransientError(Exception):
    """A failure that may go away on retry (timeout, HTTP 429/5xx)."""


class ModelError(AgentplatError):
    """The model backend cannot be used (missing key, unreachable endpoint, unknown model)."""
