from django.apps import AppConfig


class KefuConfig(AppConfig):
    """The project package as an app, so that its CLI commands (serve, bench) are found."""

    name = "kefu"
    verbose_name = "Kefu"
