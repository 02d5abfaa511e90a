from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewConfig(AppConfig):
    name = "simulations.review"
    label = "review"
    verbose_name = "Review and export"

    def ready(self):
        from simulations.review.search.index import fts_ensure_after_migrate

        post_migrate.connect(fts_ensure_after_migrate, sender=self)
