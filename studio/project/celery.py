import gc
import os

from celery import Celery, signals
from celery.worker.control import inspect_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.project.settings")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A simulation worker holds hundreds of runs' worlds and allocates containers by the hundred
# thousand a second, nearly all freed by reference counting: with the default thresholds the
# cyclic collector's full passes over that heap cost more CPU than they free (bench/simulation.py).
WORKER_GC_THRESHOLD = (50_000, 20, 100)


@signals.worker_process_init.connect  # a prefork child, which runs the tasks
@signals.worker_ready.connect  # solo, threads and gevent pools run the tasks in this process
def _worker_gc(**_) -> None:
    gc.freeze()  # what start-up built (modules, settings, templates) is never garbage
    gc.set_threshold(*WORKER_GC_THRESHOLD)


@inspect_command()
def gc_stats(state) -> dict:
    """`celery -A studio.project inspect gc_stats`: the collector's thresholds and work so far."""
    return {
        "threshold": gc.get_threshold(),
        "frozen": gc.get_freeze_count(),
        "generations": gc.get_stats(),
    }
