from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramChannelConfig(AppConfig):
    name = "kefu.connectors.telegram"
    label = "telegram_channel"
    verbose_name = _("Telegram")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Replies follow the tickets' messages (kefu.jobs finds tasks.py by itself).
        from . import signals

        signals.connect()
