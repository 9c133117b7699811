from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailChannelConfig(AppConfig):
    name = "kefu.connectors.email"
    label = "email_channel"
    verbose_name = _("Email")

    def ready(self) -> None:
        # Outbound mail follows ticket events (kefu.jobs finds tasks.py by itself).
        from . import signals

        signals.connect()
