"""``$AGENTPLAT_HOME/plugins.json``: the plugins a user installed with ``agentplat install``.

Why: upgrading or reinstalling agentplat (``uv tool install``, ``pipx``, a new venv)
drops every plugin installed next to it; ``agentplat install --reinstall-plugins``
installs what this file remembers. Local paths are stored absolute, so they still
resolve from another working directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .._common.errors import AgentplatError


@dataclass(frozen=True)
class Record:
    spec: str  # what to hand the installer again: a requirement, or an absolute path
    name: str | None = None  # the distribution it installs, when known (for uninstall)
    editable: bool = False

    def install_args(self) -> list[str]:
        return ["-e", self.spec] if self.editable else [self.spec]


def records_path() -> Path:
    from .._common.settings import data_dir

    return data_dir() / "plugins.json"


def normalise(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def load() -> list[Record]:
    path = records_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise AgentplatError(f"cannot read {path}: {exc}") from None
    return [Record(**{k: v for k, v in item.items() if k in ("spec", "name", "editable")})
            for item in data.get("plugins", [])]


def save(records: list[Record]) -> None:
    """Write atomically, so an interrupted install never leaves half a file."""
    path = records_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"plugins": [asdict(r) for r in records]}, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".plugins.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(payload)
    os.replace(tmp, path)


def remember(new: list[Record]) -> None:
    """Add ``new``, replacing records for the same distribution or spec."""
    keys = {_key(r) for r in new}
    save([r for r in load() if _key(r) not in keys] + new)


def forget(names: list[str]) -> list[Record]:
    """Drop records whose distribution name or spec is in ``names``; return the dropped ones."""
    wanted = {normalise(n) for n in names} | set(names)
    kept, dropped = [], []
    for record in load():
        hit = (record.name and normalise(record.name) in wanted) or record.spec in wanted
        (dropped if hit else kept).append(record)
    if dropped:
        save(kept)
    return dropped


def _key(record: Record) -> str:
    return normalise(record.name) if record.name else record.spec


def record_for(spec: str, *, editable: bool = False) -> Record:
    """What to remember for one PACKAGE argument: a path made absolute, and its name."""
    path = Path(spec).expanduser()
    if path.exists():
        return Record(spec=str(path.resolve()), name=_name_of_path(path), editable=editable)
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        name = Requirement(spec).name
    except InvalidRequirement:  # a URL or an installer option: remembered as given
        name = None
    return Record(spec=spec, name=name, editable=editable)


def _name_of_path(path: Path) -> str | None:
    """The distribution in a wheel, an sdist or a project folder, without building it."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    try:
        if path.is_file() and path.suffix == ".whl":
            return str(parse_wheel_filename(path.name)[0])
        if path.is_file():
            return str(parse_sdist_filename(path.name)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    pyproject = path / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        except (OSError, tomllib.TOMLDecodeError):
            return None
    return None
