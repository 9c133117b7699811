"""Background jobs of the email channel, the same code in embedded mode (threads in the web
process) and scaled mode (Celery): sending one queued mail, retrying what is due, and polling
the mailboxes. Each is idempotent: the outbox row and the Message-ID key make a second run a
no-op."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kefu.jobs import enqueue, periodic, task

from . import imap, outbound


@task("email.send_outbound")
def send_outbound(outbound_id: int) -> str:
    return outbound.send_outbound(outbound_id)


@periodic("email.retry_outbound", every_seconds=60)
@task("email.retry_outbound")
def retry_outbound() -> dict[str, int]:
    """Mail left queued by a failed attempt, a crash, or an SMTP server that was down."""
    return outbound.send_due()


@periodic("email.poll", every_seconds=settings.KEFU_EMAIL_POLL_SECONDS)
@task("email.poll")
def poll_mailboxes() -> list[dict[str, Any]]:
    return [vars(result) for result in imap.poll_all()]


def enqueue_send(outbound_id: int) -> None:
    enqueue("email.send_outbound", outbound_id=outbound_id)
