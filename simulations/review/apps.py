from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "simulations.review"
    label = "review"
    verbose_name = "Review and export"
