from django.contrib import admin
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from kefu.trust import access

from .models import Event

CUSTOMER_SUBJECTS = ["assistant.conversation", "accounts.customer"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited by hand."""

    list_display = ["created_at", "kind", "subject_type", "subject_id", "actor"]
    list_filter = ["kind", "subject_type"]
    search_fields = ["subject_id", "kind"]
    readonly_fields = ["kind", "actor", "subject_type", "subject_id", "data", "created_at"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        """Supervisors read the trail of their teams' tickets; what is about customers
        directly (conversations, profiles) only administrators."""
        events = super().get_queryset(request)
        if access.sees_everything(request.user):
            return events
        tickets = access.visible_tickets(request.user).values_list(
            Cast("pk", output_field=CharField()), flat=True
        )
        about_tickets = Q(subject_type="tickets.ticket", subject_id__in=tickets)
        return events.filter(
            about_tickets | ~Q(subject_type__in=["tickets.ticket", *CUSTOMER_SUBJECTS])
        )

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
