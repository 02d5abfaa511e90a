"""The one module that touches the channel layer.

Called from ``transaction.on_commit`` after a turn or a state change commits; sends what the
live page shows to the group of the simulation. The database is the record and the socket
only a hint: a failed or dropped send costs a client nothing but a backfill, so errors here
are logged and never raised into the engine.

Sends go through one event loop per process, on a daemon thread, so the channel layer keeps
its Redis connections across turns (``async_to_sync`` would start a loop, a thread and a
connection for every send). The caller waits for its send, which keeps a simulation's turns
in commit order on the wire.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from channels.layers import get_channel_layer

from simulations import payloads

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
MESSAGE_TYPE = "live.message"  # the consumer's handler: SimulationLiveConsumer.live_message


def group_name(simulation_id: int) -> str:
    return f"simulation-{simulation_id}"


class _Loop:
    """A private event loop on a daemon thread; recreated after a fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="live-broadcast", daemon=True
                ).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop


_loop = _Loop()


def _send(simulation_id: int, message: dict[str, Any]) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    envelope = {"type": MESSAGE_TYPE, "simulation": simulation_id, "message": message}
    future = asyncio.run_coroutine_threadsafe(
        layer.group_send(group_name(simulation_id), envelope), _loop.get()
    )
    try:
        future.result(SEND_TIMEOUT)
    except FutureTimeout:
        future.cancel()
        log.warning("broadcast to %s timed out", group_name(simulation_id))
        return False
    except Exception:  # noqa: BLE001 - the socket is a hint; the DB already has the record
        log.warning("broadcast to %s failed", group_name(simulation_id), exc_info=True)
        return False
    return True


def turn_message(turn) -> dict[str, Any]:
    """What a committed turn sends: the turn, the header's figures after it and, when the turn
    may have moved an objective or deliverable, the objectives."""
    from simulations import selectors_live

    [payload] = selectors_live.turn_payloads_for(simulation_id=turn.simulation_id, turns=[turn])
    message = payloads.turn_message(payload)
    status = selectors_live.simulation_status(simulation_id=turn.simulation_id)
    if status is not None:
        message["status"] = status
    if turn.action in payloads.OBJECTIVE_ACTIONS:
        message["objectives"] = selectors_live.simulation_objectives(
            simulation_id=turn.simulation_id
        )
    return message


def simulation_message(simulation_id: int) -> dict[str, Any] | None:
    """What a state change sends: the header's figures and the objectives (a finished run has
    its judge's scores)."""
    from simulations import selectors_live

    status = selectors_live.simulation_status(simulation_id=simulation_id)
    if status is None:
        return None
    message = payloads.status_message(status)
    message["objectives"] = selectors_live.simulation_objectives(simulation_id=simulation_id)
    return message


def turn_committed(turn) -> bool:
    try:
        message = turn_message(turn)
    except Exception:  # noqa: BLE001 - never fail the engine for a hint
        log.warning("could not build the live message of turn %s", turn.pk, exc_info=True)
        return False
    return _send(turn.simulation_id, message)


def simulation_changed(simulation) -> bool:
    simulation_id = simulation if isinstance(simulation, int) else simulation.pk
    try:
        message = simulation_message(simulation_id)
    except Exception:  # noqa: BLE001
        log.warning(
            "could not build the live message of simulation %s", simulation_id, exc_info=True
        )
        return False
    return message is not None and _send(simulation_id, message)
