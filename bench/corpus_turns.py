"""Loading bench/corpus.py's turns with their file changes, messages and call records: COPY
through Django's connection, one worker process per core, each with its share of the runs."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import random

from corpus_text import OFFICE, RARE_WORD, T0, Text  # bench/ is on the path

LOADERS = 2  # the machine's cores: Python makes rows in one while PostgreSQL stores the other's


def copy_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows into ``table`` through Django's own connection; returns the count."""
    from django.db import connection

    connection.ensure_connection()
    n = 0
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def reset_sequences(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1))"
            )


ACTIONS = [
    ("read_file", 30), ("list_dir", 10), ("search_files", 8), ("write_file", 10),
    ("edit_file", 10), ("send_message", 6), ("read_inbox", 8), ("add_calendar_event", 3),
    ("advance_clock", 8), ("update_memory", 4), ("submit_deliverable", 1),
]  # fmt: skip


def load_turns(sims, turns: int, text: Text) -> dict[str, int]:
    """COPY every run's turns (ids from the run's place in ``sims`` and the seq, so the
    loaders never collide) in LOADERS processes; returns the counts."""
    from django.db import connection

    from studio.models import LLMCall

    first_call = LLMCall.objects.order_by("-id").values_list("id", flat=True).first() or 0
    runs = [(index, sim.pk) for index, sim in enumerate(sims)]
    connection.close()  # each loader opens its own
    connection.close_pool()
    with multiprocessing.get_context("fork").Pool(LOADERS) as pool:
        parts = pool.starmap(
            _load_part,
            [(runs[n::LOADERS], turns, text, first_call, n) for n in range(LOADERS)],
        )
    counts = {what: sum(part[what] for part in parts) for what in parts[0]}
    reset_sequences("simulations_turn", "studio_llmcall")
    return counts


def _load_part(
    runs: list[tuple[int, int]], turns: int, text: Text, first_call: int, part: int
) -> dict[str, int]:
    from corpus_calls import RunCalls  # bench/ is on the path
    from django.db import connection

    rng = text.rng = random.Random(2026 + part)
    names, weights = zip(*ACTIONS, strict=True)
    turn_rows, change_rows, message_rows, call_rows = [], [], [], []
    counts = dict.fromkeys(("turns", "file changes", "messages", "call records"), 0)

    def flush() -> None:
        counts["call records"] += copy_rows(
            "studio_llmcall",
            ("id", "role", "model", "backend", "schema", "prompt_tokens", "completion_tokens",
             "cost_usd", "latency_ms", "outcome", "error", "simulation_id", "created_at",
             "attempts", "cached_tokens", "reasoning_tokens", "tokens_estimated", "request_body",
             "request_base", "request_root", "request_prefix", "request_suffix", "response_body"),
            call_rows,
        )  # fmt: skip
        counts["turns"] += copy_rows(
            "simulations_turn",
            ("id", "simulation_id", "seq", "actor", "actor_name", "action", "arguments",
             "raw_arguments", "tool_call_id", "observation", "reasoning", "error", "is_retry",
             "sim_time", "sim_minutes", "workday", "prompt_tokens", "completion_tokens",
             "cost_usd", "latency_ms", "prompt_chars", "llm_call_id", "signals", "created_at"),
            turn_rows,
        )  # fmt: skip
        counts["file changes"] += copy_rows(
            "simulations_filechange",
            ("turn_id", "simulation_id", "seq", "index", "op", "path", "source_path", "kind",
             "before_sha256", "after_sha256", "size", "diff"),
            change_rows,
        )  # fmt: skip
        counts["messages"] += copy_rows(
            "simulations_message",
            ("simulation_id", "turn_id", "direction", "sender", "sender_email", "recipients",
             "subject", "body", "attachments", "deliverable_key", "sent_at", "delivered_at",
             "delivered_seq", "answered", "meta"),
            message_rows,
        )  # fmt: skip
        for rows in (turn_rows, change_rows, message_rows, call_rows):
            rows.clear()

    for index, sim_id in runs:
        calls = RunCalls(sim_id, text, rng)
        turn_id = index * turns
        for seq in range(1, turns + 1):
            turn_id += 1
            when = T0 + dt.timedelta(minutes=4 * seq)
            roll = rng.random()
            signals, error, llm = [], "", None
            if seq == 1 or roll < 0.04:
                actor, action, name = "system", "day_start", ""
                arguments = {"workday": seq // 100 + 1}
                reasoning, observation = "", text.paragraph(300)
            elif roll < 0.12:
                actor, action, name = "collaborator", "compose_reply", "Grace Hopper"
                arguments = {"message": seq, "reply_after_minutes": 30}
                reasoning, observation = text.paragraph(rng.randint(300, 900)), text.paragraph(120)
            else:
                actor, name = "worker", "Ada"
                action = rng.choices(names, weights)[0]
                path = f"Documents/{rng.choice(OFFICE).title()}/file {rng.randrange(110):03d}.xlsx"
                if action == "send_message":
                    arguments = {"to": ["grace@example.com"], "subject": text.paragraph(40),
                                 "body": text.paragraph(rng.randint(200, 800))}  # fmt: skip
                elif action in ("write_file", "edit_file"):
                    arguments = {"path": path, "content": text.paragraph(rng.randint(200, 1_500))}
                else:
                    arguments = {"path": path}
                reasoning = text.paragraph(rng.randint(150, 700))
                observation = text.paragraph(rng.choice((200, 600, 1_200, 2_500, 4_000)))
                if rng.random() < 0.03:
                    signals = ["loop"]
                if rng.random() < 0.02:
                    error = "ToolError: " + text.paragraph(80)
            if actor == "system":
                calls.event(observation)
            else:
                llm = call_id = first_call + turn_id
                if actor == "worker":
                    bodies = calls.worker_call(call_id, seq, action, arguments, reasoning,
                                               observation)  # fmt: skip
                else:
                    bodies = calls.collaborator_call(call_id, seq, reasoning)
                call_rows.append(
                    (call_id, actor, "gpt-5-mini", "bench", "", 9_000, 300, 0.002, 2_000, "ok",
                     "", sim_id, when, "[]", 0, 0, False, *bodies)
                )  # fmt: skip
            if rng.random() < 1 / 20_000:
                reasoning += " " + RARE_WORD
            turn_rows.append(
                (turn_id, sim_id, seq, actor, name, action, json.dumps(arguments), "",
                 f"call_{turn_id}", observation, reasoning, error, False, when, 4, seq // 100 + 1,
                 9_000, 300, 0.002, 2_000, 30_000, llm, json.dumps(signals), when)
            )  # fmt: skip
            if action in ("write_file", "edit_file"):
                change_rows.append(
                    (turn_id, sim_id, seq, 0, "edit" if action == "edit_file" else "create",
                     arguments["path"], "", "xlsx", "", f"{turn_id:064x}", 20_000,
                     text.paragraph(400))
                )  # fmt: skip
            if action == "send_message":
                message_rows.append(
                    (sim_id, turn_id, "outgoing", "Ada", "ada@example.com",
                     json.dumps([{"name": "Grace", "email": "grace@example.com"}]),
                     arguments["subject"], arguments["body"], "[]", "", when, when, seq, True, "{}")
                )  # fmt: skip
            if len(turn_rows) >= 20_000:
                flush()
    flush()
    connection.close()
    connection.close_pool()
    return counts
