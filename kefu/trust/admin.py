from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import records_admin  # noqa: F401  (the access audit)
from .channels.publishing import delete_channel, save_channel
from .models import OfficialChannel


@admin.register(OfficialChannel)
class OfficialChannelAdmin(admin.ModelAdmin):
    """Admins publish the exchange's channels here; the public checker answers from them."""

    list_display = ["value", "kind", "canonical", "note", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["value", "canonical", "note"]
    fields = ["kind", "value", "canonical", "note", "active", "created_at"]
    readonly_fields = ["canonical", "created_at"]

    def save_model(self, request: HttpRequest, obj: OfficialChannel, form, change) -> None:  # type: ignore[no-untyped-def]
        save_channel(obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: OfficialChannel) -> None:
        delete_channel(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OfficialChannel]) -> None:
        for channel in queryset:
            delete_channel(channel, actor=request.user)
