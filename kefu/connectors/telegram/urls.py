"""The Telegram webhook."""

from django.urls import path  # noqa: F401

app_name = "telegram"

urlpatterns: list = []
