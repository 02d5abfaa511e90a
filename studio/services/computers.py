"""Creating computers and queueing their generation."""

from __future__ import annotations

import random

from django.conf import settings
from django.db import transaction

from studio.models import Computer, GenerationBatch, Persona, PersonaPool


class ComputerRequestError(ValueError):
    pass


def _check_files(target_files: int) -> None:
    if not 5 <= target_files <= settings.COMPUTER_MAX_FILES:
        raise ComputerRequestError(
            f"files per computer must be between 5 and {settings.COMPUTER_MAX_FILES:,}"
        )


def _enqueue(computer_ids: list[int]) -> None:
    from studio.tasks import generate_computer

    def send() -> None:
        for computer_id in computer_ids:
            generate_computer.delay(computer_id)

    transaction.on_commit(send)


def computer_create(
    *,
    persona: Persona,
    created_by=None,
    target_files: int = 100,
    seed: int | None = None,
    enqueue: bool = True,
) -> Computer:
    _check_files(target_files)
    computer = Computer.objects.create(
        persona=persona,
        pool=persona.pool,
        created_by=created_by,
        target_files=target_files,
        seed=random.SystemRandom().randrange(2**40) if seed is None else seed,
    )
    if enqueue:
        _enqueue([computer.pk])
    return computer


def computer_batch_create(
    *,
    pool: PersonaPool,
    count: int,
    created_by=None,
    target_files: int = 100,
    seed: int | None = None,
    enqueue: bool = True,
) -> GenerationBatch:
    """``count`` computers from ``pool``: personas drawn without replacement while they last."""
    _check_files(target_files)
    if count < 1:
        raise ComputerRequestError("generate at least one computer")
    persona_ids = list(pool.personas.values_list("id", flat=True))
    if not persona_ids:
        raise ComputerRequestError(f"the pool {pool.name!r} has no personas")
    seed = random.SystemRandom().randrange(2**40) if seed is None else seed
    rng = random.Random(seed)
    with transaction.atomic():
        batch = GenerationBatch.objects.create(
            pool=pool, requested_by=created_by, count=count, target_files=target_files, seed=seed
        )
        picks: list[int] = []
        while len(picks) < count:
            round_ids = persona_ids[:]
            rng.shuffle(round_ids)
            picks.extend(round_ids[: count - len(picks)])
        computers = Computer.objects.bulk_create(
            Computer(
                persona_id=pid,
                pool=pool,
                batch=batch,
                created_by=created_by,
                target_files=target_files,
                seed=seed * 100_003 + index,
            )
            for index, pid in enumerate(picks)
        )
        if enqueue:
            _enqueue([c.pk for c in computers])
    return batch


def computer_retry(*, computer: Computer) -> Computer:
    if computer.state != Computer.State.FAILED:
        raise ComputerRequestError("only a failed computer can be retried")
    Computer.objects.filter(pk=computer.pk).update(
        state=Computer.State.QUEUED,
        stage="",
        error="",
        error_detail="",
        files_done=0,
        files_in_flight=0,
    )
    computer.refresh_from_db()
    _enqueue([computer.pk])
    return computer
