"""Console pages of incidents and surge alerts, under /<lang>/console/incidents/."""

from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.open_page, name="open"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/update/", views.post_update, name="update"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/banner/", views.banner, name="banner"),
    path("<int:pk>/link/", views.link, name="link"),
    path("<int:pk>/unlink/", views.unlink, name="unlink"),
    path("surges/", views.surge_list, name="surges"),
    path("surges/<int:pk>/dismiss/", views.dismiss_surge, name="dismiss-surge"),
]
