"""The access audit: who saw or acted on which customer's personal data, and when.

Events (kefu.events) say what changed; access records say who looked, including looks that
changed nothing, and who was refused. Both are append-only. A record names the customer by
their exchange user id as text as well as by key, so it stays readable after the customer's
personal data is erased; it never holds the personal data itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Customer
from kefu.events.models import AppendOnlyModel


class AccessAction(models.TextChoices):
    VIEW_CUSTOMER = "view_customer", _("viewed customer")
    VIEW_PROFILE_FROM_EXCHANGE = "view_profile_from_exchange", _("looked up exchange profile")
    REVEAL_FIELD = "reveal_field", _("revealed personal data")
    FREEZE_ACCOUNT = "freeze_account", _("froze account")
    UNFREEZE_ACCOUNT = "unfreeze_account", _("unfroze account")
    EXPORT_CUSTOMER_DATA = "export_customer_data", _("exported customer data")
    ERASE_CUSTOMER_DATA = "erase_customer_data", _("erased customer data")


class AccessRecord(AppendOnlyModel):
    """One access to one customer's data. ``staff`` is empty when the customer acted themselves
    or the system did (a job, a command); ``refused`` marks an attempt the rules turned down."""

    action = models.CharField(_("action"), max_length=40, choices=AccessAction.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff_username = models.CharField(_("staff username"), max_length=150, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer_uid = models.CharField(_("exchange user id"), max_length=64, db_index=True)
    ticket_ref = models.CharField(
        _("ticket or conversation"),
        max_length=64,
        blank=True,
        help_text=_("The ticket number or chat conversation the access was made for."),
    )
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    refused = models.BooleanField(_("refused"), default=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["staff", "at"], name="access_record_staff")]

    def __str__(self) -> str:
        who = self.staff_username or _("customer or system")
        return f"{who}: {self.get_action_display()} {self.customer_uid}"
