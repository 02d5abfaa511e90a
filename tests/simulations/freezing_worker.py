"""A Celery worker that freezes itself (SIGSTOP) once: after committing the first turn that
edits a notes file (.md, appended to turn after turn) and before applying it — the window in which a paused process (GC, VM freeze)
could later write an old version over newer work. Run as
``python -m tests.simulations.freezing_worker <celery worker arguments>``."""

import os
import signal
import sys
import threading
import time

import django

AWAKE = "awake after the freeze:"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.project.settings")
    django.setup()
    from celery.__main__ import main as celery_main

    from simulations.engine.sandbox import Workspace

    real_apply = Workspace.apply
    frozen = []

    def apply_after_a_freeze(self, ops, **kwargs):
        ops = list(ops)
        if frozen or not any(op.op == "edit" and op.kind == "md" for op in ops):
            return real_apply(self, ops, **kwargs)
        frozen.append(True)
        print(f"freezing before applying {[op.path for op in ops]}", flush=True)
        # sent to this thread, so that it is the one stopped at once (a signal to the process
        # may be taken by another thread while this one runs on into the apply); the sleep
        # covers the delivery
        signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)
        time.sleep(1)
        applied = None
        try:
            applied = real_apply(self, ops, **kwargs)
            return applied
        finally:
            print(f"{AWAKE} applied={applied}", flush=True)

    Workspace.apply = apply_after_a_freeze
    sys.argv = ["celery", "-A", "studio.project", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
