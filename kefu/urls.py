from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from kefu.api import api
from kefu.web import views as web_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", web_views.health, name="health"),
]
urlpatterns += i18n_patterns(
    path("", include("kefu.helpcenter.urls")),
    prefix_default_language=True,
)

handler404 = "kefu.web.views.not_found"
handler500 = "kefu.web.views.server_error"
