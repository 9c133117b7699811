"""The Telegram webhook (``/connectors/telegram/webhook``) and account link
(``/connectors/telegram/link/``)."""

from django.urls import path

from . import views

app_name = "telegram"

urlpatterns: list = [
    path("webhook", views.webhook, name="webhook"),
    path("link/", views.link, name="link"),
]
