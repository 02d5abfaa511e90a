"""Model fields of our own."""

from __future__ import annotations

import json
import zlib
from typing import Any

from django.db import models


class RawJSON:
    """A JSON value already serialised (UTF-8 bytes): CompressedJSONField stores it as is,
    so a body that was encoded to be sent is not encoded a second time to be kept."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class CompressedJSONField(models.BinaryField):
    """A JSON value stored as zlib-compressed UTF-8 JSON.

    For large, repetitive values that are only ever read back whole (model call bodies: each
    request repeats most of the one before it). Compressed in the application, they cost the
    database a small blob instead of a large document to parse, index and compress itself —
    on PostgreSQL that was a sixth of a simulation thread's time with a hundred runs at once.
    Not queryable by content."""

    LEVEL = 1  # fast; model call JSON still shrinks about fivefold

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_prep_value(self, value: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, RawJSON):
            return zlib.compress(value.data, self.LEVEL)
        text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
        return zlib.compress(text.encode(), self.LEVEL)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else self.decode(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, RawJSON):
            return json.loads(value.data)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self.decode(value)
        if isinstance(value, str):  # the serializers' text form (value_to_string)
            return json.loads(value)
        return value

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        if isinstance(value, RawJSON):
            return value.data.decode()
        return json.dumps(value, ensure_ascii=False, default=str)

    @staticmethod
    def decode(value: bytes | bytearray | memoryview) -> Any:
        return json.loads(zlib.decompress(bytes(value)))
