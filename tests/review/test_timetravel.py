"""Time travel: the files as they were at any turn, rebuilt from the computer and the run's
FileChange history and blobs; per-turn diffs for text, Office text and workbook cells."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest
from django.urls import reverse
from docx import Document

from simulations.engine.sandbox import Workspace
from simulations.review import timetravel
from tests.review.conftest import build_simulation, record_change, run_simulation

pytestmark = pytest.mark.django_db


def read(sim, files, path) -> bytes:
    return timetravel.version_path(simulation=sim, version=files[path]).read_bytes()


def docx_with(original: bytes, line: str) -> bytes:
    document = Document(io.BytesIO(original))
    document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_with(original: bytes, value) -> tuple[bytes, str, str]:
    book = openpyxl.load_workbook(io.BytesIO(original))
    sheet = book.worksheets[0]
    sheet["B2"] = value
    sheet["B2"].number_format = "#,##0"  # whatever column the chosen workbook has there
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), sheet.title, "B2"


@pytest.fixture
def history(computer):
    """A hand-made run: create, edit, Office edits, move, delete."""
    sim = build_simulation(computer, turns=2)
    home = computer.files.filter(scope="home")
    docx = home.filter(kind="docx").first()
    xlsx = home.filter(kind="xlsx").first()
    doomed = home.exclude(kind__in=["docx", "xlsx"]).first()
    record_change(sim, 2, op="create", path="Notes/plan.md", data=b"first line\n")
    record_change(
        sim,
        3,
        op="edit",
        path="Notes/plan.md",
        data=b"first line\nsecond line\n",
        before=b"first line\n",
    )
    original_docx = docx.disk_path.read_bytes()
    record_change(
        sim,
        4,
        op="edit",
        path=docx.path,
        before=original_docx,
        data=docx_with(original_docx, "A sentence the worker added on turn four."),
    )
    record_change(
        sim,
        5,
        op="move",
        path="Archive/plan.md",
        source="Notes/plan.md",
        data=b"first line\nsecond line\n",
    )
    record_change(sim, 6, op="delete", path=doomed.path, before=doomed.disk_path.read_bytes())
    original_xlsx = xlsx.disk_path.read_bytes()
    new_xlsx, sheet, cell = xlsx_with(original_xlsx, 424242)
    record_change(sim, 7, op="edit", path=xlsx.path, before=original_xlsx, data=new_xlsx)
    return sim, docx, xlsx, doomed, (sheet, cell)


def test_files_at_each_turn(history, computer):
    sim, docx, xlsx, doomed, _ = history
    originals = set(computer.files.filter(scope="home").values_list("path", flat=True))
    assert set(timetravel.files_at(simulation=sim, seq=0)) == originals
    at2 = timetravel.files_at(simulation=sim, seq=2)
    assert read(sim, at2, "Notes/plan.md") == b"first line\n"
    assert at2["Notes/plan.md"].changed_seq == 2 and at2["Notes/plan.md"].op == "create"
    at3 = timetravel.files_at(simulation=sim, seq=3)
    assert read(sim, at3, "Notes/plan.md") == b"first line\nsecond line\n"
    # Before its edit the docx is the computer's original, read from the computer's folder.
    assert read(sim, at3, docx.path) == docx.disk_path.read_bytes()
    assert at3[docx.path].changed_seq == 0
    at4 = timetravel.files_at(simulation=sim, seq=4)
    assert b"turn four" not in docx.disk_path.read_bytes()  # the computer stays pristine
    assert read(sim, at4, docx.path) != docx.disk_path.read_bytes()
    at5 = timetravel.files_at(simulation=sim, seq=5)
    assert "Notes/plan.md" not in at5 and read(sim, at5, "Archive/plan.md").endswith(
        b"second line\n"
    )
    assert doomed.path in at5
    at6 = timetravel.files_at(simulation=sim, seq=6)
    assert doomed.path not in at6
    assert set(at6) == (originals - {doomed.path}) | {"Archive/plan.md"}

    tree = timetravel.tree_of(at6)
    assert tree.count == len(at6)
    archive = next(f for f in tree.folders if f.name == "Archive")
    assert archive.changed == 1 and [v.name for v in archive.files] == ["plan.md"]
    assert tree.changed == 2  # the moved plan and the edited docx


def test_diffs_of_text_office_and_workbooks(history):
    sim, docx, xlsx, doomed, (sheet, cell) = history
    [text] = timetravel.turn_changes(simulation=sim, seq=3)
    assert "+second line" in text.diff
    [office] = timetravel.turn_changes(simulation=sim, seq=4)
    assert "+A sentence the worker added on turn four." in office.diff.splitlines()
    [moved] = timetravel.turn_changes(simulation=sim, seq=5)
    assert moved.note == "moved from Notes/plan.md" and not moved.diff
    [book] = timetravel.turn_changes(simulation=sim, seq=7)
    assert not book.diff
    changed = {(c.sheet, c.cell): c for c in book.cells}
    assert "424,242" in changed[(sheet, cell)].after  # shown in the cell's number format
    assert changed[(sheet, cell)].before != changed[(sheet, cell)].after
    # Formulas that depend on the cell show their new value too; nothing else changed.
    assert all(c.before != c.after for c in book.cells)


def test_a_removed_workspace_is_said_plainly(history, auth_client):
    sim, docx, *_ = history
    Workspace(sim.workspace_root).remove()
    at4 = timetravel.files_at(simulation=sim, seq=4)
    with pytest.raises(timetravel.VersionUnavailable, match="workspace was removed"):
        timetravel.version_path(simulation=sim, version=at4[docx.path])
    page = auth_client.get(reverse("review-version", args=[sim.pk, docx.path]), {"at": 4})
    assert page.status_code == 200 and "workspace was removed" in page.content.decode()


def test_replay_matches_the_engines_workspace(computer, user, fast_engine):
    sim = run_simulation(computer, user=user, max_turns=40)
    assert sim.file_changes.exists()
    files = timetravel.files_at(simulation=sim, seq=sim.turn_count)
    home = Workspace(sim.workspace_root).home
    on_disk = {
        p.relative_to(home).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in home.rglob("*")
        if p.is_file()
    }
    assert {path: v.sha256 for path, v in files.items()} == on_disk
    for path, version in files.items():
        data = timetravel.version_path(simulation=sim, version=version).read_bytes()
        assert hashlib.sha256(data).hexdigest() == version.sha256, path


def test_time_travel_pages(history, auth_client):
    sim, docx, xlsx, doomed, _ = history
    tree = auth_client.get(reverse("review-timetravel", args=[sim.pk]), {"at": 5})
    body = tree.content.decode()
    assert tree.status_code == 200 and "Archive/" in body and "moved from Notes/plan.md" in body
    assert "Notes/" not in body.split('id="timetravel-tree"')[1].split("</section>")[0]
    before = auth_client.get(reverse("review-version", args=[sim.pk, docx.path]), {"at": 3})
    after = auth_client.get(reverse("review-version", args=[sim.pk, docx.path]), {"at": 4})
    assert "turn four" not in before.content.decode() and "turn four" in after.content.decode()
    download = auth_client.get(
        reverse("review-version-download", args=[sim.pk, "Notes/plan.md"]), {"at": 2}
    )
    assert b"".join(download.streaming_content) == b"first line\n"
    assert (
        auth_client.get(
            reverse("review-version-download", args=[sim.pk, "Notes/plan.md"]), {"at": 6}
        ).status_code
        == 404
    )
    gone = auth_client.get(reverse("review-version", args=[sim.pk, doomed.path]), {"at": 6})
    assert gone.status_code == 200 and "did not exist after turn 6" in gone.content.decode()
    changes = auth_client.get(reverse("review-turn-changes", args=[sim.pk, 7]))
    assert changes.status_code == 200 and "424" in changes.content.decode()
    assert (
        auth_client.get(reverse("review-version", args=[sim.pk, "../etc/passwd"])).status_code
        == 404
    )
