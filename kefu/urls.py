from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from kefu.api import api
from kefu.connectors.webchat import views as chat_views
from kefu.web import chat_pages
from kefu.web import views as web_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", web_views.health, name="health"),
    path(
        "chat/<uuid:conversation>/transcript.<str:fmt>",
        chat_views.transcript,
        name="chat-transcript",
    ),
    path("chat/attachments/<int:pk>", chat_views.attachment, name="chat-attachment"),
]
urlpatterns += i18n_patterns(
    path("demo/exchange/", chat_pages.demo_exchange, name="demo-exchange"),
    path("console/login/", chat_pages.ConsoleLoginView.as_view(), name="console-login"),
    path("console/", chat_pages.console, name="console"),
    path("console/supervisor/", chat_pages.supervisor, name="console-supervisor"),
    path("", include("kefu.helpcenter.urls")),
    prefix_default_language=True,
)

handler404 = "kefu.web.views.not_found"
handler500 = "kefu.web.views.server_error"
