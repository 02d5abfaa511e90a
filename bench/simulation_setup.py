"""What bench/simulation.py runs on: a fresh database (its own on PostgreSQL, dropped at the
end), an embedded Redis, the offline engine and one generated computer."""

from __future__ import annotations

import os
from pathlib import Path

from bench.studio_env import offline_studio

PERSONA = (
    b'{"persona": "A procurement manager at a regional hospital network who negotiates '
    b'supplier contracts and tracks spend against budget."}\n'
)


def setup(var: Path) -> object:
    from studio.project import runtime

    offline_studio(var)
    redis = runtime.start_embedded_redis(var / "redis")
    os.environ["REDIS_URL"] = redis.url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":  # a fresh database of its own, dropped at the end
        name = f"bench_sim_{os.getpid()}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        connection.close_pool()  # the pool was made for the old database
        connection.settings_dict["NAME"] = name
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    call_command("migrate", verbosity=0)
    return redis


def make_computer():
    from studio.generation.pipeline import computer_generate
    from studio.services.computers import computer_create
    from studio.services.personas import persona_pool_import

    pool = persona_pool_import(pool_name="bench", source=PERSONA, filename="p.jsonl").pool
    computer = computer_create(
        persona=pool.personas.first(), target_files=20, seed=7, enqueue=False
    )
    computer_generate(computer=computer)
    if computer.state != "ready":
        raise SystemExit(f"computer generation failed: {computer.error}")
    return computer


def drop_database() -> None:
    try:
        from django.db import connection
    except ImportError:
        return
    name = connection.settings_dict.get("NAME", "")
    if connection.vendor == "postgresql" and str(name).startswith("bench_sim_"):
        connection.close()
        connection.close_pool()
        import psycopg

        admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
