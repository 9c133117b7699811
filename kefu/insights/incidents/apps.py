from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "kefu.insights.incidents"
    label = "incidents"
    verbose_name = _("Incidents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The assistant sits below insights: it asks registered providers for status notices
        # instead of importing incidents.
        from kefu.assistant import notices

        from .status_notices import incident_notices

        notices.register(incident_notices)
