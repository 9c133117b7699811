"""Back-office views of the email channel: what arrived and what became of it, what was sent,
and how far each mailbox has been read. Mail is never edited by hand; failed mail can be
processed again and failed sends retried."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.clock import now

from .ingest import retry_failed
from .models import InboundMail, InboundStatus, MailboxState, OutboundMail, OutboundStatus


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnly):
    list_display = ["received_at", "sender", "subject", "status", "reason", "ticket"]
    list_filter = ["status", "mailbox"]
    search_fields = ["message_id", "sender", "subject"]
    raw_id_fields = ["ticket"]
    exclude = ["raw"]
    actions = ["process_again"]

    @admin.action(description=_("Process failed mail again"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        done = sum(
            1 for row in queryset.filter(status=InboundStatus.FAILED) if retry_failed(row).created
        )
        self.message_user(
            request,
            ngettext("%(count)d mail processed.", "%(count)d mails processed.", done)
            % {"count": done},
            messages.SUCCESS,
        )


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnly):
    list_display = ["created_at", "to", "subject", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["message_id", "to", "subject"]
    raw_id_fields = ["ticket"]
    actions = ["send_again"]

    @admin.action(description=_("Send failed mail again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundMail]) -> None:
        from .tasks import enqueue_send

        rows = list(queryset.filter(status=OutboundStatus.FAILED).values_list("pk", flat=True))
        OutboundMail.objects.filter(pk__in=rows).update(
            status=OutboundStatus.QUEUED, attempts=0, next_attempt_at=now()
        )
        for pk in rows:
            enqueue_send(pk)
        self.message_user(
            request,
            ngettext("%(count)d mail queued.", "%(count)d mails queued.", len(rows))
            % {"count": len(rows)},
            messages.SUCCESS,
        )


@admin.register(MailboxState)
class MailboxStateAdmin(ReadOnly):
    list_display = ["key", "uidvalidity", "last_uid", "polled_at", "last_error"]
