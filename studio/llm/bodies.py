"""Model call bodies: the one path that writes them and the one that reads them back.

A request is kept as its JSON text (keys in the order sent), so it reads back byte for byte,
mostly as a delta of an earlier request of its chain (run or computer, role, schema): the
shared prefix and suffix lengths, and the zstd-compressed middle with the part of the base it
replaces as dictionary. Prefix and suffix, because the prompt layout keeps what is stable first
and last: no JSON diff to get wrong. A snapshot every ``DEPTH`` requests (or when a delta is not
clearly smaller) bounds a read to ``DEPTH`` deltas in one query. A response is stored whole,
compressed with its request's end as dictionary.

Deltas are computed at insert (LLMCall's manager and save() call :func:`write`) against this
process's committed recent requests. Retention only empties runs finished long ago, and a run
or generation that starts again calls :func:`recheck`: its next write checks its bases once.
"""

from __future__ import annotations

import itertools
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import zstandard
from django.db import transaction
from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from studio.models import LLMCall

DEPTH = 50  # deltas between two snapshots of a chain: the most a read applies
CANDIDATES = 3  # recent requests per chain a new one may be a delta of (collaborators alternate)
MIN_DICTIONARY = 64  # bytes a dictionary needs to be worth one
CONTEXT = 16_384  # bytes of the base before the replaced part that join the dictionary
CACHE_BYTES = 64 << 20  # this process's recent requests, least recently used chains dropped
LEVEL = 1
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame's first bytes; zlib's first is 0x78
RESPONSE_TAG = b"\x01"  # a response compressed with its request's end as the dictionary
# Dates and dataclasses as str() makes them (as json.dumps(default=str) did); int keys allowed.
_ORJSON = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)
_READ_CHUNK = 2_000
_SLICE = 4_096


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=str, option=_ORJSON)


def pack(data: bytes) -> bytes:
    # A compressor per call: it is not safe to share between threads and costs next to nothing.
    return zstandard.ZstdCompressor(level=LEVEL).compress(data)


def unpack(blob: bytes | memoryview) -> bytes:
    """zstd; bodies written before the studio moved to zstd are zlib."""
    data = bytes(blob)
    if data.startswith(_ZSTD_MAGIC):
        return zstandard.ZstdDecompressor().decompress(data)
    return zlib.decompress(data)


def _context(base: bytes, prefix: int, suffix: int) -> bytes:
    return base[max(0, prefix - CONTEXT) : len(base) - suffix]


def _dictionary(context: bytes) -> zstandard.ZstdCompressionDict | None:
    if len(context) < MIN_DICTIONARY:
        return None
    return zstandard.ZstdCompressionDict(context, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _compress(data: bytes, context: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=_dictionary(context)).compress(data)


def _decompress(blob: bytes, context: bytes) -> bytes:
    return zstandard.ZstdDecompressor(dict_data=_dictionary(context)).decompress(blob)


def pack_response(response: bytes, request: bytes | None) -> bytes:
    """A response, compressed with the end of its request (the situation now, the tools, the
    latest turns it answers) as zstd's dictionary, behind a tag byte."""
    if request is None:
        return pack(response)
    return RESPONSE_TAG + _compress(response, request[-CONTEXT:])


def unpack_response(blob: bytes | memoryview, request: bytes | None) -> bytes | None:
    data = bytes(blob)
    if not data.startswith(RESPONSE_TAG):
        return unpack(data)  # alone (no request logged, or written before the tag)
    return None if request is None else _decompress(data[1:], request[-CONTEXT:])


def _shared(a: bytes, b: bytes, limit: int, *, from_end: bool = False) -> int:
    """Length of the longest common prefix (or suffix) of ``a`` and ``b``, at most ``limit``:
    C-level comparisons of 4 KB slices, then a binary search in the first that differs (a
    loop in Python over 50 KB is slow, and so is comparing slices of all of it)."""

    def same(start: int, end: int) -> bool:
        if from_end:
            return a[len(a) - end : len(a) - start] == b[len(b) - end : len(b) - start]
        return a[start:end] == b[start:end]

    done = 0
    while done < limit and same(done, min(done + _SLICE, limit)):
        done = min(done + _SLICE, limit)
    low, high = done, min(done + _SLICE, limit)
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if same(done, mid) else (low, mid - 1)
    return low


@dataclass(frozen=True)
class Delta:
    prefix: int
    suffix: int
    middle: bytes

    @classmethod
    def between(cls, base: bytes, text: bytes) -> Delta:
        prefix = _shared(base, text, min(len(base), len(text)))
        suffix = _shared(base, text, min(len(base), len(text)) - prefix, from_end=True)
        return cls(prefix, suffix, text[prefix : len(text) - suffix])

    def apply(self, base: bytes) -> bytes:
        return base[: self.prefix] + self.middle + base[len(base) - self.suffix :]

    def pack(self, base: bytes) -> bytes:
        """The middle, compressed with what it replaces in ``base`` (and the recent history
        before that) as zstd's dictionary: the situation now differs from the one before in a
        few values, a changed month message leaves the history after it the same, and a turn
        often repeats what one shortly before it read."""
        return _compress(self.middle, _context(base, self.prefix, self.suffix))

    @classmethod
    def unpack(cls, base: bytes, prefix: int, suffix: int, packed: bytes) -> Delta:
        return cls(prefix, suffix, _decompress(packed, _context(base, prefix, suffix)))

    @property
    def shared(self) -> int:
        return self.prefix + self.suffix


def encode(text: bytes, bases: Sequence[Recent]) -> tuple[Recent | None, Delta | None, bytes]:
    """The base (of ``bases``) and the delta to store ``text`` as, with the bytes to store; or
    (None, None, the whole compressed): a snapshot."""
    best = best_delta = None
    for base in bases:
        if base.depth >= DEPTH:
            continue
        delta = Delta.between(base.text, text)
        if best_delta is None or delta.shared > best_delta.shared:
            best, best_delta = base, delta
    if best_delta is None:
        return None, None, pack(text)
    packed = best_delta.pack(best.text)
    if len(best_delta.middle) * 2 <= len(text):
        return best, best_delta, packed
    # A delta costs every later read a step: it must be clearly smaller than the whole.
    whole = pack(text)
    if len(packed) * 2 < len(whole):
        return best, best_delta, packed
    return None, None, whole


@dataclass(frozen=True)
class Recent:
    """A request stored by this process, for later ones to be deltas of."""

    pk: int
    text: bytes
    depth: int  # deltas between it and its snapshot
    root: int  # its snapshot


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
