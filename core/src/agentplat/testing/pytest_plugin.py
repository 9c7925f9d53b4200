"""pytest plugin providing the ``openai_server`` fixture.

Why: every test that talks to a model needs a fresh, isolated server that is always shut
down, even when the test fails. Enable it in a test module or top-level conftest::

    pytest_plugins = ["agentplat.testing.pytest_plugin"]

    def test_answer(openai_server):
        openai_server.reply("42")
        client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test")
        ...

Configure the server with keyword arguments for :class:`~agentplat.testing.OpenAIServer`,
either per test with the ``openai_server`` marker (registered when the plugin loads, so
enable the plugin from a conftest if you run with ``--strict-markers``)::

    @pytest.mark.openai_server(api_key="sk-test", models=["my-model"], latency=0.1)
    def test_auth(openai_server): ...

or by overriding the ``openai_server_kwargs`` fixture (in a conftest, a module, or by direct
parametrization: ``@pytest.mark.parametrize("openai_server_kwargs", [{"latency": 0.1}])``).
Marker arguments win over the fixture's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .openai_server import OpenAIServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "openai_server(**kwargs): keyword arguments for the openai_server fixture's OpenAIServer",
    )


@pytest.fixture
def openai_server_kwargs() -> dict[str, Any]:
    """Keyword arguments for the ``openai_server`` fixture's server; override to configure it."""
    return {}


@pytest.fixture
def openai_server(request: pytest.FixtureRequest, openai_server_kwargs: dict[str, Any]) -> Iterator[OpenAIServer]:
    """A started :class:`OpenAIServer` for one test; stopped afterwards, even if the test fails."""
    kwargs = dict(openai_server_kwargs)
    marker = request.node.get_closest_marker("openai_server")
    if marker is not None:
        if marker.args:
            raise TypeError("the openai_server marker takes keyword arguments only")
        kwargs.update(marker.kwargs)
    with OpenAIServer(**kwargs) as server:
        yield server
