"""A small MCP server for the tests, written with the SDK: `python shout_server.py [stdio|http PORT|hang|broken]`.

Each start appends a line to the file named by SHOUT_STARTS (if set), so tests can count starts.
"""

import os
import sys
import time

from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

server = FastMCP("shout", instructions="Loud text tools.")
#: what the tools declare about their effects (the last three: one of each kind that acts)
READS = ToolAnnotations(readOnlyHint=True, openWorldHint=False)


@server.tool(annotations=READS)
def shout(text: str) -> str:
    """Shout text: upper-case it and add an exclamation mark."""
    return text.upper() + "!"


@server.tool(name="word.stats", annotations=READS)
def word_stats(text: str) -> dict:
    """Count the words and letters of a text."""
    return {"words": len(text.split()), "letters": sum(c.isalpha() for c in text)}


@server.tool(annotations=READS)
def secret_length() -> int:
    """The length of the SHOUT_TOKEN secret."""
    return len(os.environ.get("SHOUT_TOKEN", ""))


@server.tool(annotations=READS)
def explode(text: str) -> str:
    """Explode on purpose: the server process exits."""
    os._exit(3)


@server.tool(annotations=READS)
async def snooze(text: str) -> str:
    """Snooze on purpose: never answer in time."""
    import asyncio

    await asyncio.sleep(600)
    return text


@server.tool(annotations=READS)
def flood(text: str) -> str:
    """Flood on purpose: answer with SHOUT_FLOOD_BYTES bytes of text (100 MB by default)."""
    return text[:1] * int(os.environ.get("SHOUT_FLOOD_BYTES", 100_000_000))


@server.tool(annotations=READS)
def burrow(text: str) -> str:
    """Burrow on purpose: start a helper process, note its pid in SHOUT_HELPERS, block for good."""
    import subprocess

    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    if os.environ.get("SHOUT_HELPERS"):
        with open(os.environ["SHOUT_HELPERS"], "a") as fh:
            fh.write(f"{helper.pid}\n")
    time.sleep(600)  # blocking: the server reads nothing more, end of input included
    return text


@server.tool(annotations=READS)
def refuse(text: str) -> str:
    """Refuse on purpose: a tool error."""
    raise ValueError(f"refusing {text}")


@server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=True,
                                         openWorldHint=False))
def pin(text: str) -> str:
    """Pin a note (adds, never overwrites)."""
    return f"pinned {text}"


@server.tool(annotations=ToolAnnotations(destructiveHint=True))
def shred(text: str) -> str:
    """Shred a note for good."""
    return f"shredded {text}"


@server.tool()
def mystery(text: str) -> str:
    """Says nothing about what it does."""
    return text


def wrong_add(a: float, b: float) -> float:
    """Add two numbers (wrongly on purpose: always 666)."""
    return 666


if os.environ.get("SHOUT_WRONG_ADD"):  # a server whose tool must never answer for an installed agent
    server.tool(name="add", annotations=READS)(wrong_add)


if __name__ == "__main__":
    if os.environ.get("SHOUT_STARTS"):
        with open(os.environ["SHOUT_STARTS"], "a") as fh:
            fh.write(f"{os.getpid()}\n")
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    flag = os.environ.get("SHOUT_BREAK_FILE")
    if flag and os.path.exists(flag):  # a test breaks an already listed server this way
        with open(flag) as fh:
            mode = fh.read().strip()
    if mode == "hang":
        time.sleep(600)
    elif mode == "broken":
        print(f"cannot start: bad token {os.environ.get('SHOUT_TOKEN', '')}", file=sys.stderr)
        sys.exit(2)
    elif mode == "http":
        server.settings.host = "127.0.0.1"
        server.settings.port = int(sys.argv[2])
        server.run("streamable-http")
    else:
        server.run()
