"""CPU cost of generating a computer with the offline engine vs. writing its files raw.

    python bench/generation.py [--computers 3] [--files 100]

Generation runs the whole pipeline in this process (gateway, openai client, offline engine,
pydantic validation, writers, hashing, DB index). The raw cost replays exactly the same
content objects through the writers alone. Goal: pipeline / raw <= 1.5.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(var: Path) -> None:
    os.environ["STUDIO_VAR_DIR"] = str(var)
    os.environ["COMPUTERS_ROOT"] = str(var / "computers")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    os.environ["LLM_BASE_URL"] = "offline"
    os.environ["LLM_LOG_BODIES"] = os.environ.get("LLM_LOG_BODIES", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--computers", type=int, default=3)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="bench-gen-"))
    try:
        setup(var)
        run(args.computers, args.files, var)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def run(count: int, files: int, var: Path) -> None:
    from studio.artifacts import writers
    from studio.generation import pipeline
    from studio.services.computers import computer_batch_create
    from studio.services.personas import persona_pool_import

    personas = b"\n".join(
        [
            b'{"persona": "A pediatric nurse who coordinates night shifts on a busy ward."}',
            b'{"persona": "The CFO of a mid-sized food manufacturer preparing the annual budget."}',
            b'{"persona": "A backend software engineer on a payments platform team."}',
            b'{"persona": "A secondary-school chemistry teacher and head of year."}',
        ]
    )
    pool = persona_pool_import(pool_name="bench", source=personas, filename="p.jsonl").pool
    batch = computer_batch_create(pool=pool, count=count, target_files=files, seed=1, enqueue=False)

    recorded: list[tuple] = []
    real_write = writers.write_artifact

    def recording_write(path, kind, content, **kwargs):
        recorded.append((kind, content, kwargs))
        return real_write(path, kind, content, **kwargs)

    # Warm up (imports, caches) as a long-running worker is: not counted.
    warm = computer_batch_create(pool=pool, count=1, target_files=10, seed=99, enqueue=False)
    pipeline.computer_generate(computer=warm.computers.get())
    writers._docx_template(), writers._pptx_template()  # built once per process
    pipeline.write_artifact = recording_write
    print(f"{count} computers x {files} files, offline engine, SQLite, CPU seconds (process time)")
    print(f"{'computer':>8} {'files':>6} {'pipeline s':>11} {'raw writers s':>14} {'ratio':>6}")
    totals = [0.0, 0.0]
    files_written = 0
    for computer in batch.computers.select_related("persona").order_by("id"):
        recorded.clear()
        started = time.process_time()
        pipeline.computer_generate(computer=computer)
        pipeline_cpu = time.process_time() - started
        if computer.state != "ready":
            raise SystemExit(f"computer {computer.pk} failed: {computer.error}")
        raw_dir = var / "raw" / str(computer.pk)
        started = time.process_time()
        for index, (kind, content, kwargs) in enumerate(recorded):
            real_write(raw_dir / f"{index}.{kind}", kind, content, **kwargs)
        raw_cpu = time.process_time() - started
        totals[0] += pipeline_cpu
        totals[1] += raw_cpu
        files_written += len(recorded)
        print(
            f"{computer.pk:>8} {len(recorded):>6} {pipeline_cpu:>11.2f} {raw_cpu:>14.2f} "
            f"{pipeline_cpu / raw_cpu:>6.2f}"
        )
    print(
        f"{'mean':>8} {'':>6} {totals[0] / count:>11.2f} {totals[1] / count:>14.2f} "
        f"{totals[0] / totals[1]:>6.2f}   (goal <= 1.50)"
    )
    # The ratio's denominator is our own writers: as they get faster the ratio rises even
    # when the pipeline's own work is unchanged, so its cost per file is printed as well.
    overhead = (totals[0] - totals[1]) / max(1, files_written)
    print(f"pipeline work beyond the writers: {1000 * overhead:.1f} ms per file")


if __name__ == "__main__":
    main()
