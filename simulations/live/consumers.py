"""The live socket of one simulation: authorise, subscribe, replay, forward.

Protocol (JSON text frames; see README: Live)::

    connect   /ws/simulations/<id>/?last_seq=N     (N omitted: no replay, live only)
    server -> {"type": "status", "status": {...}, "objectives": [...]}      first, always
    server -> {"type": "turn", "turn": {...}}                               each turn seq > N, in order
    server -> {"type": "replay", "after": N, "upto": M, "more": false}      end of a replay
    server -> {"type": "turn", "turn": {...}, "status": {...}, "objectives"?: [...]}   live
    server -> {"type": "status", "status": {...}, "objectives": [...]}     state changes
    client -> {"type": "backfill", "after": X}      replay turns seq > X (then a "replay" marker)
    client -> {"type": "ping"}                      server -> {"type": "pong"}
    server -> {"type": "error", "error": "..."}     a frame it cannot act on; the socket stays open

Client frames are JSON text of at most LIVE_MAX_FRAME_BYTES; a frame that is binary, larger,
not JSON or nested too deeply gets an error answer, never a dropped connection.

A replay sends at most REPLAY_LIMIT turns, read in pages; ``more: true`` says the client must
ask again (flow control for a client that slept through thousands of turns). The consumer
does not forward a live turn it has already sent on this connection (a replay and the
broadcast of the same turn can cross); the client drops duplicates across reconnects and asks
for a backfill when it sees a gap (channels-redis drops messages to a channel over capacity —
the database is the record, the socket only a hint). While open, the socket is registered as
a watcher (``presence``): the broadcaster builds messages only for watched simulations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from simulations import access, broadcast, presence
from simulations.live import payloads
from simulations.live import selectors as live_selectors

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403  # refused before the handshake: the browser sees a 403


def _seq(value) -> int | None:
    try:
        seq = int(value)
    except (TypeError, ValueError):
        return None
    return seq if 0 <= seq <= 2**31 else None


class SimulationLiveConsumer(AsyncJsonWebsocketConsumer):
    simulation_id: int
    group: str
    sent_upto: int  # the highest seq this connection has sent

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.simulation_id = int(self.scope["url_route"]["kwargs"]["simulation_id"])
        self.group = ""
        self._renewer: asyncio.Task | None = None
        visible = await database_sync_to_async(access.simulation_visible)(
            user=user, pk=self.simulation_id
        )
        if not visible:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Join (and say we watch) before reading the database: a turn committed from now on
        # reaches this connection live, and every earlier one is in the rows the replay reads.
        self.group = broadcast.group_name(self.simulation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self._watch()
        self._renewer = asyncio.ensure_future(self._renew())
        await self.accept()
        self.sent_upto = 0
        await self._send_status()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        last_seq = _seq((query.get("last_seq") or [None])[0])
        if last_seq is not None:
            await self._replay(after=last_seq)

    async def disconnect(self, code) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            with contextlib.suppress(Exception):
                await sync_to_async(presence.unwatch, thread_sensitive=False)(
                    self.simulation_id, self.channel_name
                )

    async def _watch(self) -> None:
        try:
            await sync_to_async(presence.watch, thread_sensitive=False)(
                self.simulation_id, self.channel_name
            )
        except Exception:  # noqa: BLE001 - the next renewal tries again; replay still works
            log.warning("cannot register a watcher of simulation %s", self.simulation_id)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(presence.RENEW_SECONDS)
            await self._watch()

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Replaces the base class's decoding, which lets a bad frame end the connection.
        if text_data is None:
            await self._error("send JSON text frames, not binary ones")
            return
        size = len(text_data.encode())
        if size > settings.LIVE_MAX_FRAME_BYTES:
            await self._error(
                f"a frame of {size:,} bytes is over the limit of "
                f"{settings.LIVE_MAX_FRAME_BYTES:,} bytes"
            )
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error("the frame is not JSON this server can read")
            return
        await self.receive_json(content)

    async def _error(self, text: str) -> None:
        await self.send_json({"type": "error", "error": text})

    async def receive_json(self, content, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "backfill":
            after = _seq(content.get("after"))
            if after is None:
                await self._error("backfill needs 'after', a seq >= 0")
                return
            await self._replay(after=after)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error(f"unknown message type {kind!r}")

    async def live_message(self, event) -> None:
        """A message from broadcast: forward it, minus a turn this connection already sent."""
        message = dict(event["message"])
        if message.get("type") == "turn":
            seq = message["turn"]["seq"]
            if seq <= self.sent_upto:
                extra = {k: message[k] for k in ("status", "objectives") if k in message}
                if "status" not in extra:
                    return
                message = payloads.status_message(extra.pop("status")) | extra
            else:
                self.sent_upto = seq
        await self.send_json(message)

    async def _send_status(self) -> None:
        status = await database_sync_to_async(live_selectors.simulation_status)(
            simulation_id=self.simulation_id
        )
        objectives = await database_sync_to_async(live_selectors.simulation_objectives)(
            simulation_id=self.simulation_id
        )
        if status is not None:
            await self.send_json(payloads.status_message(status) | {"objectives": objectives})

    async def _replay(self, *, after: int) -> None:
        """Send turns seq > after from the database, a page at a time, up to REPLAY_LIMIT."""
        page_of = database_sync_to_async(live_selectors.turn_page_after)
        cursor, sent, more = after, 0, False
        while True:
            want = min(live_selectors.PAGE, live_selectors.REPLAY_LIMIT - sent)
            page = await page_of(simulation_id=self.simulation_id, after=cursor, limit=want)
            for turn in page:
                await self.send_json(payloads.turn_message(turn))
                cursor = turn["seq"]
            sent += len(page)
            self.sent_upto = max(self.sent_upto, cursor)
            if len(page) < want:
                break
            if sent >= live_selectors.REPLAY_LIMIT:
                more = await database_sync_to_async(live_selectors.turns_exist_after)(
                    simulation_id=self.simulation_id, after=cursor
                )
                break
        await self.send_json(payloads.replay_message(after=after, upto=cursor, more=more))
