"""How generation asks the model for one step: its seed, its prompt, its share of the process's
model calls, and where the record of the call goes.

Generation runs its calls on worker threads; their LLMCall rows are collected in a
:class:`CallLog` and inserted by the thread that runs the job, so worker threads never open a
database connection of their own.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from django.conf import settings

from studio.llm import gateway
from studio.llm.prompts import load_prompt
from studio.models import Computer, LLMCall

_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _process_slots() -> threading.BoundedSemaphore:
    """The model calls every generation job of this process shares (keyed by the setting so a
    changed setting takes effect)."""
    limit = settings.GENERATION_MAX_IN_FLIGHT
    with _slots_lock:
        return _slots.setdefault(limit, threading.BoundedSemaphore(limit))


class CallLog:
    """The LLMCall rows of one computer's calls, appended by any thread, inserted by one."""

    def __init__(self, computer: Computer) -> None:
        self.rows: list[LLMCall] = []
        self.tags = gateway.CallTags(computer_id=computer.pk, ledger=self.rows)

    def save(self) -> None:
        # Only the job's thread removes rows, and only the ones it has counted: appends from
        # worker threads meanwhile stay for the next save.
        count = len(self.rows)
        if count:
            LLMCall.objects.bulk_create(self.rows[:count])
            del self.rows[:count]


def step_seed(computer: Computer, *parts: object) -> int:
    """A step's seed follows from the computer's seed and the step's identity alone, so
    a computer comes out the same whatever order its steps finish in."""
    raw = ":".join(str(p) for p in (computer.seed, computer.pk, *parts))
    return int.from_bytes(hashlib.sha256(raw.encode()).digest()[:6], "big")


def ask(
    computer: Computer,
    *,
    role: str,
    schema,
    prompt_name: str,
    context: dict[str, Any],
    log: CallLog,
    key: str = "",
    **kwargs,
):
    """One structured model call (with its re-asks) for a generation step."""
    prompt = load_prompt(prompt_name)
    seed = step_seed(computer, prompt_name, key)
    with _process_slots():
        return gateway.structured(
            role=role,
            schema=schema,
            system=prompt.system,
            prompt=prompt.instruction,
            context={**context, "seed": seed},
            seed=seed,
            tags=log.tags,
            **kwargs,
        )
