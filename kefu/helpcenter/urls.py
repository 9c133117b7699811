from django.urls import path

from . import views

app_name = "helpcenter"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("categories/<slug:slug>/", views.category, name="category"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("preview/<slug:slug>/", views.preview, name="preview"),
]
