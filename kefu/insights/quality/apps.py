from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kefu.insights.quality"
    label = "quality"
    verbose_name = _("Quality review")
    default_auto_field = "django.db.models.BigAutoField"
