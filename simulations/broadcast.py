"""The one module that touches the channel layer.

Called from ``transaction.on_commit`` after a turn or a state change commits; sends what the
live page shows to the group of the simulation. The database is the record and the socket
only a hint: a failed or dropped send costs a client nothing but a backfill, so errors here
are logged and never raised into the engine.

Only simulations someone watches get messages (``presence``): the others' items are
dropped before anything is built.

The engine does not wait for the hint: ``turn_committed`` and ``simulation_changed`` put the
committed object on a queue and return. One daemon thread per process drains the queue in
batches: it builds the batch's messages with a few queries however many turns it holds (on
its own connection, so it reads only committed rows), then sends them through its own event
loop, which keeps the channel layer's Redis connections across sends (``async_to_sync`` would
start a loop, a thread and a connection for every send). Messages of one simulation go out
one after another in commit order; different simulations' go out concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sys
import threading
import time
from typing import Any

from channels.layers import get_channel_layer

from simulations import payloads, presence

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
QUEUE_SIZE = 10_000  # past this, hints are dropped (clients backfill)
BATCH = 200  # queued items built with one set of queries
IDLE_SECONDS = 0.5  # the sender's DB connection is closed after this long without work
MESSAGE_TYPE = "live.message"  # the consumer's handler: SimulationLiveConsumer.live_message


def group_name(simulation_id: int) -> str:
    return f"simulation-{simulation_id}"


class _Sender:
    """A queue and the daemon thread that drains it; recreated after a fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.Queue | None = None
        self._pid = 0

    def submit(self, item: tuple[str, Any]) -> bool:
        with self._lock:
            if self._queue is None or self._pid != os.getpid():
                self._queue, self._pid = queue.Queue(QUEUE_SIZE), os.getpid()
                threading.Thread(
                    target=self._run, args=(self._queue,), name="live-broadcast", daemon=True
                ).start()
            pending = self._queue
        try:
            pending.put_nowait(item)
        except queue.Full:
            log.warning("live broadcast queue full: dropping a %s hint", item[0])
            return False
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted message was sent (or failed). For tests and benches."""
        pending = self._queue
        deadline = time.monotonic() + timeout
        while pending is not None and pending.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def _run(self, pending: queue.Queue) -> None:
        from django.db import connection

        loop = _new_loop()
        while True:
            try:
                batch = [pending.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                connection.close()  # never hold a connection (or a test database) while idle
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(pending.get_nowait())
                except queue.Empty:
                    break
            try:
                watched = presence.watched(_simulation_of(item) for item in batch)
                wanted = [item for item in batch if _simulation_of(item) in watched]
                if wanted:
                    _run_on(loop, _send_all(build_messages(wanted)))
            except Exception:  # noqa: BLE001 - the socket is a hint; the DB has the record
                log.warning("live broadcast of %d message(s) failed", len(batch), exc_info=True)
                connection.close()
            finally:
                for _ in batch:
                    pending.task_done()


_sender = _Sender()


def _gevent_monkey():
    monkey = sys.modules.get("gevent.monkey")
    return monkey if monkey is not None and monkey.is_module_patched("threading") else None


def _new_loop() -> asyncio.AbstractEventLoop:
    monkey = _gevent_monkey()
    if monkey is None:
        return asyncio.new_event_loop()
    # gevent's selector waits on the hub of the greenlet's thread; the loop runs in a native
    # thread (see _run_on), where the platform's own selector (epoll on Linux) is what works.
    return asyncio.SelectorEventLoop(monkey.get_original("selectors", "DefaultSelector")())


def _run_on(loop: asyncio.AbstractEventLoop, coroutine) -> None:
    """Run ``coroutine`` to completion on the sender's own loop.

    In a gevent worker (simulations) the loop runs in a native thread of gevent's pool: asyncio
    marks a loop as running per OS thread, which every greenlet shares, and Django keeps
    database connections apart by it (a thread with a running loop gets other connections),
    so a loop waiting on Redis in a greenlet would hand every other greenlet a different
    connection mid-transaction."""
    if _gevent_monkey() is None:
        loop.run_until_complete(coroutine)
    else:
        from gevent import get_hub

        get_hub().threadpool.apply(loop.run_until_complete, (coroutine,))


def _simulation_of(item: tuple[str, Any]) -> int:
    kind, subject = item
    return subject.simulation_id if kind == "turn" else subject


def build_messages(items: list[tuple[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The messages for queued ("turn", Turn) and ("simulation", id) items, in their order.

    A turn sends itself, the header's figures (read now: they may be a few turns ahead,
    never behind) and, when it may have moved an objective or deliverable, the objectives.
    A state change sends the figures and the objectives (a finished run has its scores)."""
    from simulations import selectors_live

    turns = [subject for kind, subject in items if kind == "turn"]
    built = dict(zip(map(id, turns), selectors_live.turn_payloads_for(turns=turns), strict=True))
    simulation_ids = {t.simulation_id for t in turns}
    simulation_ids |= {subject for kind, subject in items if kind == "simulation"}
    statuses = selectors_live.simulation_statuses(simulation_ids=simulation_ids)
    objectives: dict[int, list] = {}

    def objectives_of(simulation_id: int) -> list:
        if simulation_id not in objectives:
            objectives[simulation_id] = selectors_live.simulation_objectives(
                simulation_id=simulation_id
            )
        return objectives[simulation_id]

    messages = []
    for kind, subject in items:
        if kind == "turn":
            simulation_id = subject.simulation_id
            message = payloads.turn_message(built[id(subject)])
            if simulation_id in statuses:
                message["status"] = statuses[simulation_id]
            if subject.action in payloads.OBJECTIVE_ACTIONS:
                message["objectives"] = objectives_of(simulation_id)
        else:
            simulation_id = subject
            if simulation_id not in statuses:
                continue  # deleted since
            message = payloads.status_message(statuses[simulation_id])
            message["objectives"] = objectives_of(simulation_id)
        messages.append((simulation_id, message))
    return messages


async def _send_all(messages: list[tuple[int, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    by_simulation: dict[int, list[dict[str, Any]]] = {}
    for simulation_id, message in messages:
        by_simulation.setdefault(simulation_id, []).append(message)

    async def send_in_order(simulation_id: int, queued: list[dict[str, Any]]) -> None:
        group = group_name(simulation_id)
        for message in queued:
            envelope = {"type": MESSAGE_TYPE, "simulation": simulation_id, "message": message}
            try:
                await asyncio.wait_for(layer.group_send(group, envelope), SEND_TIMEOUT)
            except Exception:  # noqa: BLE001
                log.warning("broadcast to %s failed", group, exc_info=True)

    await asyncio.gather(*(send_in_order(s, queued) for s, queued in by_simulation.items()))


def flush(timeout: float = 10.0) -> bool:
    return _sender.flush(timeout)


def turn_committed(turn) -> bool:
    """After a turn's commit: queue its message (built and sent on the sender thread)."""
    return _sender.submit(("turn", turn))


def simulation_changed(simulation) -> bool:
    """After a state change's commit (a Simulation or its id)."""
    simulation_id = simulation if isinstance(simulation, int) else simulation.pk
    return _sender.submit(("simulation", simulation_id))
