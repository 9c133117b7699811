"""Small SVG charts drawn on the server: lines over time, bars (grouped or stacked), sparklines.

Why on the server: the console must work offline and under a strict Content-Security-Policy
(no CDN, no inline script or style), and a chart that is plain markup needs no code in the
browser at all, prints, and is read by tests with an XML parser. Colours and fonts are SVG
presentation attributes (not ``style``), so the policy never refuses them; the classes on the
elements are hooks for ``insights.css``.

Every chart is an ``<svg role="img">`` whose ``<title>`` and ``aria-label`` name it, whose
``<desc>`` summarises the data in words, and whose points and bars carry their own ``<title>``
(the browser's tooltip). Every label is escaped. A chart without data draws an empty frame that
says so, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Unit = Literal["number", "duration", "percent"]
XValue = datetime | date

# Colour-blind-safe (Okabe–Ito), in the order series are drawn.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999933", "#000000")
INK = "#1d2330"
MUTED = "#667085"
GRID = "#e4e7ec"
FONT = "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', sans-serif"

WIDTH = 720
HEIGHT = 280
MARGIN_LEFT = 64
MARGIN_RIGHT = 28  # room for the last time label, centred on the right edge
MARGIN_TOP = 40  # the legend sits here
MARGIN_BOTTOM = 40
MAX_LABEL = 28
MAX_BAR_WIDTH = 56
POINT_MARKERS_UP_TO = 62  # beyond this many points a line has no dots (and no per-point tooltip)

DURATION_STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600,
    12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
)  # fmt: skip
TIME_STEPS = tuple(
    timedelta(seconds=s)
    for s in (
        900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400,
        14 * 86400, 28 * 86400,
    )
)  # fmt: skip


@dataclass(frozen=True)
class Series:
    """One named line or bar series. ``values`` pair with the chart's x values (a line chart's
    times, a bar chart's categories); ``None`` is a gap (no data), not zero."""

    name: str
    values: Sequence[float | None]
    step: bool = False  # draw a line as steps (a rota changes at interval starts)
    dashed: bool = False


@dataclass
class _Frame:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = MARGIN_LEFT
    right: int = MARGIN_RIGHT
    top: int = MARGIN_TOP
    bottom: int = MARGIN_BOTTOM
    parts: list[str] = field(default_factory=list)

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        return self.height - self.bottom

    def add(self, markup: str) -> None:
        self.parts.append(markup)


# -- formatting -----------------------------------------------------------------------------


def format_duration(seconds: float | None) -> str:
    """``45s``, ``3m 20s``, ``2h 5m``, ``3d 4h``: the two largest units, rounded."""
    if seconds is None or math.isnan(seconds):
        return "–"
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes}m" if minutes else f"{hours}h"
    elif minutes:
        text = f"{minutes}m {secs}s" if secs else f"{minutes}m"
    else:
        text = f"{secs}s"
    return sign + text


def format_percent(share: float | None) -> str:
    """A share in [0, 1] as ``87.5%`` (one decimal only when it matters)."""
    if share is None or math.isnan(share):
        return "–"
    percent = share * 100
    return f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"


def format_number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


FORMATTERS: dict[str, Callable[[float | None], str]] = {
    "number": format_number,
    "duration": format_duration,
    "percent": format_percent,
}


def format_value(value: float | None, unit: Unit) -> str:
    return FORMATTERS[unit](value)


def _num(value: float) -> str:
    """A coordinate, short: SVG needs no more than a tenth of a pixel."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clip(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# -- scales ---------------------------------------------------------------------------------


def _nice(value: float, *, round_it: bool) -> float:
    """Heckbert's "nice numbers": 1, 2, 5 (or 2.5 for shares) times a power of ten."""
    exponent = math.floor(math.log10(value))
    fraction = value / 10**exponent
    if round_it:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10**exponent


def value_ticks(low: float, high: float, unit: Unit = "number", count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: whole numbers for counts, 10 % steps or finer
    for shares, whole seconds/minutes/hours for durations."""
    if high <= low:
        high = low + (1 if unit != "percent" else 0.1)
    if unit == "duration":
        wanted = (high - low) / (count - 1)
        step: float = next((s for s in DURATION_STEPS if s >= wanted), DURATION_STEPS[-1])
        while (high - low) / step > 2 * count:  # beyond the table: keep the count sane
            step *= 2
    else:
        step = _nice(_nice(high - low, round_it=False) / (count - 1), round_it=True)
        if unit == "number" and step < 1 and high - low >= 1:
            step = 1
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def _as_datetime(x: XValue) -> datetime:
    if isinstance(x, datetime):
        return x if timezone.is_aware(x) else x.replace(tzinfo=UTC)
    return datetime.combine(x, time.min, tzinfo=UTC)


def time_ticks(start: datetime, end: datetime, max_ticks: int = 8) -> list[tuple[datetime, str]]:
    """Tick times on round boundaries (quarter hours ... days, weeks) in the current time zone,
    each with its label: ``HH:MM`` within a day (the date, ``MM-DD``, at midnight), ``MM-DD``
    for steps of a day or more."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    span = end - start
    step = next((s for s in TIME_STEPS if span / s <= max_ticks), TIME_STEPS[-1])
    day = timedelta(days=1)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if step < day:
        offset = (start - midnight) // step * step
        tick = midnight + offset
        if tick < start:
            tick += step
    else:
        tick = midnight if midnight >= start else midnight + day
    ticks = []
    while tick <= end:
        local = timezone.localtime(tick)
        if step >= day or (local.hour == 0 and local.minute == 0):
            label = local.strftime("%m-%d")
        else:
            label = local.strftime("%H:%M")
        ticks.append((tick, label))
        tick += step
    return ticks


# -- building blocks ------------------------------------------------------------------------


def _open(
    frame: _Frame, kind: str, title: str, summary: str, empty: bool, aspect: str = "xMidYMid meet"
) -> None:
    label = f"{title}. {summary}" if summary else title
    frame.add(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" data-chart="{kind}"'
        f' data-empty="{"true" if empty else "false"}" role="img"'
        f' aria-label="{escape(label)}" viewBox="0 0 {frame.width} {frame.height}"'
        f' width="{frame.width}" height="{frame.height}" preserveAspectRatio="{aspect}"'
        f' font-family="{escape(FONT)}" font-size="12" fill="{INK}">'
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>"
    )


def _close(frame: _Frame) -> SafeString:
    frame.add("</svg>")
    return mark_safe("".join(frame.parts))  # every piece of text was escaped


def _empty(frame: _Frame, kind: str, title: str, message: str | None) -> SafeString:
    text = message or _("No data for this period.")
    _open(frame, kind, title, text, empty=True)
    frame.add(
        f'<rect class="chart-frame" x="{frame.left}" y="{frame.top}"'
        f' width="{_num(frame.plot_width)}" height="{_num(frame.plot_height)}"'
        f' fill="none" stroke="{GRID}" stroke-dasharray="4 4"/>'
        f'<text class="chart-empty" x="{_num(frame.left + frame.plot_width / 2)}"'
        f' y="{_num(frame.top + frame.plot_height / 2)}" text-anchor="middle"'
        f' dominant-baseline="middle" fill="{MUTED}" font-size="14">{escape(text)}</text>'
    )
    return _close(frame)


def _legend(frame: _Frame, series: Sequence[Series]) -> None:
    if len(series) < 2 and not (series and series[0].name):
        return
    x = float(frame.left)
    y = 16.0
    frame.add('<g class="chart-legend">')
    for index, s in enumerate(series):
        name = _clip(s.name, 24)
        width = 22 + 7.2 * len(name)
        if x + width > frame.width - frame.right and x > frame.left:
            x, y = float(frame.left), y + 16
        colour = PALETTE[index % len(PALETTE)]
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        frame.add(
            f'<g class="chart-legend-item"><title>{escape(s.name)}</title>'
            f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 14)}" y2="{_num(y)}"'
            f' stroke="{colour}" stroke-width="3"{dash}/>'
            f'<text x="{_num(x + 18)}" y="{_num(y)}" dominant-baseline="middle">'
            f"{escape(name)}</text></g>"
        )
        x += width + 12
    frame.add("</g>")
    frame.top = max(frame.top, int(y) + 16)


def _value_axis(
    frame: _Frame, ticks: list[float], unit: Unit, y_of: Callable[[float], float], label: str
) -> None:
    frame.add('<g class="chart-axis chart-axis-y">')
    for tick in ticks:
        y = _num(y_of(tick))
        frame.add(
            f'<line class="chart-grid" x1="{frame.left}" y1="{y}"'
            f' x2="{_num(frame.width - frame.right)}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{frame.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle"'
            f' fill="{MUTED}">{escape(format_value(tick, unit))}</text>'
        )
    if label:
        middle = _num(frame.top + frame.plot_height / 2)
        frame.add(
            f'<text class="chart-axis-label" x="14" y="{middle}" text-anchor="middle"'
            f' transform="rotate(-90 14 {middle})" fill="{MUTED}">{escape(label)}</text>'
        )
    frame.add(
        f'<line x1="{frame.left}" y1="{_num(frame.baseline)}"'
        f' x2="{_num(frame.width - frame.right)}" y2="{_num(frame.baseline)}" stroke="{MUTED}"/>'
        "</g>"
    )


def _value_range(
    series: Sequence[Series], y_min: float | None, y_max: float | None, stacked: bool = False
) -> tuple[float, float]:
    if stacked:
        columns = zip(*(s.values for s in series), strict=True)
        values = [sum(v for v in column if v is not None) for column in columns]
    else:
        values = [v for s in series for v in s.values if v is not None]
    low = min([0.0, *values]) if y_min is None else y_min
    high = max(values, default=1.0) if y_max is None else y_max
    return low, max(high, low)


def _summary(series: Sequence[Series], labels: Sequence[str], unit: Unit) -> str:
    """What a screen reader says instead of the picture: per series, its range and last value."""
    parts = []
    for s in series:
        known = [(label, v) for label, v in zip(labels, s.values, strict=True) if v is not None]
        if not known:
            parts.append(_("%(series)s: no data") % {"series": s.name})
            continue
        low = min(v for _label, v in known)
        high = max(v for _label, v in known)
        parts.append(
            _("%(series)s: from %(low)s to %(high)s, last %(last)s (%(when)s)")
            % {
                "series": s.name,
                "low": format_value(low, unit),
                "high": format_value(high, unit),
                "last": format_value(known[-1][1], unit),
                "when": known[-1][0],
            }
        )
    return "; ".join(parts)


def _has_data(series: Sequence[Series]) -> bool:
    return any(v is not None for s in series for v in s.values)


# -- charts ---------------------------------------------------------------------------------


def line_chart(
    title: str,
    times: Sequence[XValue],
    series: Sequence[Series],
    *,
    unit: Unit = "number",
    y_label: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    empty_message: str | None = None,
) -> SafeString:
    """Lines over a time axis. ``times`` are the x values (datetimes or dates, ascending); each
    series has one value (or ``None``) per time."""
    for s in series:
        if len(s.values) != len(times):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(times)} times")
    frame = _Frame(width=width, height=height)
    if not times or not _has_data(series):
        return _empty(frame, "line", title, empty_message)
    moments = [_as_datetime(t) for t in times]
    tick_labels = [timezone.localtime(m).strftime("%Y-%m-%d %H:%M") for m in moments]
    if all(isinstance(t, date) and not isinstance(t, datetime) for t in times):
        tick_labels = [str(t) for t in times]
    _open(frame, "line", title, _summary(series, tick_labels, unit), empty=False)
    _legend(frame, series)

    low, high = _value_range(series, y_min, y_max)
    ticks = value_ticks(low, high, unit)
    low, high = ticks[0], ticks[-1]
    start, end = moments[0], moments[-1]
    span = (end - start).total_seconds() or 1.0

    def x_of(moment: datetime) -> float:
        if end == start:
            return frame.left + frame.plot_width / 2
        return frame.left + (moment - start).total_seconds() / span * frame.plot_width

    def y_of(value: float) -> float:
        return frame.baseline - (value - low) / (high - low) * frame.plot_height

    _value_axis(frame, ticks, unit, y_of, y_label)
    frame.add('<g class="chart-axis chart-axis-x">')
    max_ticks = max(2, int(frame.plot_width // 80))
    for moment, label in (
        time_ticks(start, end, max_ticks)
        if end > start
        else [(start, timezone.localtime(start).strftime("%m-%d"))]
    ):
        tick_x = _num(x_of(moment))
        frame.add(
            f'<line x1="{tick_x}" y1="{_num(frame.baseline)}" x2="{tick_x}"'
            f' y2="{_num(frame.baseline + 5)}" stroke="{MUTED}"/>'
            f'<text x="{tick_x}" y="{_num(frame.baseline + 18)}" text-anchor="middle"'
            f' fill="{MUTED}">{escape(label)}</text>'
        )
    frame.add("</g>")

    markers = len(times) <= POINT_MARKERS_UP_TO
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        commands: list[str] = []
        pen_down = False
        dots: list[str] = []
        for moment, label, value in zip(moments, tick_labels, s.values, strict=True):
            if value is None:
                pen_down = False
                continue
            x, y = x_of(moment), y_of(value)
            if not pen_down:
                commands.append(f"M{_num(x)} {_num(y)}")
            elif s.step:
                commands.append(f"H{_num(x)}V{_num(y)}")
            else:
                commands.append(f"L{_num(x)} {_num(y)}")
            pen_down = True
            if markers:
                dots.append(
                    f'<circle class="chart-point" cx="{_num(x)}" cy="{_num(y)}" r="3"'
                    f' fill="{colour}"><title>{escape(s.name)} · {escape(label)}:'
                    f" {escape(format_value(value, unit))}</title></circle>"
                )
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        frame.add(
            f'<g class="chart-series chart-series-{index}" data-series="{escape(s.name)}">'
            f'<path class="chart-line" d="{" ".join(commands)}" fill="none" stroke="{colour}"'
            f' stroke-width="2" stroke-linejoin="round" stroke-linecap="round"{dash}/>'
            + "".join(dots)
            + "</g>"
        )
    return _close(frame)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    unit: Unit = "number",
    y_label: str = "",
    y_max: float | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    empty_message: str | None = None,
) -> SafeString:
    """Bars per category (a day, a channel, an agent): side by side, or stacked into one bar
    whose height is the total."""
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories"
            )
    frame = _Frame(width=width, height=height)
    if not categories or not _has_data(series):
        return _empty(frame, "bar", title, empty_message)
    if any(v is not None and v < 0 for s in series for v in s.values):
        raise ValueError("bar charts draw counts and durations: no negative values")
    labels = list(categories)
    _open(frame, "bar", title, _summary(series, labels, unit), empty=False)
    _legend(frame, series)

    low, high = _value_range(series, 0.0, y_max, stacked=stacked)
    ticks = value_ticks(low, high, unit)
    high = ticks[-1]

    def y_of(value: float) -> float:
        return frame.baseline - value / high * frame.plot_height

    _value_axis(frame, ticks, unit, y_of, y_label)
    slot = frame.plot_width / len(labels)
    bar_area = min(slot * 0.72, MAX_BAR_WIDTH * (1 if stacked else max(1, len(series))))
    per_bar = bar_area if stacked else bar_area / max(1, len(series))
    every = max(1, math.ceil(len(labels) * 64 / frame.plot_width))  # thin out crowded labels
    frame.add('<g class="chart-axis chart-axis-x">')
    for index, label in enumerate(labels):
        if index % every:
            continue
        tick_x = _num(frame.left + slot * (index + 0.5))
        frame.add(
            f'<text x="{tick_x}" y="{_num(frame.baseline + 18)}" text-anchor="middle"'
            f' fill="{MUTED}"><title>{escape(label)}</title>{escape(_clip(label, 12))}</text>'
        )
    frame.add("</g>")

    frame.add('<g class="chart-bars">')
    totals = [0.0] * len(labels)
    for s_index, s in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        frame.add(f'<g class="chart-series chart-series-{s_index}" data-series="{escape(s.name)}">')
        for index, value in enumerate(s.values):
            if not value:
                continue
            left = frame.left + slot * index + (slot - bar_area) / 2
            if stacked:
                x = left
                top, bottom = y_of(totals[index] + value), y_of(totals[index])
                totals[index] += value
            else:
                x = left + per_bar * s_index
                top, bottom = y_of(value), frame.baseline
            frame.add(
                f'<rect class="chart-bar" x="{_num(x)}" y="{_num(top)}"'
                f' width="{_num(max(per_bar - 1, 1))}" height="{_num(max(bottom - top, 0.5))}"'
                f' fill="{colour}"><title>{escape(s.name)} · {escape(labels[index])}:'
                f" {escape(format_value(value, unit))}</title></rect>"
            )
        frame.add("</g>")
    frame.add("</g>")
    return _close(frame)


def sparkline(
    title: str, values: Sequence[float | None], *, width: int = 120, height: int = 28
) -> SafeString:
    """A tile's trend: one line, no axes, the last point marked."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    frame = _Frame(width=width, height=height, left=2, right=4, top=3, bottom=3)
    if not known:
        _open(frame, "sparkline", title, _("No data for this period."), empty=True)
        return _close(frame)
    _open(frame, "sparkline", title, "", empty=False, aspect="none")  # stretches to the tile
    low = min(v for _i, v in known)
    high = max(v for _i, v in known)
    spread = (high - low) or 1.0
    last_index = max(1, len(values) - 1)

    def point(i: int, v: float) -> tuple[float, float]:
        x = frame.left + i / last_index * frame.plot_width
        y = frame.baseline - (v - low) / spread * frame.plot_height
        return x, y

    coordinates = [point(i, v) for i, v in known]
    path = " ".join(
        f"{'M' if n == 0 else 'L'}{_num(x)} {_num(y)}" for n, (x, y) in enumerate(coordinates)
    )
    x, y = coordinates[-1]
    frame.add(
        f'<path class="chart-line" d="{path}" fill="none" stroke="{PALETTE[0]}"'
        f' stroke-width="1.5" vector-effect="non-scaling-stroke"/>'
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2" fill="{PALETTE[0]}"/>'
    )
    return _close(frame)
