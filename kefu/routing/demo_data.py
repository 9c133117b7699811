"""Demo queues (one per team and language, overflowing to general) and canned replies."""

from __future__ import annotations

from django.db import transaction

from kefu.accounts.models import Agent, Skill, SupportLanguage, Team
from kefu.tickets.models import CannedReply

from .models import Presence, Queue

QUEUE_SKILLS = {"security": "security", "api": "api"}
CANNED = [
    ("Greeting", "en", "Hello {customer_name}, this is {agent_name}. I'm looking into it now."),
    ("问候", "zh-hans", "{customer_name}您好，我是{agent_name}，正在为您查看。"),
    (
        "Ticket follow-up",
        "en",
        "I've kept this as ticket {ticket_number}; we'll update you there as soon as we know more.",
    ),
    ("工单跟进", "zh-hans", "已为您记录工单 {ticket_number}，有进展我们会第一时间通知您。"),
    (
        "Never share secrets",
        "en",
        "Please never share your password, 2FA codes, seed phrase or private keys — staff will "
        "never ask for them.",
    ),
]


@transaction.atomic
def load_demo_routing() -> None:
    general = {
        lang: Queue.objects.get_or_create(
            slug=f"general-{lang}",
            defaults={
                "name": f"General ({lang})",
                "team": Team.objects.get(slug="general"),
                "language": lang,
            },
        )[0]
        for lang in SupportLanguage.values
    }
    for team in Team.objects.exclude(slug="general"):
        for lang in SupportLanguage.values:
            skill = Skill.objects.filter(slug=QUEUE_SKILLS.get(team.slug, "")).first()
            Queue.objects.get_or_create(
                slug=f"{team.slug}-{lang}",
                defaults={
                    "name": f"{team.name} ({lang})",
                    "team": team,
                    "language": lang,
                    "skill": skill,
                    "fallback": general[lang],
                    "overflow_after": 300,
                },
            )
    for title, lang, body in CANNED:
        CannedReply.objects.get_or_create(title=title, defaults={"language": lang, "body": body})
    for agent in Agent.objects.all():
        Presence.objects.get_or_create(agent=agent)
