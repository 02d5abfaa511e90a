import os

import pytest

from studio.paths import PathEscapeError, clean_relative, resolve_inside, sanitize_relative


@pytest.mark.parametrize(
    "raw",
    [
        "../etc/passwd",
        "a/../../b",
        "/etc/passwd",
        "C:\\Windows\\system.ini",
        "~/x",
        "",
        "a\x00b",
        "..",
        "./..",
        "a/b/../../..",
    ],
)
def test_escapes_are_refused(tmp_path, raw):
    with pytest.raises(PathEscapeError):
        resolve_inside(tmp_path, raw)


def test_normalises_separators_and_dots():
    assert clean_relative("Documents\\Q3/./budget.xlsx") == "Documents/Q3/budget.xlsx"


def test_sanitises_windows_hostile_names():
    assert sanitize_relative('Projects/Plan: "final"?.docx') == "Projects/Plan_ _final__.docx"


def test_symlink_inside_tree_is_not_followed(tmp_path):
    root = tmp_path / "computer"
    (root / "Documents").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, root / "Documents" / "link.txt")
    os.symlink(tmp_path, root / "escape")
    with pytest.raises(PathEscapeError):
        resolve_inside(root, "Documents/link.txt")
    with pytest.raises(PathEscapeError):
        resolve_inside(root, "escape/secret.txt")


def test_plain_path_resolves_inside(tmp_path):
    assert resolve_inside(tmp_path, "a/b.txt") == tmp_path.resolve() / "a" / "b.txt"
