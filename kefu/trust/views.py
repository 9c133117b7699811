"""The public "is this really us?" page: a form, the verdict in plain words, and the list of
official channels."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .channels import verify
from .channels.normalise import MAX_VALUE_LENGTH
from .models import ChannelKind, OfficialChannel


def verify_page(request: HttpRequest) -> HttpResponse:
    value = request.GET.get("value", "").strip()[:MAX_VALUE_LENGTH]
    verdict = verify(value) if value else None
    channels = OfficialChannel.objects.filter(active=True)
    groups = [
        (label, [c for c in channels if c.kind == kind]) for kind, label in ChannelKind.choices
    ]
    return render(
        request,
        "trust/verify.html",
        {
            "value": value,
            "verdict": verdict,
            "groups": [(label, found) for label, found in groups if found],
            "max_length": MAX_VALUE_LENGTH,
        },
    )
