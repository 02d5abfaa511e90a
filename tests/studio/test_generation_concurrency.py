"""A computer's files are asked for concurrently along their dependency graph, within bounds.

Every call the offline engine answers is recorded (start and end, in the order they happen)
through its transport, with latency injected so that calls last long enough to overlap;
the order of events, not their timing, is what the tests check.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse

from studio.generation import artifacts
from studio.generation.pipeline import computer_generate
from studio.llm.offline import registry, transport
from studio.models import Computer, FileEdge, LLMCall
from studio.services.computers import computer_batch_create
from studio.services.personas import persona_pool_import

PERSONAS = (
    b'{"persona": "A hospital pharmacist who runs the antibiotic stewardship programme."}\n'
    b'{"persona": "A product marketing manager launching a budgeting app."}\n'
)


def _context(body: dict) -> dict:
    content = body["messages"][1]["content"]
    start = content.index("<context>") + len("<context>")
    return json.loads(content[start : content.index("</context>", start)])


class EngineLog:
    """The offline engine's calls as events: ("start"|"end", file key or schema name)."""

    def __init__(self, delay=None):
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.delay = delay  # file key -> extra seconds, to change the order calls finish in

    def record(self, event: str, name: str) -> None:
        with self.lock:
            self.events.append((event, name))

    def handle(self, body, headers):
        context = _context(body)
        name = (context.get("file") or {}).get("key") or body["response_format"]["json_schema"][
            "name"
        ]
        self.record("start", name)
        try:
            # the model's latency inside the call's window (the transport's own wait is off)
            time.sleep(latency_s(body) + (self.delay(name) if self.delay else 0.0))
            return real_handle_chat(body, headers)
        finally:
            self.record("end", name)

    def max_in_flight(self) -> int:
        now = peak = 0
        for event, _ in self.events:
            if event in ("start", "end"):
                now += 1 if event == "start" else -1
                peak = max(peak, now)
        return peak

    def finished_files(self) -> list[str]:
        return [name for event, name in self.events if event == "end" and "_" in name]


real_handle_chat = transport.handle_chat
latency_s = transport.latency_s


@pytest.fixture
def engine_log(monkeypatch):
    log = EngineLog()
    monkeypatch.setattr(transport, "handle_chat", log.handle)
    monkeypatch.setattr(transport, "latency_s", lambda body: 0.0)
    return log


@pytest.fixture
def slow_model(settings):
    """Every role answers after 150 ms: long enough for concurrent calls to overlap."""
    settings.LLM_ROLE_CONFIG = {
        role: {**cfg, "model": "offline:latency=150"}
        for role, cfg in settings.LLM_ROLE_CONFIG.items()
    }


def _computers(count: int, files: int, seed: int = 21) -> list[Computer]:
    pool = persona_pool_import(pool_name=f"conc-{seed}", source=PERSONAS, filename="p.jsonl").pool
    batch = computer_batch_create(
        pool=pool, count=count, target_files=files, seed=seed, enqueue=False
    )
    return list(batch.computers.select_related("persona").order_by("id"))


@pytest.mark.django_db
def test_files_overlap_within_the_computer_bound_and_after_their_dependencies(
    settings, slow_model, engine_log, monkeypatch
):
    settings.GENERATION_CONCURRENCY = 4
    real_write = artifacts.write_artifact

    def recording_write(path, kind, content, **kwargs):
        size = real_write(path, kind, content, **kwargs)
        engine_log.record("written", str(path))
        return size

    monkeypatch.setattr(artifacts, "write_artifact", recording_write)
    (computer,) = _computers(1, 30)
    progress: list[tuple[int, int]] = []
    computer_generate(
        computer=computer, on_progress=lambda c: progress.append((c.files_done, c.files_in_flight))
    )
    assert computer.state == "ready", computer.error
    assert 2 <= engine_log.max_in_flight() <= 4
    # a file is asked for only once every file it depends on is on disk
    key_of = {str(f.disk_path): f.key for f in computer.files.all()}
    written_before: set[str] = set()
    started = 0
    for event, name in engine_log.events:
        if event == "written":
            written_before.add(key_of[name])
        elif event == "start" and name in key_of.values():
            started += 1
            deps = FileEdge.objects.filter(computer=computer, source__key=name)
            assert set(deps.values_list("target__key", flat=True)) <= written_before, name
    assert started == computer.files.count() and computer.edges.exists()
    # progress reports files done and in flight, and ends with everything done
    assert any(in_flight > 1 for _, in_flight in progress)
    assert (computer.files_done, computer.files_in_flight) == (computer.files.count(), 0)


@pytest.mark.django_db(transaction=True)
def test_computers_generated_at_once_share_the_process_bound(settings, slow_model, engine_log):
    settings.GENERATION_CONCURRENCY = 4
    settings.GENERATION_MAX_IN_FLIGHT = 3
    computers = _computers(2, 15)

    def generate(computer):
        try:
            return computer_generate(computer=computer).state
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        states = list(pool.map(generate, computers))
    assert states == ["ready", "ready"], [c.error for c in computers]
    assert engine_log.max_in_flight() == 3


@pytest.mark.django_db
def test_a_failed_file_fails_the_job_and_leaves_nothing(settings, slow_model, monkeypatch):
    settings.GENERATION_CONCURRENCY = 6
    original = registry.STRUCTURED["DocumentContent"]
    failed: list[str] = []

    def broken_once(request):
        file = request.context["file"]
        if not failed or failed[0] == file["path"]:
            failed[:1] = [file["path"]]
            return {"summary": "no title, no blocks"}
        return original(request)

    monkeypatch.setitem(registry.STRUCTURED, "DocumentContent", broken_once)
    (computer,) = _computers(1, 25)
    computer_generate(computer=computer)
    computer.refresh_from_db()
    assert computer.state == "failed"
    assert computer.error.startswith("writing ") and failed[0] in computer.error
    assert "failed: the artifact model (offline engine)" in computer.error
    assert "did not return a valid DocumentContent" in computer.error
    assert computer.files_in_flight == 0
    # nothing half-written: no file on disk (the calls in flight finished first), none indexed
    assert not computer.root.exists()
    assert not computer.files.exists() and not computer.folders.exists()
    assert not [t for t in threading.enumerate() if t.name.startswith("graph-step")]
    # the calls are on record, the failed one with its reason
    assert LLMCall.objects.filter(computer_id=computer.pk, outcome="invalid").count() == 3
    assert LLMCall.objects.filter(computer_id=computer.pk, outcome="ok").count() > 5


@pytest.mark.django_db
def test_same_seed_same_files_whatever_order_calls_finish_in(settings, engine_log):
    (computer,) = _computers(1, 30)
    settings.GENERATION_CONCURRENCY = 1
    first = computer_generate(computer=computer)
    assert first.state == "ready", first.error
    files_first = dict(computer.files.values_list("path", "sha256"))
    order_first = engine_log.finished_files()

    # Again, eight at a time, each call held back by an amount that depends on its file.
    engine_log.events.clear()
    engine_log.delay = lambda name: hashlib.sha256(name.encode()).digest()[0] / 255 * 0.05
    settings.GENERATION_CONCURRENCY = 8
    again = computer_generate(computer=Computer.objects.get(pk=computer.pk))
    assert again.state == "ready", again.error
    assert engine_log.finished_files() != order_first
    assert sorted(engine_log.finished_files()) == sorted(order_first)
    assert dict(again.files.values_list("path", "sha256")) == files_first


@pytest.mark.django_db
def test_job_status_shows_files_in_flight(auth_client, user):
    (computer,) = _computers(1, 20)
    Computer.objects.filter(pk=computer.pk).update(
        state="running", stage="artifacts", files_done=7, files_total=20, files_in_flight=5
    )
    page = auth_client.get(reverse("studio-computer-status", args=[computer.pk]))
    assert "7 of 20 files, 5 in flight" in page.content.decode()
