"""Demo staff and customers for the demo exchange."""

from __future__ import annotations

import secrets

from django.db import transaction

from .models import Agent, Customer, Role, Skill, Team

TEAMS = [
    ("security", "Security"),
    ("deposits-withdrawals", "Deposits and withdrawals"),
    ("trading", "Trading and futures"),
    ("account-kyc", "Account and KYC"),
    ("api", "API"),
    ("general", "General"),
    ("complaints", "Complaints"),
]
SKILLS = [
    ("security", "Security"),
    ("deposits", "Deposits"),
    ("withdrawals", "Withdrawals"),
    ("futures", "Futures"),
    ("kyc", "KYC"),
    ("api", "API"),
]
STAFF = [
    ("admin", Role.ADMIN, "Admin", ["zh-hans", "en"], [], []),
    ("supervisor", Role.SUPERVISOR, "Mei Lin", ["zh-hans", "en"], ["general", "security"], []),
    ("editor", Role.CONTENT_EDITOR, "Content Editor", ["zh-hans", "en"], [], []),
    (
        "agent.wang",
        Role.AGENT,
        "Wang Fang",
        ["zh-hans"],
        ["deposits-withdrawals", "general"],
        ["deposits", "withdrawals"],
    ),
    (
        "agent.chen",
        Role.AGENT,
        "Chen Jie",
        ["zh-hans", "en"],
        ["security", "account-kyc", "general"],
        ["security", "kyc"],
    ),
    (
        "agent.sam",
        Role.AGENT,
        "Sam Carter",
        ["en"],
        ["trading", "api", "general"],
        ["futures", "api"],
    ),
]
CUSTOMERS = [
    ("100001", "Li Wei", 0, 1, "zh-hans"),
    ("100002", "Zhang Min", 3, 2, "zh-hans"),
    ("100003", "Alice Morgan", 1, 1, "en"),
    ("100004", "Rahul Mehta", 5, 2, "en"),
    ("100005", "Nguyen Thi Lan", 0, 0, "en"),
]


@transaction.atomic
def load_demo_accounts() -> str:
    """Create teams, skills, staff and customers; returns the staff password (same for all)."""
    password = secrets.token_urlsafe(9)
    teams = {
        slug: Team.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in TEAMS
    }
    skills = {
        slug: Skill.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in SKILLS
    }
    for username, role, name, languages, team_slugs, skill_slugs in STAFF:
        agent, created = Agent.objects.get_or_create(
            username=username, defaults={"role": role, "display_name": name, "languages": languages}
        )
        if created:
            agent.set_password(password)
            agent.save()
            agent.teams.set([teams[s] for s in team_slugs])
            agent.skills.set([skills[s] for s in skill_slugs])
    for uid, name, vip, kyc, language in CUSTOMERS:
        Customer.objects.get_or_create(
            exchange_uid=uid,
            defaults={
                "display_name": name,
                "vip_tier": vip,
                "kyc_level": kyc,
                "language": language,
            },
        )
    return password
