"""The container image of an environment, derived from what is installed here.

Every image starts from Flyte's Debian base image for this Python and this Flyte version,
then installs the agentplat core and the plugin distributions *as they are installed
here* (read from their metadata, PEP 610 ``direct_url.json``):

- installed from an index: pinned to the installed version (``agentplat-math==0.1.0``);
- installed from a local folder (editable or not, ``dir_info``): the folder is copied into
  the image under ``/opt/agentplat/src/<name>`` and installed from there, so local,
  unpublished code runs on the cluster exactly as it runs here;
- installed from a local wheel or sdist: that file is copied in and installed;
- installed from a VCS or an archive URL: that URL (``name @ git+https://...@<commit>``).

A plugin's declared extra packages (``Environment.packages``) are added verbatim. Secrets
are never part of an image. Nothing here imports Flyte except ``to_flyte_image``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .._common.errors import AgentplatError

#: Where local sources are copied inside an image.
SOURCE_ROOT = "/opt/agentplat/src"


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class PackageSpec:
    """One distribution installed into an image, and how."""

    name: str
    version: str | None
    source: str  # "index" (pinned), "local" (a folder or file copied in) or "url"
    requirement: str  # what the image's installer is given
    path: str | None = None  # the local folder or file, for source "local"
    editable: bool = False  # installed editable here (PEP 610 dir_info.editable)

    def describe(self) -> str:
        if self.source == "local":
            return f"{self.name} {self.version} from local source {self.path}" + (" (editable)" if self.editable else "")
        return self.requirement

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def package_from_direct_url(name: str, version: str | None, direct_url: str | None) -> PackageSpec:
    """How to install ``name`` in an image, given its PEP 610 ``direct_url.json`` (if any)."""
    pinned = PackageSpec(name, version, "index", f"{name}=={version}" if version else name)
    try:
        info = json.loads(direct_url) if direct_url else None
    except json.JSONDecodeError:
        info = None
    if not isinstance(info, dict) or not info.get("url"):
        return pinned
    url = str(info["url"])
    if url.startswith("file:"):
        path = Path(unquote(urlparse(url).path))
        if "dir_info" in info:
            return PackageSpec(name, version, "local", f"{SOURCE_ROOT}/{canonical(name)}", str(path),
                               editable=bool((info.get("dir_info") or {}).get("editable")))
        if "archive_info" in info:  # a local wheel or sdist: copy the file in
            return PackageSpec(name, version, "local", f"{SOURCE_ROOT}/{path.name}", str(path))
        return pinned
    if "vcs_info" in info:
        vcs = info["vcs_info"] or {}
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        return PackageSpec(name, version, "url", f"{name} @ {vcs.get('vcs', 'git')}+{url}" + (f"@{ref}" if ref else ""))
    return PackageSpec(name, version, "url", f"{name} @ {url}")


def installed_package(name: str) -> PackageSpec:
    """``name`` as it is installed in this environment."""
    from importlib_metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(name)
    except PackageNotFoundError:
        raise AgentplatError(f"{name} is not installed, so it cannot go into a cluster image") from None
    return package_from_direct_url(dist.metadata["Name"] or name, dist.version, dist.read_text("direct_url.json"))


def flyte_version() -> str:
    from importlib_metadata import version

    return version("flyte")


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class ImageSpec:
    """An image as plain data: what ``deploy --dry-run`` shows and ``to_flyte_image`` builds."""

    name: str
    python: str
    flyte: str  # the Flyte version of the base image (the same as installed here)
    packages: list[PackageSpec] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)  # declared by plugins, installed verbatim

    @property
    def base(self) -> str:
        return f"Flyte's Debian base image (python {self.python}, flyte {self.flyte})"

    def requirements(self) -> list[str]:
        return [p.requirement for p in self.packages] + list(self.extras)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": self.base,
            "python": self.python,
            "flyte": self.flyte,
            "packages": [p.to_json() for p in self.packages],
            "extras": list(self.extras),
        }


def to_flyte_image(spec: ImageSpec):
    """The ``flyte.Image`` for ``spec``: local sources are copied in, then everything is
    installed in one resolver pass (so a local plugin finds the local core)."""
    import shlex

    import flyte

    major, minor = (int(part) for part in spec.python.split(".")[:2])
    image = flyte.Image.from_debian_base(python_version=(major, minor), name=spec.name)
    local = [p for p in spec.packages if p.source == "local"]
    for package in local:
        source = Path(package.path or "")
        if source.is_file():
            image = image.with_source_file(source, dst=SOURCE_ROOT + "/")
        else:
            image = image.with_source_folder(source, dst=package.requirement)
    requirements = spec.requirements()
    if not requirements:
        return image
    if local:
        install = "uv pip install --python $UV_PYTHON " + " ".join(shlex.quote(r) for r in requirements)
        return image.with_commands([install])
    return image.with_pip_packages(*requirements)
