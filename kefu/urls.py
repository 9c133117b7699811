from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from kefu.api import api
from kefu.connectors.webchat import views as chat_views
from kefu.insights.prometheus import metrics_view
from kefu.trust import views as trust_views
from kefu.web import chat_pages, portal, staff_sign_in, ticket_desk
from kefu.web import views as web_views
from kefu.web.portal_anti_phishing import anti_phishing

urlpatterns = [
    # Staff sign in to the back office through the console's two steps (password, code).
    path("admin/login/", staff_sign_in.admin_sign_in, name="admin-sign-in"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", web_views.health, name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("connectors/telegram/", include("kefu.connectors.telegram.urls")),
    path(
        "chat/<uuid:conversation>/transcript.<str:fmt>",
        chat_views.transcript,
        name="chat-transcript",
    ),
    path("chat/attachments/<int:pk>", chat_views.attachment, name="chat-attachment"),
]
urlpatterns += i18n_patterns(
    path("demo/exchange/", chat_pages.demo_exchange, name="demo-exchange"),
    path("console/login/", staff_sign_in.ConsoleLoginView.as_view(), name="console-login"),
    path("console/login/code/", staff_sign_in.code_step, name="console-login-code"),
    path("console/login/setup/", staff_sign_in.setup_step, name="console-login-setup"),
    path("console/", chat_pages.console, name="console"),
    path("console/supervisor/", chat_pages.supervisor, name="console-supervisor"),
    path("console/tickets/", ticket_desk.ticket_list, name="desk-tickets"),
    path("console/tickets/views/", ticket_desk.save_view, name="desk-save-view"),
    path("console/tickets/bulk/", ticket_desk.bulk, name="desk-bulk"),
    path("console/tickets/<int:number>/", ticket_desk.ticket_page, name="desk-ticket"),
    path("console/tickets/<int:number>/export", ticket_desk.ticket_export, name="desk-export"),
    path("portal/sign-in/", portal.sign_in, name="portal-sign-in"),
    path("portal/tickets/", portal.my_tickets, name="portal-tickets"),
    path("portal/anti-phishing/", anti_phishing, name="portal-anti-phishing"),
    path("portal/tickets/new/", portal.choose_category, name="portal-choose-category"),
    path("portal/tickets/new/<slug:category>/", portal.new_ticket, name="portal-new-ticket"),
    path("portal/tickets/<uuid:public_id>/", portal.ticket_page, name="portal-ticket"),
    path("portal/tickets/<uuid:public_id>/state", portal.ticket_state, name="portal-ticket-state"),
    path("portal/tickets/<uuid:public_id>/escalate", portal.escalate, name="portal-escalate"),
    path("portal/tickets/<uuid:public_id>/rate", portal.rate_ticket, name="portal-rate"),
    path(
        "portal/tickets/<uuid:public_id>/attachments/<int:pk>",
        portal.attachment,
        name="portal-attachment",
    ),
    path("trust/verify/", trust_views.verify_page, name="trust-verify"),
    path("console/insights/", include("kefu.insights.urls")),
    path("console/quality/", include("kefu.insights.quality.urls")),
    path("console/incidents/", include("kefu.insights.incidents.urls")),
    path("", include("kefu.helpcenter.urls")),
    prefix_default_language=True,
)

handler404 = "kefu.web.views.not_found"
handler500 = "kefu.web.views.server_error"
