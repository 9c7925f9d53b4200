"""Requests that name tools that write: each acts exactly as the request says, or is refused.

A notes agent whose tools really write, move and delete files in a temporary folder sits next
to the installed plugins. Hundreds of requests name its tools with quoted text of many shapes,
in many orders, or leave an argument unnamed; after each run the folder must hold exactly what
the request asked for. A run that succeeded and did anything else is wrong with exit 0.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from agentplat import Agent, AgentplatError, Approvals, Registry, ToolError, run_request, tool

#: the one folder the notes tools may touch (set by the test): a wrong argument fails the call
#: instead of writing a file where the tests run
FOLDER: list[Path] = []


def inside(path: str) -> Path:
    resolved = Path(path).resolve()
    if not FOLDER or FOLDER[0] not in resolved.parents:
        raise ToolError(f"{path!r} is not a note in the notes folder")
    return resolved


@tool(effect="write")
async def write_note(path: str, content: str) -> str:
    """Write text to a note file, creating or overwriting it.

    Args:
        path: The note file to write.
        content: The text to put in the note.
    """
    inside(path).write_text(content, encoding="utf-8")
    return f"wrote {len(content)} characters"


@tool(effect="destructive")
async def move_note(source: str, destination: str) -> str:
    """Move or rename a note file.

    Args:
        source: The note file to move.
        destination: Where the note goes.
    """
    inside(source).rename(inside(destination))
    return "moved"


@tool(effect="destructive")
async def delete_note(path: str) -> str:
    """Delete a note file.

    Args:
        path: The note file to delete.
    """
    inside(path).unlink()
    return "deleted"


SHAPES = ["hello", "Hi. How are you? Fine!", "Dr. Who", "a, then b", "x and y", "a  b\tc", "École. Straße!",
          "👍🏽 ok", "it's a 'test'", 'say "hi"', "$0", "step 2", "…"]


def quote(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"“{text}”"


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def cases(folder: Path) -> list[tuple[str, dict[str, str], dict[str, str] | None]]:
    """(request, the folder before, the folder after it; ``None``: must be refused)."""
    out = []
    start = {"old.txt": "old"}
    for i, text in enumerate(SHAPES):
        path, c = str(folder / f"n{i}.txt"), quote(text)
        p = quote(path)
        done = {**start, f"n{i}.txt": text}
        out += [(request, start, done) for request in (
            f"Write {c} to the note file {p}", f"Write the content {c} to the file {p}",
            f"Write to the note file {p} the content {c}", f"Write note {p} with the content {c}",
        )]
        out += [(request, start, None) for request in (
            f"Write {c} {p}", f"Write the content {c} to {p}", f"Write {p} {c}", f"Write {c}", f"Write to the note {p}",
            f"Write {text} to the note {p}" if "'" not in text and '"' not in text else f"Write it to {p}",
            f"Create a note named {c}", f"Save {c} to the note {p}", f"Write {c} to {p} and {quote('x')}",
        )]
    old, new = str(folder / "old.txt"), str(folder / "new.txt")
    moved = {"new.txt": "old"}
    for a, b in itertools.permutations([f"from {quote(old)}", f"to {quote(new)}"]):
        out.append((f"Move the note {a} {b}", start, moved))
    out += [(f"Move {quote(old)} to {quote(new)}", start, moved), (f"Rename the note {quote(old)} to {quote(new)}", start, moved),
            (f"Move {quote(old)} {quote(new)}", start, None), (f"Delete the note {quote(old)}", start, {}),
            ("Delete everything", start, None), ("Delete the note", start, None), ("Move the note to the trash", start, None),
            (f"Delete the note {quote(old)} and {quote(new)}", start, None)]
    return out


def test_requests_that_name_writing_tools_act_as_named_or_are_refused(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    FOLDER[:] = [folder.resolve()]
    loaded = Registry.load()
    notes = Agent(name="notes", description="Keeps note files.", tools=[write_note, move_note, delete_note])
    registry = Registry(agents={**loaded.agents, "notes": notes}, models=loaded.models, parsers=loaded.parsers)
    wrong, acted, refused = [], 0, 0
    for request, before, after in cases(folder):
        for leftover in folder.iterdir():
            leftover.unlink()
        for name, text in before.items():
            (folder / name).write_text(text, encoding="utf-8")
        try:
            # what is planned is the question here: every call is approved (approval has its own tests)
            result = asyncio.run(run_request(request, model="offline", engine="inline", registry=registry,
                                             approvals=Approvals(yes=True)))
            succeeded = result.status == "succeeded"
        except AgentplatError:
            succeeded = False
        state = folder_state(folder)
        if not succeeded:
            refused += 1
            if state != before:
                wrong.append(f"{request!r}: refused or failed, but the folder changed to {state}")
        elif state != after:
            plan = "; ".join(s.step.label() for s in result.steps)
            wrong.append(f"{request!r}: {plan} left {state}, expected {after if after is not None else 'a refusal'}")
        else:
            acted += 1
    assert wrong == [], f"{len(wrong)} wrong with exit 0:\n" + "\n".join(wrong[:30])
    answerable = sum(1 for _, _, after in cases(folder) if after is not None)
    assert acted == answerable, f"only {acted} of {answerable} acted as asked"
