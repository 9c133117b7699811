"""The back office's view of a customer's personal data, and the data requests.

Administrators see the decrypted values (and each view is recorded as a reveal); any other
staff member who can open the page sees them masked (and the view is recorded). Customers are
searched by exchange id, name, or an exact email address or phone number (through the keyed
hash: the encrypted columns cannot be searched). Export and erasure are admin actions for
administrators only; erasure asks for confirmation first.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import Customer, Role
from kefu.errors import ApiError

from .audit import record_access, request_ip
from .crypto import lookup_hash
from .erasure import erase_customer
from .export import export_customer
from .masks import mask
from .records import AccessAction

# field -> kind of value, for masking
PERSONAL_FIELDS = {"email": "email", "phone": "phone", "real_name": "name", "kyc_notes": "text"}


def reveals_personal_data(user: Any) -> bool:
    return getattr(user, "role", None) == Role.ADMIN and user.is_active


class PersonalDataAdminMixin(admin.ModelAdmin):  # type: ignore[type-arg]
    """For a ModelAdmin of :class:`~kefu.accounts.models.Customer`."""

    actions = ["export_data", "erase_data"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])
        if not reveals_personal_data(request.user):
            excluded += list(PERSONAL_FIELDS)
        return excluded

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not reveals_personal_data(request.user):
            fields += [f"masked_{name}" for name in PERSONAL_FIELDS]
        return fields

    @admin.display(description=gettext_lazy("email"))
    def masked_email(self, obj: Customer) -> str:
        return mask("email", obj.email)

    @admin.display(description=gettext_lazy("phone"))
    def masked_phone(self, obj: Customer) -> str:
        return mask("phone", obj.phone)

    @admin.display(description=gettext_lazy("real name"))
    def masked_real_name(self, obj: Customer) -> str:
        return mask("name", obj.real_name)

    @admin.display(description=gettext_lazy("KYC notes"))
    def masked_kyc_notes(self, obj: Customer) -> str:
        return mask("text", obj.kyc_notes)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term:
            found |= queryset.filter(email_lookup=lookup_hash("email", term))
        elif sum(c.isdigit() for c in term) >= 6:
            found |= queryset.filter(phone_lookup=lookup_hash("phone", term))
        return found, duplicates

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        customer = Customer.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if request.method == "GET" and response.status_code == 200 and customer is not None:
            revealed = reveals_personal_data(request.user)
            record_access(
                AccessAction.REVEAL_FIELD if revealed else AccessAction.VIEW_CUSTOMER,
                customer,
                staff=request.user,
                detail="back office: " + ("decrypted" if revealed else "masked"),
                ip=request_ip(request),
            )
        return response

    def has_export_permission(self, request: HttpRequest) -> bool:
        return reveals_personal_data(request.user)

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return reveals_personal_data(request.user)

    @admin.action(
        description=gettext_lazy("Export the selected customers' data (JSON)"),
        permissions=["export"],
    )
    def export_data(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse:
        ip = request_ip(request)
        documents = [export_customer(c.exchange_uid, staff=request.user, ip=ip) for c in queryset]
        body = documents[0] if len(documents) == 1 else {"customers": documents}
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        name = queryset[0].exchange_uid if len(documents) == 1 else "customers"
        response["Content-Disposition"] = f'attachment; filename="kefu-export-{name}.json"'
        return response

    @admin.action(
        description=gettext_lazy("Erase the selected customers' personal data"),
        permissions=["erase"],
    )
    def erase_data(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/trust/confirm_erasure.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase personal data?"),
                    "customers": list(queryset),
                    "opts": self.model._meta,
                    "action": "erase_data",
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        ip = request_ip(request)
        for customer in queryset:
            try:
                done = erase_customer(customer.exchange_uid, staff=request.user, ip=ip)
            except ApiError as refused:
                self.message_user(
                    request, f"{customer.exchange_uid}: {refused.message}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _("%(uid)s: erased (%(tickets)d tickets, %(messages)d messages).")
                    % {
                        "uid": customer.exchange_uid,
                        "tickets": done.tickets,
                        "messages": done.messages,
                    },
                )
        return None
