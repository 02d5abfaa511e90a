"""Model call bodies as bytes: the format, with no database in sight.

A request is its JSON text (keys in the order sent), so it reads back byte for byte, stored
whole (zstd) or as a :class:`Delta` of an earlier request: the shared prefix and suffix lengths
and the zstd-compressed middle, with the part of the base it replaces (and what precedes it) as
dictionary. Prefix and suffix, because the prompt layout keeps what is stable first and last:
no JSON diff to get wrong. A response is stored whole, compressed with its request's end as
dictionary. :mod:`studio.llm.bodies` decides what to store against what, and reads it back.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard

DEPTH = 50  # deltas between two snapshots of a chain: the most a read applies
MIN_DICTIONARY = 64  # bytes a dictionary needs to be worth one
CONTEXT = 16_384  # bytes of the base before the replaced part that join the dictionary
LEVEL = 1
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame's first bytes; zlib's first is 0x78
RESPONSE_TAG = b"\x01"  # a response compressed with its request's end as the dictionary
# Dates and dataclasses as str() makes them (as json.dumps(default=str) did); int keys allowed.
_ORJSON = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)
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


@dataclass(frozen=True)
class Recent:
    """A request stored by this process, for later ones to be deltas of."""

    pk: int
    text: bytes
    depth: int  # deltas between it and its snapshot
    root: int  # its snapshot


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
