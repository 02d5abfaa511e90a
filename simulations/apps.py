from django.apps import AppConfig


class SimulationsConfig(AppConfig):
    name = "simulations"
    verbose_name = "Simulations"

    def ready(self) -> None:
        # The studio's home counts simulations; the computers domain does not import this app.
        from simulations import access
        from studio.selectors import home_count_register

        home_count_register("simulations", lambda *, user: access.visible_simulations(user).count())
