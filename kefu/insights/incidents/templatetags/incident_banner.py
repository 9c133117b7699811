"""``{% load incident_banner %}{% incident_banner %}``: the help center's incident banners."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from kefu.accounts.models import SupportLanguage

from ..announcements import banners

register = template.Library()


@register.inclusion_tag("incidents/_banner.html")
def incident_banner() -> dict[str, Any]:
    """The ongoing and announced incidents in the page's language (nothing when none)."""
    language = translation.get_language() or SupportLanguage.EN
    if language not in SupportLanguage.values:
        language = SupportLanguage.EN
    return {"banners": banners(language)}
