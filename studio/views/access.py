"""Views reach pools, computers and files through these helpers (the rules are
``studio.access``), so an object the user may not see is a 404, exactly like one that does
not exist."""

from __future__ import annotations

from django.http import Http404

from studio import access, browsing
from studio.models import Computer, ComputerFile, PersonaPool
from studio.paths import PathEscapeError, clean_relative


def get_pool_for_user(request, pk: int) -> PersonaPool:
    pool = access.pool_get(user=request.user, pk=pk)
    if pool is None:
        raise Http404("no such persona pool")
    return pool


def get_computer_for_user(request, pk: int) -> Computer:
    computer = access.computer_get(user=request.user, pk=pk)
    if computer is None:
        raise Http404("no such computer")
    return computer


def clean_path_or_404(raw: str) -> str:
    try:
        return clean_relative(raw)
    except PathEscapeError:
        raise Http404("not a path inside this computer") from None


def get_file_for_user(
    request, pk: int, path: str, owner_slug: str = "", volume_slug: str = ""
) -> ComputerFile:
    """An indexed file of a visible computer; unindexed paths are 404 even if on disk."""
    computer = get_computer_for_user(request, pk)
    file = browsing.computer_file_get(
        computer=computer,
        path=clean_path_or_404(path),
        owner_slug=owner_slug,
        volume_slug=volume_slug,
    )
    if file is None:
        raise Http404("no such file in this computer")
    file.computer = computer
    return file
