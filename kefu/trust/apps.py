from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "kefu.trust"
    label = "trust"
    verbose_name = _("Trust and security")
    default_auto_field = "django.db.models.BigAutoField"
