"""Model fields of our own."""

from __future__ import annotations

import json
import zlib
from typing import Any

import orjson
import zstandard
from django.db import models

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame's first bytes; zlib's first is 0x78
# Dates and dataclasses as str() makes them (as json.dumps(default=str) did); int keys allowed.
_ORJSON = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)


class CompressedJSONField(models.BinaryField):
    """A JSON value stored as compressed UTF-8 JSON (zstd; values written as zlib before are
    still read).

    For large, repetitive values that are only ever read back whole (model call bodies: each
    request repeats most of the one before it). Compressed in the application, they cost the
    database a small blob instead of a large document to parse, index and compress itself —
    on PostgreSQL that was a sixth of a simulation thread's time with a hundred runs at once.
    zstd at level 1 compresses a 45 KB worker request three times faster than zlib's fastest
    level did, and smaller (~4.2x). (A compressor per value: it is not safe to share between
    threads, and making one costs next to nothing.) Not queryable by content."""

    LEVEL = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_prep_value(self, value: Any) -> bytes | None:
        if value is None:
            return None
        # orjson: a model call's body is written once per call, and json.dumps of it cost
        # more than the compression.
        text = orjson.dumps(value, default=str, option=_ORJSON)
        return zstandard.ZstdCompressor(level=self.LEVEL).compress(text)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else self.decode(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self.decode(value)
        if isinstance(value, str):  # the serializers' text form (value_to_string)
            return json.loads(value)
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, default=str)

    @staticmethod
    def decode(value: bytes | bytearray | memoryview) -> Any:
        data = bytes(value)
        if data.startswith(_ZSTD_MAGIC):
            return orjson.loads(zstandard.ZstdDecompressor().decompress(data))
        return json.loads(zlib.decompress(data))
