import gc
import os

from celery import Celery, signals
from celery.worker.control import inspect_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A simulation worker holds hundreds of runs, each with its world in memory, and allocates
# hundreds of thousands of containers a second (request bodies, rows, documents). With the
# interpreter's default thresholds (700, 10, 10) the cyclic collector ran ~15 times a second
# in each of three workers at 500 runs (bench/simulation.py) and its full passes over that
# heap took 0.27 s each: 4.5 s of every ~55 s of a worker's CPU (8 %), against 1 s with these
# thresholds, for 4 % more memory (353 against 340 MB). Almost nothing it finds is garbage
# (the engine makes ~30 small reference cycles a turn): reference counting frees nearly
# everything at once, and the rare cycle waits for the next young pass.
WORKER_GC_THRESHOLD = (50_000, 20, 100)


@signals.worker_process_init.connect  # a prefork child, which runs the tasks
@signals.worker_ready.connect  # solo, threads and gevent pools run the tasks in this process
def _worker_gc(**_) -> None:
    gc.freeze()  # what start-up built (modules, settings, templates) is never garbage
    gc.set_threshold(*WORKER_GC_THRESHOLD)


@inspect_command()
def gc_stats(state) -> dict:
    """`celery -A studio inspect gc_stats`: the collector's thresholds and work so far."""
    return {
        "threshold": gc.get_threshold(),
        "frozen": gc.get_freeze_count(),
        "generations": gc.get_stats(),
    }
