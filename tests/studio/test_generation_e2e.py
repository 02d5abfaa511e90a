"""Persona pool -> computers, through the real Celery worker, Redis and the offline engine."""

import email
import email.policy
import hashlib
from collections import Counter

import openpyxl
import pytest
from docx import Document
from icalendar import Calendar
from pptx import Presentation
from pypdf import PdfReader

from studio.generation.pipeline import computer_generate
from studio.models import Computer, ComputerFile, FileEdge, Folder
from studio.services.computers import computer_batch_create, computer_retry
from studio.services.personas import persona_pool_import
from tests.conftest import wait_until

PERSONAS = (
    b'{"persona": "A pediatric nurse who coordinates night shifts and medication audits on a busy ward."}\n'
    b'{"name": "Dana Ruiz", "role": "Chief Financial Officer", "company": "Northwind Foods", "industry": "Food manufacturing"}\n'
    b'{"persona": "A backend software engineer on a payments platform team."}\n'
)


def open_with_reader(path, kind):
    """Open a file with the library a real user's tool would use; fail loudly if it can't."""
    if kind == "docx":
        assert Document(path).paragraphs
    elif kind == "xlsx":
        book = openpyxl.load_workbook(path)
        assert book.worksheets and book.worksheets[0].max_row >= 1
    elif kind == "pptx":
        assert len(Presentation(path).slides) >= 2
    elif kind == "pdf":
        assert PdfReader(path).pages[0].extract_text().strip()
    elif kind == "eml":
        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        assert message["Message-ID"] and message["From"] and message.get_content().strip()
    elif kind == "ics":
        calendar = Calendar.from_ical(path.read_bytes())
        assert list(calendar.walk("VEVENT"))
    elif kind in ("md", "txt", "csv"):
        assert path.read_text(encoding="utf-8").strip()
    else:
        raise AssertionError(f"unexpected kind {kind}")


def assert_index_matches_disk(computer):
    files = list(computer.files.all())
    on_disk = {
        p.relative_to(computer.home).as_posix() for p in computer.home.rglob("*") if p.is_file()
    }
    indexed = {f.path for f in files if f.scope == ComputerFile.Scope.HOME}
    assert on_disk == indexed
    for f in files:
        data = f.disk_path.read_bytes()
        assert len(data) == f.size
        assert hashlib.sha256(data).hexdigest() == f.sha256
        open_with_reader(f.disk_path, f.kind)
    keys = {f.key for f in files}
    for edge in FileEdge.objects.filter(computer=computer).select_related("source", "target"):
        assert edge.source.computer_id == edge.target.computer_id == computer.pk
        assert edge.target.key in keys and edge.target.mtime <= edge.source.mtime
    folders = set(Folder.objects.filter(computer=computer).values_list("path", flat=True))
    assert {f.folder for f in files if f.scope == "home" and f.folder} <= folders


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_pool_to_computers_through_celery(celery_worker_process, user):
    report = persona_pool_import(pool_name="e2e", source=PERSONAS, filename="p.jsonl", owner=user)
    batch = computer_batch_create(
        pool=report.pool, count=3, target_files=30, seed=11, created_by=user
    )
    ids = list(batch.computers.values_list("id", flat=True))
    wait_until(
        lambda: Computer.objects.filter(id__in=ids, state__in=["ready", "failed"]).count() == 3,
        timeout=180,
        message="computers did not finish",
    )
    computers = list(Computer.objects.filter(id__in=ids).select_related("persona"))
    assert [c.error for c in computers if c.state != "ready"] == []
    for computer in computers:
        assert computer.stats["files"] == 30
        assert 5 <= len(computer.profile["collaborators"]) <= 8
        assert computer.llm_backend == "offline engine"
        assert computer.files.filter(scope="collaborator").exists()
        assert computer.files.filter(scope="collaborator").exclude(planted_error="").exists()
        assert_index_matches_disk(computer)
    # no two computers alike
    assert len({c.display_name for c in computers}) == 3
    assert len({c.stats["bytes"] for c in computers}) == 3
    # content follows the profession
    nurse = next(c for c in computers if "nurse" in c.persona.text)
    nurse_text = " ".join(nurse.files.values_list("text", flat=True)).lower()
    assert any(word in nurse_text for word in ("patient", "ward", "shift", "medication"))


@pytest.mark.django_db
def test_hundred_file_computer_is_realistic(user):
    report = persona_pool_import(pool_name="real", source=PERSONAS, filename="p.jsonl")
    batch = computer_batch_create(
        pool=report.pool, count=1, target_files=112, seed=3, enqueue=False
    )
    computer = computer_generate(computer=batch.computers.get())
    assert computer.state == "ready", computer.error
    stats = computer.stats
    assert stats["files"] == 112
    shares = {k: n / stats["files"] for k, n in stats["by_kind"].items()}
    # the paper: DOCX 35 %, XLSX 16 %, PDF 14 %, PPTX 8.5 %
    assert abs(shares.get("docx", 0) - 0.35) < 0.1
    assert abs(shares.get("xlsx", 0) - 0.16) < 0.08
    assert abs(shares.get("pdf", 0) - 0.14) < 0.08
    assert abs(shares.get("pptx", 0) - 0.085) < 0.06
    assert 2.6 <= stats["mean_depth"] <= 4.2
    assert stats["edges"] > 20
    assert_index_matches_disk(computer)
    # synthetic modification times follow the plan's timeline
    policy = computer.policy
    for f in computer.files.filter(scope="home")[:40]:
        assert abs(f.disk_path.stat().st_mtime - f.mtime.timestamp()) < 2
        assert policy["timeline_start"] <= f.mtime.date().isoformat() <= policy["timeline_end"]
    names = " ".join(computer.files.values_list("name", flat=True)).lower()
    assert any(token in names for token in ("v2", "final", "draft", "(1)", "copy", "20"))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_invalid_model_output_fails_clearly_then_retry_succeeds(celery_worker_process, settings):
    report = persona_pool_import(pool_name="flaky", source=PERSONAS, filename="p.jsonl")
    batch = computer_batch_create(pool=report.pool, count=1, target_files=12, seed=5, enqueue=False)
    computer = batch.computers.get()
    broken = {
        **settings.LLM_ROLE_CONFIG,
        "artifact": {**settings.LLM_ROLE_CONFIG["artifact"], "model": "offline:faults=badjson@1"},
    }
    settings.LLM_ROLE_CONFIG = broken
    computer_generate(computer=computer)
    computer.refresh_from_db()
    assert computer.state == "failed"
    assert "did not return a valid" in computer.error and "attempts" in computer.error
    assert not computer.files.exists()
    computer_retry(computer=computer)  # the real worker runs with a healthy model
    wait_until(
        lambda: Computer.objects.get(pk=computer.pk).state in ("ready", "failed"), timeout=120
    )
    computer.refresh_from_db()
    assert computer.state == "ready", computer.error
    assert computer.attempts == 2
    assert_index_matches_disk(computer)


@pytest.mark.django_db
def test_transient_faults_are_survived_during_generation(settings):
    report = persona_pool_import(pool_name="faulty", source=PERSONAS, filename="p.jsonl")
    batch = computer_batch_create(pool=report.pool, count=1, target_files=15, seed=9, enqueue=False)
    # ~10 % of replies malformed: with 5 attempts a call fails about once in 10^5
    config = {
        role: {**cfg, "model": "offline:faults=429@0.2,500@0.2,truncate@0.05,badjson@0.05"}
        for role, cfg in settings.LLM_ROLE_CONFIG.items()
    }
    settings.LLM_ROLE_CONFIG = config
    settings.LLM_MAX_REASKS = 4
    computer = computer_generate(computer=batch.computers.get())
    assert computer.state == "ready", computer.error
    outcomes = Counter(computer.llm_calls.values_list("outcome", flat=True))
    assert outcomes["invalid"] > 0 and outcomes["ok"] > 0


@pytest.mark.django_db
def test_model_path_that_escapes_is_refused(monkeypatch):
    from studio.llm.offline import registry

    original = registry.STRUCTURED["FilePlan"]

    def hostile(req):
        plan = original(req)
        plan["files"][0]["path"] = "../../../../etc/evil.docx"
        return plan

    monkeypatch.setitem(registry.STRUCTURED, "FilePlan", hostile)
    report = persona_pool_import(pool_name="hostile", source=PERSONAS, filename="p.jsonl")
    batch = computer_batch_create(pool=report.pool, count=1, target_files=10, seed=1, enqueue=False)
    computer = computer_generate(computer=batch.computers.get())
    assert computer.state == "failed"
    assert "'..' is not allowed" in computer.error
    assert not any(p.name == "evil.docx" for p in computer.root.parent.parent.rglob("evil.docx"))
