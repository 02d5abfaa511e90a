"""Model fields of our own."""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.db import models

from studio.llm.body_codec import dumps, pack, unpack


class CompressedJSONField(models.BinaryField):
    """A JSON value stored as compressed UTF-8 JSON (zstd; values written as zlib before are
    still read). The migrations that moved model call bodies in and out of it use it; the
    bodies themselves now go through studio.llm.bodies.

    For large values only ever read back whole. Compressed in the application, they cost the
    database a small blob instead of a large document to parse, index and compress itself.
    Not queryable by content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_prep_value(self, value: Any) -> bytes | None:
        return None if value is None else pack(dumps(value))

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
        return orjson.loads(unpack(value))
