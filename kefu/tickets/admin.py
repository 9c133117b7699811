from django import forms
from django.contrib import admin

from .models import (
    Attachment,
    BusinessHours,
    CannedReply,
    Message,
    SatisfactionRating,
    SlaPolicy,
    Ticket,
)
from .sla.calendar import CalendarError, parse_calendar


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("seq", "author", "agent", "text", "internal", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "channel", "status", "chat_state", "priority", "team", "assignee"]
    list_filter = ["channel", "status", "chat_state", "priority", "category", "team"]
    search_fields = ["public_id", "customer__exchange_uid", "subject"]
    raw_id_fields = ["customer", "conversation", "assignee"]
    inlines = [MessageInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket"]


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(admin.ModelAdmin):
    list_display = ["ticket", "score", "created_at"]
    raw_id_fields = ["ticket"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "team"]
    list_filter = ["language", "team"]


class BusinessHoursForm(forms.ModelForm):
    class Meta:
        model = BusinessHours
        fields = ["name", "timezone", "week", "holidays"]

    def clean(self) -> dict[str, object]:
        """Hours that the SLA calendar cannot read are refused here, not at the next scan."""
        data = super().clean() or {}
        try:
            parse_calendar(
                str(data.get("timezone") or ""),
                data.get("week") or {},  # type: ignore[arg-type]
                data.get("holidays") or [],  # type: ignore[arg-type]
            )
        except CalendarError as problem:
            raise forms.ValidationError(str(problem)) from None
        return data


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    form = BusinessHoursForm
    list_display = ["name", "timezone"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "min_vip_tier",
        "channel",
        "kind",
        "team",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "business_hours",
    ]
    list_filter = ["priority", "channel", "kind", "team"]
