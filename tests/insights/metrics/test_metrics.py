"""Each metric on hand-built histories whose answers are worked out by hand in the comments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu import clock
from kefu.errors import ApiError
from kefu.insights.metrics import DIMENSIONS, METRICS, Filters, compute, compute_many, timeseries

from .conftest import T0, Story, minutes

WEEK = Filters(T0, T0 + timedelta(days=7))


def test_first_response_from_opening_and_for_chats_from_the_queue(story: Story) -> None:
    email = story.ticket(T0)
    story.say(email, "agent", T0 + minutes(5), agent=story.wang, internal=True)  # a note
    story.reply(email, T0 + minutes(10))
    story.reply(email, T0 + minutes(50))  # not a first response
    portal = story.ticket(T0, channel="portal")
    story.reply(portal, T0 + minutes(30))
    chat = story.chat(T0)
    story.say(chat, "customer", T0 + minutes(1))  # talking to the assistant
    story.queue(chat, T0 + minutes(2))
    story.assign(chat, T0 + minutes(2.5))
    story.say(chat, "agent", T0 + minutes(3), agent=story.wang)
    story.ticket(T0, channel="telegram")  # never answered: no sample

    first = compute(WEEK).total.first_response
    # 600 s, 1800 s and the chat's 60 s (from joining the queue, not from the greeting)
    assert first.count == 3
    assert first.mean == pytest.approx((600 + 1800 + 60) / 3)
    assert first.p50 == 600


def test_next_response_runs_from_the_customers_first_unanswered_message(story: Story) -> None:
    ticket = story.ticket(T0)
    story.reply(ticket, T0 + minutes(10))
    story.say(ticket, "customer", T0 + minutes(60))
    story.say(ticket, "customer", T0 + minutes(65))  # still the same wait
    story.reply(ticket, T0 + minutes(90))  # waited 30 minutes
    story.reply(ticket, T0 + minutes(95))  # nobody was waiting
    story.say(ticket, "customer", T0 + minutes(200))
    story.reply(ticket, T0 + minutes(210))  # waited 10 minutes

    row = compute(WEEK).total
    assert row.first_response.count == 1
    assert row.next_response.count == 2
    assert row.next_response.mean == pytest.approx((1800 + 600) / 2)


def test_resolution_time_counts_the_first_solve_of_cases_people_handled(story: Story) -> None:
    a = story.ticket(T0)
    story.reply(a, T0 + minutes(10))
    story.solve(a, T0 + minutes(120))
    story.status(a, T0 + timedelta(days=8), "solved", "closed")  # closing is not a new solve
    b = story.ticket(T0)
    story.reply(b, T0 + minutes(10))
    story.status(b, T0 + minutes(60), "open", "closed")  # closed directly: solved
    merged = story.ticket(T0)
    story.status(merged, T0 + minutes(5), "new", "closed")
    story.event(merged, "ticket.merged", T0 + minutes(5), into="K000001")
    bot_only = story.chat(T0)
    story.end_chat(bot_only, T0 + minutes(3))  # the assistant's: containment, not a solve
    left = story.chat(T0)
    story.queue(left, T0 + minutes(1))
    story.end_chat(left, T0 + minutes(4), resolution="abandoned")
    helped = story.chat(T0)
    story.queue(helped, T0 + minutes(1))
    story.assign(helped, T0 + minutes(2))
    story.say(helped, "agent", T0 + minutes(3), agent=story.wang)
    story.end_chat(helped, T0 + minutes(9))
    kept = story.chat(T0)
    story.queue(kept, T0 + minutes(1))
    story.assign(kept, T0 + minutes(2))
    story.end_chat(kept, T0 + minutes(5), resolution="transferred_to_ticket", kept_open=True)

    row = compute(WEEK).total
    assert row.solved == 3  # a (2 h), b (1 h), helped (9 min)
    assert row.resolution.p50 == 3600
    assert row.resolution.mean == pytest.approx((7200 + 3600 + 540) / 3)


def test_first_contact_resolution_and_reopen_rate(story: Story) -> None:
    one = story.ticket(T0)
    story.reply(one, T0 + minutes(10))
    story.solve(one, T0 + minutes(11))  # one reply, solved: first contact
    two = story.ticket(T0)
    story.reply(two, T0 + minutes(10))
    story.say(two, "customer", T0 + minutes(20))
    story.reply(two, T0 + minutes(30))
    story.solve(two, T0 + minutes(31))  # two replies
    back = story.ticket(T0)
    story.reply(back, T0 + minutes(10))
    story.solve(back, T0 + minutes(11))
    story.status(back, T0 + timedelta(days=2), "solved", "open")  # reopened after its solve
    story.solve(back, T0 + timedelta(days=2, hours=1), before="open")  # not a second solve
    chat = story.chat(T0)
    story.queue(chat, T0 + minutes(1))
    story.assign(chat, T0 + minutes(2))
    story.say(chat, "agent", T0 + minutes(3), agent=story.wang)
    story.say(chat, "agent", T0 + minutes(4), agent=story.wang)  # a chat may take many lines
    story.end_chat(chat, T0 + minutes(6))
    moved = story.chat(T0)
    story.queue(moved, T0 + minutes(1))
    story.assign(moved, T0 + minutes(2))
    story.say(moved, "agent", T0 + minutes(3), agent=story.wang)
    story.event(moved, "ticket.transferred", T0 + minutes(4), team="api", agent=None, note="")
    story.end_chat(moved, T0 + minutes(6))

    row = compute(WEEK).total
    assert row.solved == 5
    assert row.first_contact_resolved == 2  # one, chat
    assert row.fcr_rate == pytest.approx(2 / 5)
    assert row.reopened == 1
    assert row.reopen_rate == pytest.approx(1 / 5)


def test_csat_mean_share_satisfied_and_comments(story: Story) -> None:
    for score, comment, language in [
        (5, "很快就解决了，谢谢", "zh-hans"),
        (4, "", "en"),
        (2, "Took three days to answer.", "en"),
    ]:
        ticket = story.ticket(T0, language=language, agent=story.wang)
        story.reply(ticket, T0 + minutes(5))
        story.solve(ticket, T0 + minutes(6))
        story.rate(ticket, T0 + minutes(30 * score), score, comment)

    report = compute(WEEK)
    assert report.total.csat_responses == 3
    assert report.total.csat_mean == pytest.approx(11 / 3)
    assert report.total.csat_satisfied == 2
    assert report.total.csat_rate == pytest.approx(2 / 3)
    # Comments only, newest first, with the agent who had the case.
    assert [(c.score, c.comment) for c in report.csat_comments] == [
        (5, "很快就解决了，谢谢"),
        (2, "Took three days to answer."),
    ]
    assert report.csat_comments[0].agent == "Wang Fang"
    assert report.csat_comments[0].language == "zh-hans"
    assert report.csat_comments[0].ticket.startswith("K")


def test_assistant_containment_hand_over_rate_and_reasons(story: Story) -> None:
    now = clock.now()
    ended = story.chat(T0)
    story.end_chat(ended, T0 + minutes(4))  # contained
    asked = story.chat(T0)
    story.hand_over(asked, T0 + minutes(1), "customer_request")
    urgent = story.chat(T0 + minutes(5))
    story.hand_over(urgent, T0 + minutes(6), "urgent_security")
    also_asked = story.chat(T0 + minutes(7))
    story.hand_over(also_asked, T0 + minutes(8), "customer_request")
    story.chat(T0 + minutes(9))  # left idle for weeks: contained
    window = Filters(T0, now + minutes(1))
    story.chat(now - minutes(10))  # still talking: undecided

    report = compute(window)
    assert report.total.conversations == 5
    assert report.total.contained == 2
    assert report.total.handed_over == 3
    assert report.total.containment_rate == pytest.approx(2 / 5)
    assert report.total.handover_rate == pytest.approx(3 / 5)
    assert report.handover_reasons == {"customer_request": 2, "urgent_security": 1}


def test_sla_attainment_per_ticket_and_per_clock(story: Story) -> None:
    met = story.ticket(T0, sla=True)
    story.reply(met, T0 + minutes(10))
    story.say(met, "customer", T0 + minutes(20))
    story.reply(met, T0 + minutes(30))  # the next response clock ran and was met
    story.solve(met, T0 + minutes(40))
    late = story.ticket(T0, sla=True)
    story.event(late, "sla.breached", T0 + minutes(60), clock="first_response")
    story.reply(late, T0 + minutes(70))
    story.solve(late, T0 + minutes(80))
    slow = story.ticket(T0, sla=True)
    story.reply(slow, T0 + minutes(5))
    story.event(slow, "sla.breached", T0 + minutes(480), clock="resolution")
    story.solve(slow, T0 + minutes(500))
    story.ticket(T0, sla=True)  # open, not breached yet: undecided
    untracked = story.ticket(T0)
    story.event(untracked, "sla.breached", T0 + minutes(60), clock="first_response")

    row = compute(WEEK).total
    assert (row.sla.tracked, row.sla.met) == (3, 1)
    assert row.sla_attainment == pytest.approx(1 / 3)
    first = row.sla_clocks["first_response"]
    assert (first.tracked, first.met) == (3, 2)  # met, slow; late breached
    assert (row.sla_clocks["next_response"].tracked, row.sla_clocks["next_response"].met) == (
        1,
        1,
    )
    resolution = row.sla_clocks["resolution"]
    assert (resolution.tracked, resolution.met, resolution.breached) == (3, 2, 1)
    assert row.value("sla_resolution_attainment") == pytest.approx(2 / 3)


def test_queue_wait_and_abandonment(story: Story) -> None:
    waits = [10, 20, 30, 40, 50, 60, 70, 80, 90, 400]
    for i, wait in enumerate(waits):
        chat = story.chat(T0 + minutes(i * 20))
        story.queue(chat, T0 + minutes(i * 20 + 1))
        story.assign(chat, T0 + minutes(i * 20 + 1) + timedelta(seconds=wait))
    gone = story.chat(T0)
    story.queue(gone, T0 + minutes(1))
    story.event(gone, "routing.abandoned", T0 + minutes(3), last_seen="")
    story.end_chat(gone, T0 + minutes(3), resolution="abandoned")  # the same departure
    left = story.chat(T0)
    story.queue(left, T0 + minutes(1))
    story.end_chat(left, T0 + minutes(2), resolution="abandoned")
    moved = story.chat(T0)
    story.queue(moved, T0 + minutes(1))
    story.assign(moved, T0 + minutes(2))  # waited 60 s
    story.queue(moved, T0 + minutes(10))  # transferred to another team's queue
    story.assign(moved, T0 + minutes(10.5), story.sam)  # waited 30 s more

    row = compute(WEEK).total
    assert (row.queued, row.answered, row.abandoned) == (14, 12, 2)
    assert row.abandonment_rate == pytest.approx(2 / 14)
    # 12 waits: 10..90 s, 400 s, 60 s, 30 s -> sorted 10 20 30 30 40 50 60 60 70 80 90 400
    assert row.queue_wait.p50 == pytest.approx(55.0)  # rank 5.5 between 50 and 60
    assert row.queue_wait.p90 == pytest.approx(89.0)  # rank 9.9 between 80 and 90
    assert row.queue_wait.p99 == pytest.approx(90 + 0.89 * 310)  # rank 10.89
    assert row.queue_wait.mean == pytest.approx(940 / 12)


def test_measurements_belong_to_the_window_they_were_completed_in(story: Story) -> None:
    before = story.ticket(T0 - timedelta(days=1))  # opened before the window
    story.reply(before, T0 + minutes(60))  # answered inside it
    after = story.ticket(T0 + timedelta(days=6, hours=23))
    story.reply(after, T0 + timedelta(days=7, hours=1))  # answered after it

    row = compute(WEEK).total
    assert row.opened == 1  # "after"
    assert row.first_response.count == 1
    assert row.first_response.mean == pytest.approx(25 * 3600)


def test_grouped_by_each_dimension(story: Story) -> None:
    a = story.ticket(T0, channel="email", language="en", category="deposit", agent=story.wang)
    story.reply(a, T0 + minutes(10), story.wang)
    b = story.ticket(T0, channel="portal", language="zh-hans", category="kyc", agent=story.sam)
    story.reply(b, T0 + minutes(20), story.sam)
    c = story.ticket(T0, channel="email", language="zh-hans", category="withdrawal")
    story.reply(c, T0 + minutes(30))

    def rows(by: str) -> dict[str, tuple[str, int, float | None]]:
        return {r.key: (r.label, r.opened, r.first_response.mean) for r in compute(WEEK, by).rows}

    assert rows("channel") == {"email": ("email", 2, 1200.0), "portal": ("portal", 1, 1200.0)}
    assert rows("language") == {"zh-hans": ("简体中文", 2, 1500.0), "en": ("English", 1, 600.0)}
    assert list(rows("language")) == ["zh-hans", "en"]  # the declared order
    teams = rows("team")
    assert teams["deposits-withdrawals"] == ("Deposits and withdrawals", 2, 1200.0)
    assert teams["account-kyc"][1] == 1
    agents = rows("agent")
    assert agents[str(story.wang.pk)] == ("Wang Fang", 1, 600.0)
    assert agents[str(story.sam.pk)] == ("Sam Carter", 1, 1200.0)
    assert agents[""] == ("Unassigned", 1, 1800.0)
    categories = rows("category")
    assert categories["kyc"][0] == "Identity verification (KYC)"
    assert set(categories) == {"deposit", "kyc", "withdrawal"}


def test_filters_select_tickets_by_their_attributes(story: Story) -> None:
    a = story.ticket(T0, channel="email", language="en", agent=story.wang)
    story.reply(a, T0 + minutes(10))
    b = story.ticket(T0, channel="portal", language="zh-hans", category="kyc", agent=story.sam)
    story.reply(b, T0 + minutes(20))
    chat = story.chat(T0, language="zh-hans")
    story.end_chat(chat, T0 + minutes(2))
    ticketless = story.raw("assistant.conversation_started", "assistant.conversation", 999, T0)
    assert ticketless.subject_id == "999"

    def opened(**kw: object) -> tuple[int, int]:
        row = compute(Filters(WEEK.start, WEEK.end, **kw)).total  # type: ignore[arg-type]
        return row.opened, row.conversations

    assert opened() == (3, 2)  # the conversation without a ticket counts as chat
    assert opened(channel="portal") == (1, 0)
    assert opened(channel="chat") == (1, 2)
    assert opened(language="zh-hans") == (2, 1)
    assert opened(team="account-kyc") == (1, 0)
    assert opened(agent=story.wang.pk) == (1, 0)
    assert opened(category="deposit") == (1, 0)
    assert opened(channel="email", language="zh-hans") == (0, 0)


def test_period_buckets_cover_the_window_in_order(story: Story) -> None:
    story.ticket(T0 + minutes(5))
    story.ticket(T0 + minutes(65))
    story.ticket(T0 + minutes(70))
    story.ticket(T0 + timedelta(days=1))
    story.ticket(T0 + timedelta(days=7))  # the end is not in the window

    hours = compute(Filters(T0, T0 + timedelta(hours=3)), "hour").rows
    assert [(r.label, r.opened) for r in hours] == [
        ("2026-11-02 09:00", 1),
        ("2026-11-02 10:00", 2),
        ("2026-11-02 11:00", 0),
    ]
    midnight = T0.replace(hour=0)
    days = compute(Filters(midnight, midnight + timedelta(days=7)), "day").rows
    assert len(days) == 7
    assert len(compute(WEEK, "day").rows) == 8  # 09:00 to 09:00 touches eight days
    assert [r.opened for r in days] == [3, 1, 0, 0, 0, 0, 0]
    assert days[0].key == "2026-11-02T00:00:00+00:00"
    weeks = compute(Filters(T0 + timedelta(days=3), T0 + timedelta(days=10)), "week").rows
    # Thursday to Thursday: the ticket of the Tuesday before is outside, Monday's inside
    assert [(r.label, r.opened) for r in weeks] == [("2026-W45", 0), ("2026-W46", 1)]
    assert weeks[0].key == "2026-11-02T00:00:00+00:00"  # weeks start on Monday


def test_timeseries_gives_one_value_per_bucket(story: Story) -> None:
    for day, wait in [(0, 30), (0, 90), (2, 10)]:
        chat = story.chat(T0 + timedelta(days=day))
        story.queue(chat, T0 + timedelta(days=day))
        story.assign(chat, T0 + timedelta(days=day, seconds=wait))

    series = timeseries(Filters(T0, T0 + timedelta(days=3)), "queue_wait_p50", "day")
    midnight = T0.replace(hour=0)
    assert series == [
        (midnight, 60.0),  # the median of 30 s and 90 s
        (midnight + timedelta(days=1), None),
        (midnight + timedelta(days=2), 10.0),
        (midnight + timedelta(days=3), None),  # the window ends at 09:00 that day
    ]


def test_every_listed_metric_has_a_value_or_none(story: Story) -> None:
    row = compute(WEEK).total
    assert {key for key, _label, _unit in METRICS} >= {"fcr_rate", "queue_wait_p99"}
    for key, label, unit in METRICS:
        assert row.value(key) in (None, 0.0), key
        assert str(label) and unit in ("count", "seconds", "ratio", "score")


def test_bad_requests_are_refused(story: Story) -> None:
    with pytest.raises(ApiError) as dimension:
        compute(WEEK, by="customer")
    assert dimension.value.code == "invalid_dimension"
    with pytest.raises(ApiError) as metric:
        timeseries(WEEK, "happiness", "day")
    assert metric.value.code == "unknown_metric"
    with pytest.raises(ApiError) as period:
        Filters(T0, T0)
    assert period.value.code == "invalid_period"
    with pytest.raises(ApiError):
        Filters(T0.replace(tzinfo=None), T0 + timedelta(days=1))
    with pytest.raises(ApiError) as many:
        compute(Filters(T0, T0 + timedelta(days=3650)), by="hour")
    assert many.value.code == "too_many_periods"
    assert set(DIMENSIONS) == {"channel", "team", "agent", "language", "category"} | {
        "hour",
        "day",
        "week",
    }


def test_several_groupings_at_once_equal_separate_reports(story: Story) -> None:
    for i, channel in enumerate(["email", "portal", "email"]):
        ticket = story.ticket(T0 + timedelta(hours=i * 30), channel=channel)
        story.reply(ticket, T0 + timedelta(hours=i * 30, minutes=5 + i))
    reports = compute_many(WEEK, ["day", "channel", None])
    for by in ("day", "channel", None):
        assert reports[by] == compute(WEEK, by)
    with pytest.raises(ApiError):
        compute_many(WEEK, ["day", "colour"])


def test_an_incident_notice_to_many_tickets_is_no_response_to_any(story: Story) -> None:
    ticket = story.ticket(T0)
    story.say(ticket, "agent", T0 + minutes(3), agent=story.wang, kind="incident")
    story.event(ticket, "ticket.replied", T0 + minutes(3), message_seq=ticket.last_seq)
    story.reply(ticket, T0 + minutes(20))

    first = compute(WEEK).total.first_response
    assert (first.count, first.mean) == (1, 1200)
