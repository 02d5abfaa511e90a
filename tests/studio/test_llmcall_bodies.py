"""Model call bodies are stored compressed, read back whole, and survive the migration."""

import json
import zlib

import pytest
import zstandard
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studio.models import LLMCall

BODY = [
    {"role": "system", "content": "You are the user. " * 200},
    {"role": "user", "content": 'Ünïcode and <context>{"a": 1}</context>'},
]


def _raw_request(pk: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT request FROM studio_llmcall WHERE id = %s", [pk])
        return bytes(cursor.fetchone()[0])


@pytest.mark.django_db
def test_bodies_are_compressed_and_read_back_whole():
    call = LLMCall.objects.create(
        role="worker", model="m", backend="b", outcome="ok", request=BODY, response={"x": None}
    )
    stored = _raw_request(call.pk)
    assert len(stored) < len(str(BODY)) / 5
    assert zstandard.ZstdDecompressor().decompress(stored).startswith(b'[{"role":"system"')
    assert LLMCall.objects.get(pk=call.pk).request == BODY
    assert LLMCall.objects.values_list("response", flat=True).get(pk=call.pk) == {"x": None}
    empty = LLMCall.objects.create(role="worker", model="m", backend="b", outcome="error")
    assert LLMCall.objects.get(pk=empty.pk).request is None


@pytest.mark.django_db
def test_bodies_stored_with_zlib_before_zstd_are_still_read():
    call = LLMCall.objects.create(role="worker", model="m", backend="b", outcome="ok")
    legacy = zlib.compress(json.dumps(BODY).encode(), 1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE studio_llmcall SET request = %s WHERE id = %s", [legacy, call.pk])
    assert _raw_request(call.pk) == legacy
    assert LLMCall.objects.get(pk=call.pk).request == BODY


@pytest.mark.django_db(transaction=True)
def test_bodies_written_before_the_change_survive_the_migration():
    before, after = ("studio", "0001_initial"), ("studio", "0002_llmcall_compressed_bodies")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("studio", "LLMCall")
    kept = old.objects.create(
        role="judge", model="m", backend="b", outcome="ok", request=BODY, response="a verdict"
    )
    old.objects.create(role="judge", model="m", backend="b", outcome="error")
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps.get_model("studio", "LLMCall")
    assert new.objects.get(pk=kept.pk).request == BODY
    assert new.objects.get(pk=kept.pk).response == "a verdict"
    assert new.objects.exclude(pk=kept.pk).get().request is None
    # back to the latest schema (every app): later tests need it
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
