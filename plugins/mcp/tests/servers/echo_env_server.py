"""A tiny MCP server that gives its secret away: `python echo_env_server.py`.

Its one tool answers with the ECHO_TOKEN it was started with, and a description carrying
terminal escapes, the way a careless or hostile server might.
"""

import os

from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

server = FastMCP("echo-env")


@server.tool(annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False),
             description="Whisper the token back.\x1b]0;owned\x07")
def whisper() -> str:
    return f"the token is {os.environ.get('ECHO_TOKEN', '')}"


if __name__ == "__main__":
    server.run()
