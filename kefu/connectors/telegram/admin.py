"""Back-office views of the Telegram channel: who wrote to the bot (and whether they linked an
account or blocked the bot), the updates taken in, and the outbox. Nothing is edited by hand;
a failed update can be processed again and a failed send retried."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.clock import now

from .inbound import retry_failed
from .models import (
    OutboundMessage,
    OutboundStatus,
    ProcessedUpdate,
    TelegramContact,
    UpdateStatus,
)


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TelegramContact)
class TelegramContactAdmin(ReadOnly):
    list_display = ["user_id", "username", "customer", "linked_at", "blocked_at", "created_at"]
    search_fields = ["user_id"]
    raw_id_fields = ["customer"]


@admin.register(ProcessedUpdate)
class ProcessedUpdateAdmin(ReadOnly):
    list_display = ["received_at", "update_id", "kind", "chat_id", "status", "reason", "ticket"]
    list_filter = ["status", "kind"]
    search_fields = ["update_id", "chat_id"]
    raw_id_fields = ["ticket"]
    exclude = ["raw"]
    actions = ["process_again"]

    @admin.action(description=_("Process failed updates again"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[ProcessedUpdate]) -> None:
        done = sum(
            1
            for row in queryset.filter(status=UpdateStatus.FAILED)
            if retry_failed(row).status != UpdateStatus.FAILED
        )
        self.message_user(
            request,
            ngettext("%(count)d update processed.", "%(count)d updates processed.", done)
            % {"count": done},
            messages.SUCCESS,
        )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnly):
    list_display = ["created_at", "chat_id", "method", "status", "attempts", "last_error"]
    list_filter = ["status", "method"]
    search_fields = ["chat_id"]
    raw_id_fields = ["ticket", "message", "attachment"]
    actions = ["send_again"]

    @admin.action(description=_("Send failed messages again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        from .outbound import send_soon

        rows = list(queryset.filter(status=OutboundStatus.FAILED))
        OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=OutboundStatus.QUEUED, attempts=0, next_attempt_at=now()
        )
        for chat_id in {r.chat_id for r in rows}:
            send_soon(chat_id)
        self.message_user(
            request,
            ngettext("%(count)d message queued.", "%(count)d messages queued.", len(rows))
            % {"count": len(rows)},
            messages.SUCCESS,
        )
