"""Source of a throwaway plugin the run-store tests install: tools that sleep and that fail once.

Each tool leaves a marker file, so a second attempt (a resume, a retry) behaves differently.
"""

CODE = '''
import asyncio, os, pathlib
from agentplat import hookimpl, Agent, TransientError, tool

def _marker(name):
    return pathlib.Path(os.environ["TESTKIT_DIR"]) / name

@tool(examples=["nap for 3 seconds"])
async def nap(seconds: float) -> str:
    """Sleep for a number of seconds (only the first time: a resumed nap is instant)."""
    marker = _marker(f"nap-{int(seconds)}")
    first = not marker.exists()
    marker.write_text("started")
    if first:
        await asyncio.sleep(float(seconds))
    return f"rested {seconds}"

@tool(examples=["flaky echo hello"])
async def flaky_echo(text: str) -> str:
    """Echo text, failing with a transient error on the first call."""
    marker = _marker("flaky-called")
    if not marker.exists():
        marker.write_text("once")
        raise TransientError("upstream returned 503")
    return text

@hookimpl
def register_agents(register):
    register(Agent(name="sleeper", description="Sleeps and echoes.", tools=[nap, flaky_echo]))
'''
