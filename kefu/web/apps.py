from django.apps import AppConfig


class WebConfig(AppConfig):
    """Templates and static files shared by the portal, the widget and the console."""

    name = "kefu.web"
    verbose_name = "Web"
