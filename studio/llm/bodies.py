"""Model call bodies: the one path that writes them and the one that reads them back.

The format is :mod:`studio.llm.body_codec`'s. Deltas are computed at insert (LLMCall's manager
and save() call :func:`write`) against this process's committed recent requests of the same
chain (run or computer, role, schema); a snapshot every ``DEPTH`` requests (or when a delta is
not clearly smaller) bounds a read to ``DEPTH`` deltas in one query. Retention only empties runs
finished long ago, and a run or generation that starts again calls :func:`recheck`: its next
write checks its bases once.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from django.db import transaction
from django.db.models import Q, QuerySet

from studio.llm.body_codec import (
    Delta,
    Recent,
    dumps,
    encode,
    pack_response,
    unpack,
    unpack_response,
)

if TYPE_CHECKING:
    from studio.models import LLMCall

CANDIDATES = 3  # recent requests per chain a new one may be a delta of (collaborators alternate)
CACHE_BYTES = 64 << 20  # this process's recent requests, least recently used chains dropped
_READ_CHUNK = 2_000


class _RecentRequests:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: OrderedDict[tuple, list[Recent]] = OrderedDict()
        self._doubtful: set[tuple] = set()  # chains whose requests may have lost their bodies
        self._bytes = 0

    def get(self, chain: tuple) -> tuple[list[Recent], bool]:
        """The chain's recent requests, and whether they must be checked before use."""
        with self._lock:
            if chain in self._chains:
                self._chains.move_to_end(chain)
            return list(self._chains.get(chain, ())), chain in self._doubtful

    def doubt(self, matches: Callable[[tuple], bool]) -> None:
        with self._lock:
            self._doubtful.update(chain for chain in self._chains if matches(chain))

    def confirm(self, chain: tuple, checked: Iterable[int], alive: set[int]) -> None:
        """Of the chain's requests, ``checked`` were looked up and only ``alive`` still hold
        their bodies."""
        gone = set(checked) - alive
        with self._lock:
            self._doubtful.discard(chain)
            if chain in self._chains:
                kept = self._chains[chain]
                self._bytes -= sum(len(r.text) for r in kept if r.pk in gone)
                kept[:] = [r for r in kept if r.pk not in gone]

    def add(self, chain: tuple, recent: Recent) -> None:
        with self._lock:
            kept = self._chains.setdefault(chain, [])
            self._chains.move_to_end(chain)
            kept.append(recent)
            self._bytes += len(recent.text)
            if len(kept) > CANDIDATES:
                self._bytes -= len(kept.pop(0).text)
            while self._bytes > CACHE_BYTES and len(self._chains) > 1:
                oldest, dropped = self._chains.popitem(last=False)
                self._doubtful.discard(oldest)
                self._bytes -= sum(len(r.text) for r in dropped)

    def clear(self) -> None:
        with self._lock:
            self._chains.clear()
            self._doubtful.clear()
            self._bytes = 0


recent_requests = _RecentRequests()


def _chain(call: LLMCall) -> tuple:
    return (call.simulation_id, call.computer_id, call.role, call.schema)


def recheck(*, simulation_id: int | None = None, computer_id: int | None = None) -> None:
    """A run (or, with ``computer_id`` alone, a computer's generation; with neither, all)
    starts again in this process: since its last insert here it may have finished and had its
    bodies dropped, so its next write checks its cached requests first."""
    if simulation_id is not None:
        recent_requests.doubt(lambda chain: chain[0] == simulation_id)
    elif computer_id is not None:
        recent_requests.doubt(lambda chain: chain[0] is None and chain[1] == computer_id)
    else:
        recent_requests.doubt(lambda chain: True)


def _bases(chains: Iterable[tuple]) -> dict[tuple, list[Recent]]:
    """The cached requests of ``chains`` a new request may be a delta of: one query, only for
    the chains :func:`recheck` put in doubt, drops those that lost their bodies."""
    from studio.models import LLMCall

    cached = {chain: recent_requests.get(chain) for chain in chains}
    checked = [r.pk for kept, doubtful in cached.values() if doubtful for r in kept]
    alive = set(
        LLMCall.objects.filter(pk__in=checked, request_body__isnull=False).values_list(
            "pk", flat=True
        )
        if checked
        else ()
    )
    bases = {}
    for chain, (kept, doubtful) in cached.items():
        if doubtful:
            recent_requests.confirm(chain, (r.pk for r in kept), alive)
            kept = [r for r in kept if r.pk in alive]
        bases[chain] = kept
    return bases


# -- writing ------------------------------------------------------------------------------------


def set_body(call: LLMCall, part: str, value: Any) -> None:
    """Give an unsaved call its request or response (serialized now: as it stands when sent)."""
    if not call._state.adding:
        raise ValueError("a call's bodies are written with the call")
    for other in ("request", "response"):
        if not hasattr(call, f"_{other}_text"):
            setattr(call, f"_{other}_text", None)
    setattr(call, f"_{part}_text", None if value is None else dumps(value))


def write(calls: Sequence[LLMCall]) -> None:
    """Fill the body columns of ``calls`` (about to be inserted, in order)."""
    pending = [c for c in calls if getattr(c, "_request_text", None) is not None]
    for call in calls:
        if getattr(call, "_response_text", None) is not None:
            call.response_body = pack_response(call._response_text, call._request_text)
    bases = _bases({_chain(c) for c in pending})
    for call in pending:
        base, delta, body = encode(call._request_text, bases[_chain(call)])
        call.request_body = body
        if base is None:
            call.request_base = call.request_root = None
            call.request_prefix = call.request_suffix = call._request_depth = 0
        else:
            call.request_base, call.request_root, call._request_depth = (
                base.pk,
                base.root,
                base.depth + 1,
            )
            call.request_prefix, call.request_suffix = delta.prefix, delta.suffix


def written(calls: Sequence[LLMCall]) -> None:
    """Once ``calls`` are inserted and committed, later requests of their chains may be deltas
    of theirs (a rolled back insert never becomes a base: its ids may be used again)."""
    done = [
        (_chain(c), Recent(c.pk, c._request_text, c._request_depth, c.request_root or c.pk))
        for c in calls
        if c.pk is not None and getattr(c, "_request_text", None) is not None
    ]
    if done:
        transaction.on_commit(lambda: [recent_requests.add(*entry) for entry in done])


# -- reading ------------------------------------------------------------------------------------


class _Rows:
    """The stored requests of some delta chains, rebuilt on demand (recent ones remembered)."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.rows = {pk: (base, prefix, suffix, body) for pk, base, prefix, suffix, body in rows}
        self.texts: OrderedDict[int, bytes] = OrderedDict()

    def text(self, pk: int) -> bytes | None:
        path = []
        while pk not in self.texts:
            row = self.rows.get(pk)
            if row is None or row[3] is None:
                return None  # its base is gone (bodies removed)
            path.append(pk)
            if row[0] is None:
                self.texts[pk] = unpack(row[3])
                path.pop()
                break
            pk = row[0]
        text = self.texts[pk]
        for step in reversed(path):
            base, prefix, suffix, body = self.rows[step]
            text = Delta.unpack(text, prefix, suffix, bytes(body)).apply(text)
            self._keep(step, text)
        return text

    def _keep(self, pk: int, text: bytes) -> None:
        self.texts[pk] = text
        while len(self.texts) > 2 * CANDIDATES + 8:
            self.texts.popitem(last=False)


def load(calls: Sequence[LLMCall]) -> Sequence[LLMCall]:
    """Read the bodies of ``calls`` into them: one query for the delta chains they need."""
    from studio.models import LLMCall

    roots = {c.request_root for c in calls if c.request_base is not None}
    last = max((c.pk for c in calls if c.request_base is not None), default=0)
    chains = _Rows(
        LLMCall.objects.filter(Q(pk__in=roots) | Q(request_root__in=roots), pk__lte=last)
        .order_by("pk")
        .values_list("pk", "request_base", "request_prefix", "request_suffix", "request_body")
        .iterator(chunk_size=_READ_CHUNK)
        if roots
        else ()
    )
    for call in calls:
        body = call.request_body
        if call.request_base is not None:
            call._request_text = chains.text(call.pk)
        else:
            call._request_text = None if body is None else unpack(body)
        response = call.response_body
        call._response_text = (
            None if response is None else unpack_response(response, call._request_text)
        )
    return calls


def read(calls: QuerySet, chunk: int = 200) -> Iterator[LLMCall]:
    """``calls`` with their bodies, read a chunk at a time (a run's requests, whole, would not
    all fit in memory at once)."""
    rows = calls.iterator(chunk_size=chunk)
    while batch := list(itertools.islice(rows, chunk)):
        yield from load(batch)


def text_of(call: LLMCall, part: str) -> bytes | None:
    """``call``'s request or response as stored (JSON text), read on first use."""
    attribute = f"_{part}_text"
    if not hasattr(call, attribute):
        load([call])
    return getattr(call, attribute)


def value_of(call: LLMCall, part: str) -> Any:
    text = text_of(call, part)
    return None if text is None else orjson.loads(text)
