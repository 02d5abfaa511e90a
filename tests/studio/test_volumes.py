"""Volumes: the user's full paths map to the home or a volume's folder, and nothing else."""

from __future__ import annotations

import pytest

from studio.paths import PathEscapeError
from studio.volumes import Volume, locate, stored_at

MAC = [
    Volume(name="Macintosh HD", mount="/", home="/Users/mheller"),
    Volume(name="AxiomBackup", mount="/Volumes/AxiomBackup"),
]
WIN = [Volume(name="C:", mount="C:\\", home="C:\\Users\\mheller"), Volume(name="D:", mount="D:\\")]


@pytest.mark.parametrize(
    ("volumes", "logical", "volume", "inner"),
    [
        (MAC, "/Users/mheller/Desktop/scratch.md", None, "Desktop/scratch.md"),
        (MAC, "/Volumes/AxiomBackup/Q3/a.xlsx", "AxiomBackup", "Q3/a.xlsx"),
        (MAC, "/Applications/notes.txt", "Macintosh HD", "Applications/notes.txt"),
        (WIN, "C:\\Users\\mheller\\Documents\\a.docx", None, "Documents/a.docx"),
        (WIN, "c:\\users\\MHELLER\\Documents\\a.docx", None, "Documents/a.docx"),
        (WIN, "D:\\Archive\\2024\\b.xlsx", "D:", "Archive/2024/b.xlsx"),
        (WIN, "C:\\Tools\\x.txt", "C:", "Tools/x.txt"),
    ],
)
def test_locate_maps_logical_paths(volumes, logical, volume, inner):
    found, rest = locate(volumes, logical)
    assert (found.name if found else None, rest) == (volume, inner)
    if found is not None:
        assert found.logical(rest).lower() == logical.lower()


@pytest.mark.parametrize(
    ("volumes", "logical"),
    [
        (MAC, "/Users/mheller/../../etc/passwd"),
        (WIN, "D:\\..\\x"),
        (WIN, "E:\\x.txt"),
        (WIN, "/etc/passwd"),
        (MAC, "/Users/mheller/a\x00b"),
    ],
)
def test_locate_refuses_escapes_and_unknown_volumes(volumes, logical):
    with pytest.raises(PathEscapeError):
        locate(volumes, logical)


def test_stored_at_keeps_volumes_apart_from_home():
    assert stored_at(scope="home", owner="", path="a/b.md") == "home/a/b.md"
    assert stored_at(scope="volume", owner="C:", path="a/b.md") == "volumes/c/a/b.md"
    assert stored_at(scope="volume", owner="Macintosh HD", path="x") == "volumes/macintosh-hd/x"
    assert stored_at(scope="collaborator", owner="Ann Lee", path="x") == "collaborators/ann-lee/x"
