"""Persona -> profile -> filesystem policy -> file plan -> artifacts on disk -> DB index.

The stages follow the paper. Every model call goes through the gateway with a pydantic
contract; everything the model proposes (paths, keys, edges) is checked before use. A
computer's files are written concurrently along their dependency graph (a file starts once
the files it builds on are written), so wall time follows the graph's depth, not its size.
"""

from __future__ import annotations

import logging
import shutil
import time
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from studio.generation import schemas as s
from studio.generation.artifacts import Written, write_one
from studio.generation.graph_runner import run_along_graph
from studio.generation.model_calls import CallLog, ask
from studio.generation.planning import (
    PLAN_ROUNDS,
    GenerationError,
    PlanItem,
    aware,
    dependency_order,
    plan_files,
)
from studio.llm import bodies, gateway
from studio.models import Computer, ComputerFile, FileEdge, Folder
from studio.paths import PathEscapeError
from studio.services.index import computer_stats, folder_rows

logger = logging.getLogger(__name__)

# The model round trips before the first file can start: profile, policy, outline, plan rounds.
STAGES_BEFORE_FILES = 3 + PLAN_ROUNDS
_PROGRESS_SECONDS = 1.0  # how often the job's row is updated while files are written


def _profile(computer: Computer, log: CallLog) -> s.Profile:
    persona = computer.persona
    return ask(
        computer,
        role="persona",
        schema=s.Profile,
        prompt_name="profile",
        context={"persona": persona.text, "attributes": persona.attributes},
        log=log,
    )


def _policy(computer: Computer, profile: s.Profile, log: CallLog) -> s.FilesystemPolicy:
    return ask(
        computer,
        role="blueprint",
        schema=s.FilesystemPolicy,
        prompt_name="policy",
        context={"profile": profile.model_dump(mode="json")},
        log=log,
    )


def _progress(computer: Computer, **fields) -> None:
    Computer.objects.filter(pk=computer.pk).update(**fields)
    for name, value in fields.items():
        setattr(computer, name, value)


def _index(computer: Computer, profile, done: list[Written]) -> None:
    rows = []
    for w in done:
        f = w.item.file
        rows.append(
            ComputerFile(
                computer=computer,
                key=f.key,
                scope=ComputerFile.Scope.COLLABORATOR if w.item.owner else ComputerFile.Scope.HOME,
                owner=w.item.owner,
                path=f.path,
                folder=f.path.rpartition("/")[0],
                name=f.path.rpartition("/")[2],
                kind=f.kind,
                title=f.title[:500],
                project=f.project[:200],
                size=w.size,
                sha256=w.sha256,
                mtime=aware(f.date),
                summary=w.summary,
                facts=w.facts,
                planted_error=f.planted_error,
                text=w.text,
                depth=f.path.count("/") + 1,
            )
        )
    with transaction.atomic():
        ComputerFile.objects.bulk_create(rows, batch_size=500)
        ids = dict(ComputerFile.objects.filter(computer=computer).values_list("key", "id"))
        edges = [
            FileEdge(
                computer=computer,
                source_id=ids[w.item.key],
                target_id=ids[d.key],
                relation=d.relation,
            )
            for w in done
            for d in w.item.file.depends_on
            if d.key in ids
        ]
        FileEdge.objects.bulk_create(edges, batch_size=1000, ignore_conflicts=True)
        folders = folder_rows(computer=computer, paths=(r.path for r in rows if r.scope == "home"))
        Folder.objects.bulk_create(folders, batch_size=1000)
        _progress(
            computer,
            state=Computer.State.READY,
            stage="ready",
            stats=computer_stats(rows=rows, edges=len(edges), folders=len(folders)),
            finished_at=timezone.now(),
            error="",
            error_detail="",
        )


def _reset(computer: Computer) -> None:
    """Start from nothing: a retried or redelivered job must not see a half-built computer
    (nor, as bases of its requests, an earlier attempt's ones the retention has emptied)."""
    bodies.recheck(computer_id=computer.pk)
    computer.files.all().delete()
    computer.folders.all().delete()
    if computer.root.exists():
        shutil.rmtree(computer.root)


def _write_files(
    computer: Computer,
    profile: s.Profile,
    order: list[PlanItem],
    *,
    log: CallLog,
    on_progress: Callable[[Computer], None] | None,
) -> dict[str, Written]:
    """Every planned file, each started once the files it depends on are written."""
    by_key = {i.key: i for i in order}
    written: dict[str, Written] = {}
    last_saved = 0.0

    def work(key: str) -> Written:
        item = by_key[key]
        try:
            return write_one(
                computer, item, profile=profile, by_key=by_key, written=written, log=log
            )
        except (gateway.LLMError, PathEscapeError, OSError) as exc:
            where = f"{item.owner}'s {item.file.path}" if item.owner else item.file.path
            raise GenerationError(f"writing {where} failed: {exc}") from exc

    def done(key: str, result: Written) -> None:
        written[key] = result  # before the files that depend on it can start
        log.save()

    def progress(files_done: int, in_flight: int) -> None:
        nonlocal last_saved
        computer.files_done, computer.files_in_flight = files_done, in_flight
        if time.monotonic() - last_saved >= _PROGRESS_SECONDS or files_done == len(order):
            last_saved = time.monotonic()
            Computer.objects.filter(pk=computer.pk).update(
                files_done=files_done, files_in_flight=in_flight
            )
        if on_progress:
            on_progress(computer)

    run_along_graph(
        depends_on={i.key: [d.key for d in i.file.depends_on] for i in order},
        work=work,
        limit=settings.GENERATION_CONCURRENCY,
        on_done=done,
        on_progress=progress,
    )
    return written


def computer_generate(
    *, computer: Computer, on_progress: Callable[[Computer], None] | None = None
) -> Computer:
    """Build ``computer`` on disk and index it. On failure the computer is marked failed with
    a readable reason, nothing of it is left on disk or in the index, and the exception is not
    raised further."""
    log = CallLog(computer)

    def report(stage: str, **extra) -> None:
        _progress(computer, stage=stage[:64], **extra)
        if on_progress:
            on_progress(computer)

    try:
        _reset(computer)
        report(
            "profile",
            state=Computer.State.RUNNING,
            started_at=timezone.now(),
            files_done=0,
            files_in_flight=0,
            files_total=0,
            attempts=computer.attempts + 1,
            llm_backend=gateway.backend_label("artifact"),
        )
        profile = _profile(computer, log)
        _progress(
            computer,
            profile=profile.model_dump(mode="json"),
            display_name=profile.full_name,
            job_title=profile.job_title,
            employer=profile.employer,
            industry=profile.industry,
        )
        report("filesystem policy")
        policy = _policy(computer, profile, log)
        _progress(computer, policy=policy.model_dump(mode="json"))
        report("file plan")
        order = dependency_order(plan_files(computer, profile, policy, log=log).items)
        report("artifacts", files_total=len(order))
        written = _write_files(computer, profile, order, log=log, on_progress=on_progress)
        report("indexing", files_in_flight=0)
        _index(computer, profile, [written[i.key] for i in order])
        if on_progress:
            on_progress(computer)
    except (gateway.LLMError, GenerationError, PathEscapeError, OSError) as exc:
        _fail(computer, str(exc))
    except Exception as exc:  # noqa: BLE001 — any bug must end as a failed job, not a stuck one
        logger.exception("computer %s generation crashed", computer.pk)
        _fail(computer, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        log.save()
    return computer


def _fail(computer: Computer, reason: str) -> None:
    """By now no file is being written (a failed step stops the others first)."""
    shutil.rmtree(computer.root, ignore_errors=True)
    _progress(
        computer,
        state=Computer.State.FAILED,
        files_in_flight=0,
        error=reason[:2000],
        error_detail=traceback.format_exc()[-8000:],
        finished_at=timezone.now(),
    )
