"""Demo incidents: one resolved in the past (delayed TRC20 deposits, with its whole timeline)
and a maintenance announced for three days ahead, whose banner shows from the first start."""

from __future__ import annotations

from datetime import timedelta

from kefu.accounts.models import Agent, Role
from kefu.clock import now
from kefu.events.services import record_event

from .models import Incident, IncidentKind, IncidentStatus, IncidentUpdate

TRC20_TIMELINE = [
    (
        IncidentStatus.INVESTIGATING,
        timedelta(0),
        "We are investigating delays in USDT deposits on the TRC20 network. Your funds are safe; "
        "delayed deposits will be credited automatically.",
        "我们正在调查 TRC20 网络 USDT 充值延迟的问题。您的资产安全，延迟的充值将自动到账。",
    ),
    (
        IncidentStatus.IDENTIFIED,
        timedelta(minutes=40),
        "Our TRON node fell behind the chain. It is catching up; deposits are being credited in "
        "order.",
        "我们的 TRON 节点同步落后，正在追赶区块，充值将按顺序入账。",
    ),
    (
        IncidentStatus.MONITORING,
        timedelta(hours=2),
        "The node is in sync and delayed deposits have been credited. We are watching closely.",
        "节点已同步，延迟的充值均已入账，我们正在密切观察。",
    ),
    (
        IncidentStatus.RESOLVED,
        timedelta(hours=3),
        "TRC20 deposits are back to normal and every delayed deposit has been credited. Thank you "
        "for your patience.",
        "TRC20 充值已恢复正常，所有延迟的充值均已入账。感谢您的耐心等待。",
    ),
]


def load_demo_incidents() -> None:
    if Incident.objects.exists():
        return
    supervisor = Agent.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
    today = now().replace(minute=0, second=0, microsecond=0)
    opened = today - timedelta(days=12, hours=today.hour) + timedelta(hours=2, minutes=10)
    past = Incident.objects.create(
        kind=IncidentKind.DEPOSITS_DELAYED,
        status=IncidentStatus.RESOLVED,
        title={"en": "USDT deposits on TRC20 delayed", "zh-hans": "TRC20 网络 USDT 充值延迟"},
        coins=["USDT"],
        networks=["TRC20"],
        categories=["deposit"],
        opened_by=supervisor,
        opened_at=opened,
        updated_at=opened + TRC20_TIMELINE[-1][1],
        resolved_by=supervisor,
        resolved_at=opened + TRC20_TIMELINE[-1][1],
    )
    for status, after, english, chinese in TRC20_TIMELINE:
        IncidentUpdate.objects.create(
            incident=past,
            status=status,
            messages={"en": english, "zh-hans": chinese},
            posted_by=supervisor,
            posted_at=opened + after,
        )
    record_event("incident.opened", past, actor=supervisor, data={"demo": True})
    record_event("incident.resolved", past, actor=supervisor, data={"demo": True})

    starts = today - timedelta(hours=today.hour) + timedelta(days=3, hours=2)
    maintenance = Incident.objects.create(
        kind=IncidentKind.MAINTENANCE,
        status=IncidentStatus.IDENTIFIED,
        title={"en": "System upgrade", "zh-hans": "系统升级维护"},
        keywords=["maintenance", "upgrade", "维护", "升级"],
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        opened_by=supervisor,
        opened_at=now(),
        updated_at=now(),
    )
    IncidentUpdate.objects.create(
        incident=maintenance,
        status=IncidentStatus.IDENTIFIED,
        messages={
            "en": "Deposits, withdrawals and trading will pause for about two hours while we "
            "upgrade our systems. Open orders stay as they are; nothing needs to be done.",
            "zh-hans": "系统升级期间，充值、提现和交易将暂停约两小时。"
            "未成交的挂单保持不变，您无需任何操作。",
        },
        posted_by=supervisor,
        posted_at=now(),
    )
    record_event("incident.opened", maintenance, actor=supervisor, data={"demo": True})
