"""What the trust app stores: the exchange's official channels, as it publishes them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    DOMAIN = "domain", _("Web site")
    EMAIL = "email", _("Email address")
    TELEGRAM = "telegram", _("Telegram account")
    PHONE = "phone", _("Phone number")
    WECHAT = "wechat", _("WeChat account")


class OfficialChannel(models.Model):
    """One channel the exchange speaks through. Anything not listed here is not the exchange.

    ``value`` is what the exchange publishes ("support@beacon.example", "@BeaconSupport");
    ``canonical`` is its normalised form, the one lookups compare against.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    value = models.CharField(_("value"), max_length=255)
    canonical = models.CharField(_("canonical form"), max_length=255, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("official channel")
        verbose_name_plural = _("official channels")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "canonical"], name="official_channel_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from .channels.normalise import normalise

        self.value = self.value.strip()
        self.canonical = normalise(self.kind, self.value)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .channels.normalise import InvalidChannel, normalise

        try:
            self.canonical = normalise(self.kind, self.value)
        except InvalidChannel:
            raise ValidationError(
                {"value": _("Enter a valid value for this kind of channel.")}
            ) from None


from .records import AccessRecord  # noqa: E402  (the access audit, in a module of its own)

__all__ = ["AccessRecord", "ChannelKind", "OfficialChannel"]
