"""The access audit in the back office: read-only, for administrators and supervisors."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Role

from .records import AccessRecord

AUDITORS = (Role.ADMIN, Role.SUPERVISOR)


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "at",
        "staff_username",
        "action",
        "customer_link",
        "ticket_ref",
        "refused",
        "ip",
    ]
    list_filter = ["action", "refused", "staff"]
    search_fields = ["=customer_uid", "=staff_username", "=ticket_ref"]
    date_hierarchy = "at"
    list_select_related = ["staff"]

    @admin.display(description=_("customer"), ordering="customer_uid")
    def customer_link(self, obj: AccessRecord) -> str:
        """The uid links to every record about that customer."""
        if not obj.customer_uid:
            return "—"
        return format_html('<a href="?customer_uid={0}">{0}</a>', obj.customer_uid)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return bool(user.is_active and getattr(user, "role", None) in AUDITORS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
