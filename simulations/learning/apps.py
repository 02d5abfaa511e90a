from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "simulations.learning"
    label = "learning"
    verbose_name = "Skills and experiments"
