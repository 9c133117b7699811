"""The GET forms of the supervisor pages: the dashboard's period and filters, the staffing
plan's parameters. Each turns query parameters into checked values or field errors; a page
with errors shows them and computes nothing from half-valid input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, SupportLanguage, Team
from kefu.clock import now
from kefu.tickets.categories import CATEGORIES
from kefu.tickets.models import Channel
from kefu.trust import access

MAX_CUSTOM_DAYS = 366
PERIODS = [
    ("today", _("Today")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("custom", _("Custom")),
]


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC; ``first_day``/``last_day`` are what the picker shows."""

    key: str
    start: datetime
    end: datetime
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_for(key: str, first: date | None = None, last: date | None = None) -> Period:
    """Today so far, the last 7 or 30 days including today, or whole custom days."""
    today = timezone.localtime(now()).date()
    if key == "custom" and first and last:
        return Period(key, _midnight(first), _midnight(last + timedelta(days=1)), first, last)
    days = {"today": 1, "7d": 7, "30d": 30}.get(key, 7)
    first = today - timedelta(days=days - 1)
    return Period(key, _midnight(first), _midnight(today + timedelta(days=1)), first, today)


def _choices(pairs: Sequence[tuple[str, object]], *, everything: bool = True) -> list[Any]:
    return [("", _("All")), *pairs] if everything else list(pairs)


def _set_choices(
    form: forms.Form, name: str, pairs: Sequence[tuple[str, object]], *, everything: bool = True
) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = _choices(pairs, everything=everything)


class DashboardForm(forms.Form):
    """Period, filters and the breakdown. An administrator sees every team (or all together);
    a supervisor sees all their teams together, or picks one of them; never other teams'."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    by = forms.ChoiceField(label=_("Breakdown"), required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, user: Any, breakdowns: Sequence[str] = ()) -> None:
        data = data.copy()
        data.setdefault("period", "7d")
        teams = scoped_teams(user)
        every_team = access.supervised_team_ids(user) is None
        super().__init__(data)
        self.teams = teams
        self.every_team = every_team
        _set_choices(self, "channel", Channel.choices)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        everything = _("All") if every_team else _("All my teams")
        team.choices = [("", everything), *((t.slug, t.name) for t in teams)]
        _set_choices(self, "language", SupportLanguage.choices)
        _set_choices(self, "category", [(c.slug, c.label) for c in CATEGORIES.values()])
        _set_choices(self, "agent", [(str(a.pk), str(a)) for a in scoped_agents(user)])
        by = self.fields["by"]
        assert isinstance(by, forms.ChoiceField)
        by.choices = [("", ""), *((key, key) for key in breakdowns)]
        if not every_team and not teams:
            self.add_error(None, _("You supervise no team yet, so there are no numbers to show."))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise ValidationError(_("A custom period needs both dates."), code="dates_missing")
            if end < start:
                raise ValidationError(_("The period ends before it starts."), code="dates_order")
            if (end - start).days + 1 > MAX_CUSTOM_DAYS:
                raise ValidationError(
                    _("A period is at most %(days)d days.") % {"days": MAX_CUSTOM_DAYS},
                    code="dates_too_long",
                )
        return data

    def filter_values(self) -> dict[str, Any]:
        """The metrics ``Filters`` keyword arguments (without the period)."""
        data = self.cleaned_data
        return {
            "channel": data.get("channel") or None,
            "team": data.get("team") or None,
            # Without a team chosen, a supervisor's report covers their teams, not everyone's.
            "teams": () if self.every_team else tuple(t.slug for t in self.teams),
            "agent": data.get("agent"),
            "language": data.get("language") or None,
            "category": data.get("category") or None,
        }

    def chosen_period(self) -> Period:
        data = self.cleaned_data
        return period_for(data.get("period") or "7d", data.get("start"), data.get("end"))


def scoped_teams(user: object) -> list[Team]:
    """All teams for an administrator, a supervisor's own teams otherwise."""
    ids = access.supervised_team_ids(user)
    teams = Team.objects.order_by("name")
    return list(teams if ids is None else teams.filter(pk__in=ids))


def scoped_agents(user: object) -> list[Agent]:
    """The staff whose numbers the user may see: everyone for an administrator, else the
    members of the supervisor's teams."""
    ids = access.supervised_team_ids(user)
    agents = access.assignable_agents().order_by("display_name", "username")
    if ids is not None:
        agents = agents.filter(teams__in=ids).distinct()
    return list(agents)


class StaffingForm(forms.Form):
    """The plan's parameters as a supervisor thinks of them: shares in per cent, times in
    seconds. Blank fields take the plan's defaults."""

    target_share = forms.FloatField(
        label=_("Service level target (%)"), min_value=1, max_value=99, required=False
    )
    target_wait_seconds = forms.FloatField(
        label=_("Answered within (seconds)"), min_value=0, max_value=3600, required=False
    )
    handle_seconds = forms.FloatField(
        label=_("Handle time (seconds)"),
        min_value=1,
        max_value=86400,
        required=False,
        help_text=_("Blank: the mean of recent chats."),
    )
    shrinkage = forms.FloatField(
        label=_("Shrinkage (%)"), min_value=0, max_value=95, required=False
    )
    person_share = forms.FloatField(
        label=_("Contacts that reach a person (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Blank: the share of the last four weeks."),
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=14, required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    DEFAULTS = {"target_share": 80.0, "target_wait_seconds": 60.0, "shrinkage": 30.0, "days": 7}

    def __init__(self, data: object) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        _set_choices(self, "channel", Channel.choices)
        for name, value in self.DEFAULTS.items():
            self.fields[name].widget.attrs["placeholder"] = f"{value:g}"

    def plan_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``staffing_plan``: shares as fractions, blanks as defaults."""
        data = self.cleaned_data

        def number(name: str) -> float:
            value = data.get(name)
            return float(self.DEFAULTS[name] if value is None else value)

        return {
            "target_share": number("target_share") / 100,
            "target_wait_seconds": number("target_wait_seconds"),
            "handle_seconds": data.get("handle_seconds"),
            "shrinkage": number("shrinkage") / 100,
            "person_share": (
                None if data.get("person_share") is None else data["person_share"] / 100
            ),
            "days": int(number("days")),
            "channel": data.get("channel") or None,
        }
