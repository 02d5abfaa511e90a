"""A computer's volumes: how the user names them, where their files live on disk and in the index.

``Computer.volumes`` lists the computer's volumes, each ``{"name", "mount", "home"}``:

- ``name``  the volume's own name, as the paper's ``drives/<name>/`` folder has it
  ("Macintosh HD", "AxiomBackup", "C:", "D:");
- ``mount`` where the user sees it: "/" (a Mac's system volume), "/Volumes/AxiomBackup",
  "C:\\", "D:\\";
- ``home``  on the one volume holding the user's home, that home's logical path
  ("/Users/mheller", "C:\\Users\\mheller"); "" on the others.

On disk (under ``COMPUTERS_ROOT/<id>/``) and in the index:

- ``home/<path>``: the user's home on the home volume, ``ComputerFile(scope="home",
  path=<relative to the home>)``, exactly as on every computer;
- ``volumes/<slug of name>/<path inside the volume>``: every other file, on any volume (the home
  volume's files outside the home included), ``ComputerFile(scope="volume", owner=<volume name>,
  path=<path inside the volume, "/"-separated>)``; scope and owner keep paths unique.

An empty list (every computer generated here) is one implicit volume holding ``home/`` only.
The worker names home files relative to the home ("Documents/a.docx") as before, and other files
by their full logical path as the user would: "D:\\Q3\\a.xlsx", "/Volumes/AxiomBackup/a.xlsx".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import PureWindowsPath

from studio.paths import PathEscapeError, clean_relative, slugify_name

VOLUMES_DIR = "volumes"
_DRIVE = re.compile(r"^([A-Za-z]):(?:[\\/]|$)")


@dataclass(frozen=True)
class Volume:
    name: str
    mount: str
    home: str = ""

    @property
    def windows(self) -> bool:
        return bool(_DRIVE.match(self.mount))

    @property
    def slug(self) -> str:
        return volume_slug(self.name)

    def logical(self, inner: str) -> str:
        """The user's full path of ``inner`` (a "/"-separated path inside this volume)."""
        if self.windows:
            return self.mount.rstrip("\\/") + "\\" + inner.replace("/", "\\")
        return self.mount.rstrip("/") + "/" + inner

    def inner(self, logical: str) -> str | None:
        """The "/"-separated path inside this volume of a user's full path, or None."""
        if self.windows:
            drive = _DRIVE.match(logical)
            if not drive or drive.group(1).upper() != self.mount[0].upper():
                return None
            rest = logical[2:].replace("\\", "/")
        else:
            mount = self.mount.rstrip("/")
            if mount and not (logical == mount or logical.startswith(mount + "/")):
                return None
            rest = logical[len(mount) :]
        rest = rest.strip("/")
        return rest or None


def volume_slug(name: str) -> str:
    """The folder of a volume under ``volumes/``: "C:" -> "c", "Macintosh HD" -> "macintosh-hd"."""
    return slugify_name(name)


def volumes_of(computer) -> list[Volume]:
    return [Volume(**v) for v in computer.volumes or []]


def volumes_dump(volumes: list[Volume]) -> list[dict[str, str]]:
    return [asdict(v) for v in volumes]


def is_logical(raw: str) -> bool:
    """True for a full path the user would type ("/..." or "X:\\..."), not one relative to home."""
    return isinstance(raw, str) and (raw.startswith("/") or bool(_DRIVE.match(raw)))


def home_volume(volumes: list[Volume]) -> Volume | None:
    return next((v for v in volumes if v.home), None)


def locate(volumes: list[Volume], logical: str) -> tuple[Volume | None, str]:
    """Where a user's full path lives: ``(None, path relative to home)`` for a file in the home,
    else ``(volume, path inside it)``. The longest mount wins ("/Volumes/X" before "/").
    Refuses "..", NUL bytes and paths on no volume."""
    if "\x00" in logical:
        raise PathEscapeError("path contains a NUL byte")
    home = home_volume(volumes)
    if home is not None:
        rest = _under(home.home, logical)
        if rest is not None:
            return None, clean_relative(rest)
    for volume in sorted(volumes, key=lambda v: -len(v.mount)):
        inner = volume.inner(logical)
        if inner is not None:
            return volume, clean_relative(inner)
    raise PathEscapeError(f"{logical!r} is on none of this computer's volumes")


def _under(base: str, logical: str) -> str | None:
    if _DRIVE.match(base):
        base_parts = [p.lower() for p in PureWindowsPath(base).parts]
        parts = PureWindowsPath(logical).parts
        if [p.lower() for p in parts[: len(base_parts)]] != base_parts:
            return None
        return "/".join(parts[len(base_parts) :]) or None
    base = base.rstrip("/")
    if not logical.startswith(base + "/"):
        return None
    return logical[len(base) + 1 :] or None


def stored_at(*, scope: str, owner: str, path: str) -> str:
    """Where an indexed file lives, relative to its computer's folder (and in an archive)."""
    if scope == "collaborator":
        return f"collaborators/{slugify_name(owner)}/{path}"
    if scope == "volume":
        return f"{VOLUMES_DIR}/{volume_slug(owner)}/{path}"
    return f"home/{path}"
