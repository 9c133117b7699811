"""Supervisor pages of insights: the dashboard, reports, forecast and staffing, CSV export."""

from django.urls import path  # noqa: F401

app_name = "insights"

urlpatterns: list = []
