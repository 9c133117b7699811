"""The assistant's status notices from ongoing incidents (registered in the app's ready()).

A question about an ongoing or announced incident — its category (from what the assistant
recognised), coins and networks, or one of its keywords — gets the incident's latest message
first, in the customer's language. The notice's key carries the latest update, so a customer
hears each new status once and the same one never twice in a conversation.
"""

from __future__ import annotations

from kefu.assistant.notices import Notice, Question

from .announcements import assistant_notice, latest_update, ongoing
from .scope import category_for_intent, concerns, subject


def incident_notices(question: Question) -> list[Notice]:
    incidents = ongoing()
    if not incidents:
        return []
    about = subject(
        category=category_for_intent(question.intent),
        coins=question.coins,
        networks=question.networks,
        text=question.text,
    )
    found = []
    for incident in incidents:
        if concerns(incident, about):
            update = latest_update(incident)
            key = f"incident:{incident.pk}:{update.pk if update else 0}"
            found.append(Notice(key, assistant_notice(incident, question.language)))
    return found
