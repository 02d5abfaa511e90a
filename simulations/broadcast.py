"""The one module that touches the channel layer.

Called from ``transaction.on_commit`` after a turn or a state change commits; sends what the
live page shows to the group of the simulation with ``async_to_sync(group_send)``. The
database is the record and the socket only a hint: a failed or dropped send costs a client
nothing but a backfill, so errors here are logged and never raised into the engine.

Only simulations someone watches get messages (``presence``): for the others nothing is
built or sent.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from simulations import presence
from simulations.live import payloads

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
MESSAGE_TYPE = "live.message"  # the consumer's handler: SimulationLiveConsumer.live_message


def group_name(simulation_id: int) -> str:
    return f"simulation-{simulation_id}"


def turn_message(turn) -> dict[str, Any]:
    """A turn, the header's figures (read now: they may be a few turns ahead, never behind)
    and, when the turn may have moved an objective or deliverable, the objectives."""
    from simulations.live import selectors as live_selectors

    (built,) = live_selectors.turn_payloads_for(turns=[turn])
    message = payloads.turn_message(built)
    status = live_selectors.simulation_status(simulation_id=turn.simulation_id)
    if status is not None:
        message["status"] = status
    if turn.action in payloads.OBJECTIVE_ACTIONS:
        message["objectives"] = live_selectors.simulation_objectives(
            simulation_id=turn.simulation_id
        )
    return message


def status_message(simulation_id: int) -> dict[str, Any] | None:
    """The figures and the objectives (a finished run has its scores); None once deleted."""
    from simulations.live import selectors as live_selectors

    status = live_selectors.simulation_status(simulation_id=simulation_id)
    if status is None:
        return None
    message = payloads.status_message(status)
    message["objectives"] = live_selectors.simulation_objectives(simulation_id=simulation_id)
    return message


def turn_committed(turn) -> bool:
    """After a turn's commit: send it to its simulation's watchers, if any."""
    if not presence.watched([turn.simulation_id]):
        return False
    return _send(turn.simulation_id, lambda: turn_message(turn))


def simulation_changed(simulation) -> bool:
    """After a state change's commit (a Simulation or its id)."""
    simulation_id = simulation if isinstance(simulation, int) else simulation.pk
    if not presence.watched([simulation_id]):
        return False
    return _send(simulation_id, lambda: status_message(simulation_id))


def _send(simulation_id: int, build: Callable[[], dict[str, Any] | None]) -> bool:
    group = group_name(simulation_id)
    try:
        message = build()
        layer = get_channel_layer()
        if message is None or layer is None:
            return False
        envelope = {"type": MESSAGE_TYPE, "simulation": simulation_id, "message": message}
        _outside_greenlets(async_to_sync(_group_send), layer, group, envelope)
    except Exception:  # noqa: BLE001 - the socket is a hint; the DB has the record
        log.warning("broadcast to %s failed", group, exc_info=True)
        return False
    return True


async def _group_send(layer, group: str, envelope: dict[str, Any]) -> None:
    await asyncio.wait_for(layer.group_send(group, envelope), SEND_TIMEOUT)


def _outside_greenlets(function, *args) -> None:
    """Call ``function`` here, or in a native thread under gevent (the simulation workers'
    pool on PostgreSQL): asyncio marks a loop as running per OS thread, which all greenlets
    share, so async_to_sync's loop in a greenlet would make Django refuse or swap the other
    greenlets' database connections while it waits on Redis."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        function(*args)
        return
    from gevent import get_hub

    get_hub().threadpool.apply(function, args)
