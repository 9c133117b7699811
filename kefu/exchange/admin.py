"""The demo back office in the admin: mostly for looking; status changes go through actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.errors import ApiError
from kefu.trust import account_actions
from kefu.trust.audit import request_ip

from .backoffice import ExchangeError
from .models import DemoAccount, DemoDeposit, DemoOrder, DemoWithdrawal


@admin.register(DemoAccount)
class DemoAccountAdmin(admin.ModelAdmin):
    list_display = ["uid", "display_name", "vip_tier", "kyc_level", "country", "status"]
    list_filter = ["status", "kyc_level", "vip_tier", "simulate_outage"]
    search_fields = ["uid", "display_name"]
    readonly_fields = [
        "status",
        "frozen_reason",
        "frozen_at",
        "status_changed_at",
        "status_changed_by",
        "withdrawals_locked_until",
    ]
    actions = ["freeze", "unfreeze"]

    def _change_status(
        self, request: HttpRequest, queryset: QuerySet[DemoAccount], freeze: bool
    ) -> None:
        # Through the trust rules (role checks, access records), like every account action.
        change = account_actions.staff_freeze if freeze else account_actions.staff_unfreeze
        reason = "admin_request"
        for account in queryset:
            try:
                result = change(request.user, account.uid, reason=reason, ip=request_ip(request))
            except ApiError as refused:
                self.message_user(request, refused.message, messages.ERROR)
            except ExchangeError as error:
                message = _("%(uid)s: the exchange refused (%(code)s).")
                self.message_user(
                    request, message % {"uid": account.uid, "code": error.code}, messages.ERROR
                )
            else:
                message = _("%(uid)s: %(outcome)s.")
                self.message_user(
                    request, message % {"uid": account.uid, "outcome": result.outcome.label}
                )

    @admin.action(description=_("Freeze the selected accounts"))
    def freeze(self, request: HttpRequest, queryset: QuerySet[DemoAccount]) -> None:
        self._change_status(request, queryset, freeze=True)

    @admin.action(description=_("Unfreeze the selected accounts"))
    def unfreeze(self, request: HttpRequest, queryset: QuerySet[DemoAccount]) -> None:
        self._change_status(request, queryset, freeze=False)


@admin.register(DemoDeposit)
class DemoDepositAdmin(admin.ModelAdmin):
    list_display = ["deposit_id", "account", "coin", "network", "amount", "status", "created_at"]
    list_filter = ["status", "coin", "network"]
    search_fields = ["deposit_id", "tx_hash", "address", "account__uid"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"


@admin.register(DemoWithdrawal)
class DemoWithdrawalAdmin(admin.ModelAdmin):
    list_display = [
        "withdrawal_id",
        "account",
        "coin",
        "network",
        "amount",
        "status",
        "review_reason",
        "created_at",
    ]
    list_filter = ["status", "review_reason", "coin", "network"]
    search_fields = ["withdrawal_id", "tx_hash", "address", "account__uid"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"


@admin.register(DemoOrder)
class DemoOrderAdmin(admin.ModelAdmin):
    list_display = ["order_id", "account", "market", "symbol", "side", "type", "status"]
    list_filter = ["market", "status", "type"]
    search_fields = ["order_id", "symbol", "account__uid"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
