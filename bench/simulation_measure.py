"""What bench/simulation.py measures with: thread CPU inside engine functions, CPU of
processes and of the whole box read from /proc, the gaps between a run's model turns, and a
yardstick of this box's speed now."""

from __future__ import annotations

import json
import os
import time


class Meter:
    """Thread CPU spent inside a few functions of the engine thread (none nested in another)."""

    def __init__(self):
        from simulations.engine import tools, worker_prompt
        from simulations.services import runs
        from studio.llm import gateway

        self.cpu: dict[str, float] = {}
        self._undo = []
        for owner, name, label in (
            (gateway, "_create", "model calls: openai client + offline engine"),
            (gateway._Call, "record", "model call records (LLMCall rows)"),
            (tools, "run_tool", "tools (files, office formats, search)"),
            (runs, "turn_commit", "turn commits (a transaction each) + apply"),
            (worker_prompt, "worker_messages", "building the worker's prompt"),
        ):
            self._wrap(owner, name, label)

    def _wrap(self, owner, name, label):
        real = getattr(owner, name)
        self.cpu[label] = 0.0

        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.cpu[label] += time.thread_time() - started

        setattr(owner, name, timed)
        self._undo.append((owner, name, real))

    def stop(self):
        for owner, name, real in self._undo:
            setattr(owner, name, real)


def turn_gaps(ids, *, since) -> list[float]:
    """Wall seconds from each model turn to the same simulation's next one, sorted."""
    from simulations.models import Turn

    gaps, last = [], {}
    for sim_id, created in (
        Turn.objects.filter(simulation_id__in=ids, llm_call_id__isnull=False, created_at__gte=since)
        .order_by("simulation_id", "seq")
        .values_list("simulation_id", "created_at")
    ):
        if sim_id in last:
            gaps.append((created - last[sim_id]).total_seconds())
        last[sim_id] = created
    return sorted(gaps)


def box_cpu() -> float:
    """CPU seconds the whole machine spent busy since boot (user + nice + system + irq)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:8]]
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    return busy / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> float:
    """CPU seconds spent so far by the local PostgreSQL backends serving ``database``."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            if not command.startswith("postgres: ") or f" {database} " not in command:
                continue
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children_cpu(procs) -> float | None:
    total = 0.0
    try:
        for proc in procs:
            with open(f"/proc/{proc.pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None
    return total


def yardstick() -> float:
    """CPU ms of a fixed piece of the work a turn does (JSON, text, hashing), best of five."""
    import hashlib

    body = {"messages": [{"role": "user", "content": f"line {i} " * 40} for i in range(60)]}
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(80):
            text = json.dumps(body)
            json.loads(text)
            hashlib.sha256(text.encode()).hexdigest()
            " ".join(sorted(set(text.split())))
        best = min(best, time.process_time() - start)
    return 1000 * best
