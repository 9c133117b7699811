"""The chat benchmark's seeding process: migrates the servers' database and creates the agents,
their signed-in console sessions and the customers (run with the servers' environment)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def customer_uid(index: int) -> str:
    return f"bench-{index:05d}"


def _seed_main(spec: dict[str, Any]) -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kefu.accounts.models import Agent, Customer, Role, Team
    from kefu.accounts.staff_session import mark_verified
    from kefu.routing.models import Presence, Queue

    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_s = time.perf_counter() - t
    t = time.perf_counter()
    with transaction.atomic():
        team, _ = Team.objects.get_or_create(slug="general", defaults={"name": "General"})
        Queue.objects.get_or_create(
            slug="general-en", defaults={"name": "General (en)", "team": team, "language": "en"}
        )
        unusable = make_password(None)
        Agent.objects.bulk_create(
            Agent(
                username=f"bench.agent.{i:05d}",
                display_name=f"Agent {i}",
                role=Role.AGENT,
                languages=["en"],
                is_staff=True,
                password=unusable,
            )
            for i in range(spec["agents"])
        )
        agents = list(Agent.objects.filter(username__startswith="bench.agent.").order_by("pk"))
        Agent.teams.through.objects.bulk_create(
            Agent.teams.through(agent_id=a.pk, team_id=team.pk) for a in agents
        )
        Presence.objects.bulk_create(
            Presence(agent=a, status="offline", capacity=spec["capacity"]) for a in agents
        )
        Customer.objects.bulk_create(
            Customer(exchange_uid=customer_uid(i), display_name=f"Customer {i}", language="en")
            for i in range(spec["customers"])
        )
        # Consoles signed in with both steps (password and authenticator), as the sign-in
        # pages leave them.
        TOTPDevice.objects.bulk_create(TOTPDevice(user=a, confirmed=True) for a in agents)
        devices = {d.user_id: d for d in TOTPDevice.objects.filter(user__in=agents)}
        sessions = []
        for agent in agents:
            session = SessionStore()
            mark_verified(session, agent, devices[agent.pk])
            session.create()
            sessions.append([agent.pk, session.session_key])
    print(
        json.dumps({"agents": sessions, "migrate_s": migrate_s, "seed_s": time.perf_counter() - t})
    )


if __name__ == "__main__":
    _seed_main(json.loads(sys.argv[1]))
