"""The supervisors' pages and the agents' view of their feedback, with who may do what:
agents never score, supervisors review only their teams' agents, agents see only their own
scored reviews; refused requests write nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from kefu.errors import ApiError
from kefu.events.models import Event
from kefu.insights.quality.actions import score_review
from kefu.insights.quality.models import Criterion, Review, Rubric
from kefu.insights.quality.permissions import reviews_to_score
from kefu.insights.quality.rubrics import criteria_saved
from kefu.insights.quality.sampling import sample_period
from kefu.insights.quality.scoring import rubric_snapshot
from kefu.tickets.models import Author

from .conftest import NOW, Desk, chat, make_rubric, say, staff

QUEUE = "/en/console/quality/"
GOOD = {"score-answer": "3", "score-security": "1", "score-tone": "2", "comment": "Well done."}


def review_url(review: Review) -> str:
    return f"/en/console/quality/reviews/{review.pk}/"


def pending(agent, desk: Desk, **kwargs) -> Review:  # type: ignore[no-untyped-def]
    ticket = chat(agent, ended=NOW - timedelta(days=1), **kwargs)
    return Review.objects.create(ticket=ticket, agent=agent, handled_at=ticket.ended_at)


@pytest.fixture
def reviews(desk: Desk) -> dict[str, Review]:
    make_rubric()
    a = pending(desk.agent_a, desk)
    say(a.ticket, Author.CUSTOMER, "My USDT deposit has not arrived")
    say(a.ticket, Author.AGENT, "Checking the TRC20 network for you", agent=desk.agent_a)
    say(a.ticket, Author.AGENT, "Customer sounds upset", agent=desk.agent_a, internal=True)
    return {
        "a": a,
        "b": pending(desk.agent_b, desk),
        "sup_a": pending(desk.supervisor_a, desk),
        "admin": pending(desk.admin, desk),
    }


def written() -> tuple[int, int]:
    return Review.objects.filter(status="done").count(), Event.objects.filter(
        kind="quality.review_scored"
    ).count()


def test_the_queue_shows_the_supervisors_agents_pending_samples(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    page = staff(desk.supervisor_a).get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-review="{reviews["a"].pk}"' in html
    assert f'data-review="{reviews["b"].pk}"' not in html  # another team
    assert f'data-review="{reviews["sup_a"].pk}"' not in html  # their own
    assert (
        f'data-agent="{desk.agent_a2.pk}"' in html and f'data-agent="{desk.agent_b.pk}"' not in html
    )

    admin_page = staff(desk.admin).get(QUEUE).content.decode()
    for key in ("a", "b", "sup_a"):
        assert f'data-review="{reviews[key].pk}"' in admin_page
    assert f'data-review="{reviews["admin"].pk}"' not in admin_page

    assert staff(desk.agent_a).get(QUEUE).status_code == 403
    assert staff(desk.editor).get(QUEUE).status_code == 403
    assert Client().get(QUEUE).status_code == 302  # to the sign-in page


def test_review_page_shows_the_transcript_with_internal_notes_marked(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    page = staff(desk.supervisor_a).get(review_url(reviews["a"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "My USDT deposit has not arrived" in html
    assert "Checking the TRC20 network for you" in html
    assert 'class="msg msg-agent msg-internal"' in html and "Internal note" in html
    assert 'name="score-answer"' in html and 'name="score-tone" value="5"' in html
    assert 'name="rubric_version" value="1"' in html


def test_scoring_saves_the_total_and_records_the_event(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    client = staff(desk.supervisor_a)
    response = client.post(review_url(reviews["a"]), {**GOOD, "rubric_version": "1"})
    assert response.status_code == 302
    review = Review.objects.get(pk=reviews["a"].pk)
    assert review.status == "done" and review.total == Decimal("75.00")
    assert review.reviewer == desk.supervisor_a and review.scored_at == NOW
    assert review.scores == {"answer": 3, "security": 1, "tone": 2}
    assert review.comment == "Well done." and review.rubric_version == 1
    event = Event.objects.get(kind="quality.review_scored")
    assert event.actor == desk.supervisor_a and event.data["total"] == "75.00"

    again = client.post(review_url(review), GOOD)  # a second submission changes nothing
    assert again.status_code == 409 and written() == (1, 1)
    shown = client.get(review_url(review)).content.decode()
    assert 'id="review-total">75.00 %' in shown and 'name="score-answer"' not in shown


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"score-answer": "3", "score-security": "1"}, "tone", "Score this criterion."),
        ({**GOOD, "score-answer": "7"}, "answer", "Enter a score from 0 to 4."),
        ({**GOOD, "score-tone": "0"}, "tone", "Enter a score from 1 to 5."),
        ({**GOOD, "score-answer": "x"}, "answer", "Enter a whole number."),
        ({**GOOD, "score-speed": "3"}, "speed", "There is no criterion “speed” on this rubric."),
    ],
)
def test_invalid_scores_are_shown_by_criterion_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    desk: Desk, reviews, post, field, message
) -> None:
    response = staff(desk.supervisor_a).post(review_url(reviews["a"]), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="review-error"' in html and message in html
    assert f'data-criterion="{field}"' in html
    assert written() == (0, 0)
    assert Review.objects.get(pk=reviews["a"].pk).status == "pending"
    if "score-security" in post:  # what was entered is kept
        assert 'name="score-security" value="1" checked' in html


def test_a_rubric_changed_while_scoring_is_refused(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    rubric = Rubric.objects.get(is_active=True)
    before = rubric_snapshot(rubric)
    Criterion.objects.filter(rubric=rubric, key="tone").update(weight=2)
    criteria_saved(rubric, before)
    response = staff(desk.supervisor_a).post(
        review_url(reviews["a"]), {**GOOD, "rubric_version": "1"}
    )
    assert response.status_code == 409
    assert "The rubric changed" in response.content.decode()
    assert 'name="rubric_version" value="2"' in response.content.decode()
    assert written() == (0, 0)


def test_supervisors_review_only_their_teams_agents(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    client = staff(desk.supervisor_a)
    assert client.get(review_url(reviews["b"])).status_code == 404  # as if it did not exist
    assert client.post(review_url(reviews["b"]), GOOD).status_code == 404
    assert client.get(review_url(reviews["sup_a"])).status_code == 404  # their own, pending
    assert client.post(review_url(reviews["sup_a"]), GOOD).status_code == 404
    assert written() == (0, 0)
    assert staff(desk.supervisor_b).post(review_url(reviews["b"]), GOOD).status_code == 302


def test_nobody_scores_their_own_conversation(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    admin = staff(desk.admin)
    page = admin.get(review_url(reviews["admin"]))
    assert page.status_code == 200 and 'name="score-answer"' not in page.content.decode()
    response = admin.post(review_url(reviews["admin"]), GOOD)
    assert response.status_code == 403
    assert "Nobody reviews their own conversations." in response.content.decode()
    with pytest.raises(ApiError) as caught:
        score_review(reviews["admin"], by=desk.admin, scores={"answer": 1})
    assert caught.value.code == "own_conversation"
    assert written() == (0, 0)


def test_agents_cannot_score_and_see_only_their_own_scored_reviews(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    agent = staff(desk.agent_a)
    # Pending samples stay hidden, even from the agent reviewed.
    assert agent.get(review_url(reviews["a"])).status_code == 404
    assert agent.post(review_url(reviews["a"]), GOOD).status_code == 404
    assert staff(desk.agent_a2).post(review_url(reviews["a"]), GOOD).status_code == 404
    assert agent.post("/en/console/quality/sample/", {"days": "7"}).status_code == 403
    with pytest.raises(ApiError) as caught:
        score_review(reviews["b"], by=desk.agent_a, scores=GOOD)
    assert caught.value.code == "review_not_found"
    assert written() == (0, 0)

    staff(desk.supervisor_a).post(review_url(reviews["a"]), GOOD)
    staff(desk.supervisor_b).post(review_url(reviews["b"]), GOOD)

    own = agent.get(review_url(reviews["a"]))
    assert own.status_code == 200
    html = own.content.decode()
    assert 'id="review-total">75.00 %' in html and "Well done." in html
    assert 'name="score-answer"' not in html and "<form" not in html.split("quality-rubric")[1]
    assert agent.post(review_url(reviews["a"]), GOOD).status_code == 403  # read-only
    assert agent.get(review_url(reviews["b"])).status_code == 404
    assert staff(desk.agent_a2).get(review_url(reviews["a"])).status_code == 404
    assert staff(desk.editor).get(review_url(reviews["a"])).status_code == 403

    mine = agent.get("/en/console/quality/mine/", follow=True)
    assert mine.status_code == 200
    listing = mine.content.decode()
    assert f'data-review="{reviews["a"].pk}"' in listing
    assert f'data-review="{reviews["b"].pk}"' not in listing
    assert "75.0 %" in listing  # the 30-day average
    assert agent.get(f"/en/console/quality/agents/{desk.agent_b.pk}/").status_code == 404


def test_supervisors_see_their_agents_review_lists(desk: Desk, reviews) -> None:  # type: ignore[no-untyped-def]
    staff(desk.supervisor_a).post(review_url(reviews["a"]), GOOD)
    page = staff(desk.supervisor_a).get(f"/en/console/quality/agents/{desk.agent_a.pk}/")
    assert page.status_code == 200 and f'data-review="{reviews["a"].pk}"' in page.content.decode()
    assert (
        staff(desk.supervisor_b).get(f"/en/console/quality/agents/{desk.agent_a.pk}/").status_code
        == 404
    )
    assert (
        staff(desk.admin).get(f"/en/console/quality/agents/{desk.agent_a.pk}/").status_code == 200
    )


def test_drawing_samples_from_the_queue(desk: Desk) -> None:
    make_rubric()
    for hours in (2, 5, 9):
        chat(desk.agent_a, ended=NOW - timedelta(hours=hours))
        chat(desk.agent_b, ended=NOW - timedelta(hours=hours))
    client = staff(desk.supervisor_a)
    response = client.post("/en/console/quality/sample/", {"days": "7", "per_agent": "2"})
    assert response.status_code == 302
    assert set(Review.objects.values_list("agent_id", flat=True)) == {desk.agent_a.pk}
    assert Review.objects.count() == 2
    refused = client.post(
        "/en/console/quality/sample/", {"days": "7", "per_agent": "99"}, follow=True
    )
    assert "Sample from 1 to 50 conversations per agent." in refused.content.decode()
    assert client.post("/en/console/quality/sample/", {"days": "3"}).status_code == 302
    assert Review.objects.count() == 2


def test_an_agent_of_two_teams_is_reviewed_on_each_teams_work_by_its_supervisor(
    desk: Desk, reviews
) -> None:  # type: ignore[no-untyped-def]
    """Supervisors see their teams' tickets only, in quality review as everywhere else."""
    desk.agent_a.teams.add(desk.team_b)
    on_b = pending(desk.agent_a, desk, team=desk.team_b)
    client = staff(desk.supervisor_a)
    assert client.get(review_url(on_b)).status_code == 404
    assert client.post(review_url(on_b), GOOD).status_code == 404
    assert on_b.pk not in [r.pk for r in reviews_to_score(desk.supervisor_a)]
    assert reviews["a"].pk in [r.pk for r in reviews_to_score(desk.supervisor_a)]
    assert staff(desk.supervisor_b).get(review_url(on_b)).status_code == 200
    # Drawing samples asks the same: supervisor A draws none of team B's work.
    chat(desk.agent_a, ended=NOW - timedelta(hours=5), team=desk.team_b)
    on_a = chat(desk.agent_a, ended=NOW - timedelta(hours=6), team=desk.team_a)
    drawn = sample_period(NOW - timedelta(days=7), NOW, per_agent=5, by=desk.supervisor_a)
    assert [r.ticket_id for r in drawn] == [on_a.pk]
