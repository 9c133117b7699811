"""Supervisor pages of insights: the dashboard, reports, forecast and staffing, CSV export."""

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.export, name="export"),
    path("agents/", views.agent_report, name="agents"),
    path("forecast/", views.forecast, name="forecast"),
    path("queues.json", views.queue_wall, name="queue-wall"),
]
