"""Quality review pages."""

from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("sample/", views.draw_samples, name="sample"),
    path("reviews/<int:pk>/", views.review_page, name="review"),
    path("agents/<int:agent_id>/", views.agent_reviews, name="agent"),
    path("mine/", views.my_reviews, name="mine"),
]
