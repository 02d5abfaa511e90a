"""The Django project's wiring: settings, URLs, the ASGI application, the Celery app, the
process runner (Redis, daphne, workers) and the environment readers. The Celery app is
loaded with the project so that tasks bind to it."""

from studio.project.celery import app as celery_app

__all__ = ["celery_app"]
