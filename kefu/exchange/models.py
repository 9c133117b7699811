"""Storage of the demo back office: what a real exchange would keep in its own systems.

Only :mod:`kefu.exchange.demo` reads these tables; everything else goes through the
:class:`~kefu.exchange.backoffice.BackOffice` interface, so a real exchange replaces them.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .backoffice import (
    AccountStatus,
    DepositStatus,
    Market,
    OrderSide,
    OrderStatus,
    OrderType,
    ReviewReason,
    WithdrawalStatus,
)


class DemoAccount(models.Model):
    uid = models.CharField(_("exchange user id"), max_length=64, unique=True)
    display_name = models.CharField(_("display name"), max_length=100)
    vip_tier = models.PositiveSmallIntegerField(_("VIP tier"), default=0)
    kyc_level = models.PositiveSmallIntegerField(_("KYC level"), default=0)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2."))
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    frozen_reason = models.CharField(_("frozen reason"), max_length=255, blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.CharField(_("status changed by"), max_length=100, blank=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    anti_phishing_set = models.BooleanField(_("anti-phishing code set"), default=False)
    withdrawals_locked_until = models.DateTimeField(
        _("withdrawals locked until"), null=True, blank=True
    )
    simulate_outage = models.BooleanField(
        _("simulate an outage"),
        default=False,
        help_text=_("Every back office call for this customer fails as if the exchange were down."),
    )

    class Meta:
        verbose_name = _("demo exchange account")
        verbose_name_plural = _("demo exchange accounts")
        ordering = ["uid"]

    def __str__(self) -> str:
        return f"{self.uid} {self.display_name}"


class DemoDeposit(models.Model):
    account = models.ForeignKey(
        DemoAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="deposits"
    )
    deposit_id = models.CharField(_("deposit id"), max_length=64, unique=True)
    coin = models.CharField(_("coin"), max_length=16)
    network = models.CharField(_("network"), max_length=16)
    address_network = models.CharField(_("address issued for network"), max_length=16, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=36, decimal_places=18)
    address = models.CharField(_("address"), max_length=128)
    memo = models.CharField(_("memo or tag"), max_length=64, blank=True)
    tx_hash = models.CharField(_("transaction hash"), max_length=128, db_index=True)
    confirmations = models.PositiveIntegerField(_("confirmations"), default=0)
    required_confirmations = models.PositiveIntegerField(_("required confirmations"))
    status = models.CharField(_("status"), max_length=20, choices=DepositStatus.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    credited_at = models.DateTimeField(_("credited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("demo deposit")
        verbose_name_plural = _("demo deposits")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.deposit_id} {self.amount.normalize()} {self.coin}"


class DemoWithdrawal(models.Model):
    account = models.ForeignKey(
        DemoAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="withdrawals"
    )
    withdrawal_id = models.CharField(_("withdrawal id"), max_length=64, unique=True)
    coin = models.CharField(_("coin"), max_length=16)
    network = models.CharField(_("network"), max_length=16)
    amount = models.DecimalField(_("amount"), max_digits=36, decimal_places=18)
    fee = models.DecimalField(_("fee"), max_digits=36, decimal_places=18, default=0)
    address = models.CharField(_("address"), max_length=128)
    memo = models.CharField(_("memo or tag"), max_length=64, blank=True)
    tx_hash = models.CharField(_("transaction hash"), max_length=128, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=WithdrawalStatus.choices)
    review_reason = models.CharField(
        _("review reason"), max_length=32, choices=ReviewReason.choices, blank=True
    )
    expected_by = models.DateTimeField(_("expected by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=64, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("demo withdrawal")
        verbose_name_plural = _("demo withdrawals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.withdrawal_id} {self.amount.normalize()} {self.coin}"


class DemoOrder(models.Model):
    account = models.ForeignKey(
        DemoAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="orders"
    )
    order_id = models.CharField(_("order id"), max_length=32, unique=True)
    market = models.CharField(_("market"), max_length=10, choices=Market.choices)
    symbol = models.CharField(_("symbol"), max_length=32)
    side = models.CharField(_("side"), max_length=4, choices=OrderSide.choices)
    type = models.CharField(_("type"), max_length=16, choices=OrderType.choices)
    price = models.DecimalField(_("price"), max_digits=36, decimal_places=18, null=True, blank=True)
    average_price = models.DecimalField(
        _("average price"), max_digits=36, decimal_places=18, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=36, decimal_places=18)
    filled = models.DecimalField(_("filled"), max_digits=36, decimal_places=18, default=0)
    leverage = models.PositiveSmallIntegerField(_("leverage"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices)
    reject_reason = models.CharField(_("reject reason"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("demo order")
        verbose_name_plural = _("demo orders")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.side} {self.symbol}"
