"""The usage numbers as plain values: the window, the three cards and the chart.

Nothing here knows about requests, templates or the database: callers pass the per-day
roll-up rows (already summed over flows and keys) and the tenant's "today".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
MAX_DAYS = 90
UNDEFINED = "—"


@dataclass(frozen=True)
class DayRow:
    """One day's counts. `ended` is succeeded + failed; `duration_ms` sums the ended runs."""

    day: date
    succeeded: int = 0
    failed: int = 0
    in_flight: int = 0
    ended: int = 0
    duration_ms: int = 0

    @property
    def total(self) -> int:
        """Every run started that day: ended or still in flight."""
        return self.succeeded + self.failed + self.in_flight


@dataclass(frozen=True)
class Cards:
    """Executions, Success rate and Avg duration; None where a ratio is undefined."""

    executions: int
    succeeded: int
    failed: int
    in_flight: int
    ended: int
    success_rate: float | None
    avg_duration_ms: float | None

    @property
    def success_rate_display(self) -> str:
        if self.success_rate is None:
            return UNDEFINED
        # Truncate, so that 99.97 % never reads as a perfect 100.0 %.
        return f"{math.floor(self.success_rate * 1000) / 10:.1f}%"

    @property
    def avg_duration_display(self) -> str:
        return format_duration(self.avg_duration_ms)


@dataclass(frozen=True)
class Window:
    """Every day from `start` to `end` (today, in `time_zone`), inclusive."""

    start: date
    end: date
    time_zone: str
    days: list[DayRow]


def today_in(time_zone: str, now: datetime) -> date:
    """The calendar date of the aware datetime `now` in `time_zone`."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def window_bounds(today: date, days: int) -> tuple[date, date]:
    """The first and last day of a window of `days` days that ends today."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    return today - timedelta(days=days - 1), today


def fill_window(rows: Iterable[DayRow], today: date, days: int, time_zone: str) -> Window:
    """Every day of the window in order, with zeros for days without rows; rows outside the
    window are ignored and rows for the same day are added up."""
    start, end = window_bounds(today, days)
    by_day: dict[date, DayRow] = {}
    for row in rows:
        if start <= row.day <= end:
            by_day[row.day] = add(by_day[row.day], row) if row.day in by_day else row
    filled = [
        by_day.get(start + timedelta(days=i), DayRow(start + timedelta(days=i)))
        for i in range(days)
    ]
    return Window(start=start, end=end, time_zone=time_zone, days=filled)


def add(a: DayRow, b: DayRow) -> DayRow:
    return DayRow(
        day=a.day,
        succeeded=a.succeeded + b.succeeded,
        failed=a.failed + b.failed,
        in_flight=a.in_flight + b.in_flight,
        ended=a.ended + b.ended,
        duration_ms=a.duration_ms + b.duration_ms,
    )


def cards(days: Iterable[DayRow]) -> Cards:
    """All runs started count toward Executions; the rates use ended runs only."""
    succeeded = failed = in_flight = ended = duration_ms = 0
    for row in days:
        succeeded += row.succeeded
        failed += row.failed
        in_flight += row.in_flight
        ended += row.ended
        duration_ms += row.duration_ms
    return Cards(
        executions=succeeded + failed + in_flight,
        succeeded=succeeded,
        failed=failed,
        in_flight=in_flight,
        ended=ended,
        success_rate=succeeded / ended if ended else None,
        avg_duration_ms=duration_ms / ended if ended else None,
    )


def format_duration(ms: float | None) -> str:
    """850 ms, 12.4 s, 3 min 5 s, 2 h 10 min; "—" for None."""
    if ms is None:
        return UNDEFINED
    if ms < 1000:
        return f"{round(ms)} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


# ---- Chart -----------------------------------------------------------------------------

# Bottom to top. The class names are the CSS classes that colour each segment.
SEGMENTS = (("succeeded", "seg-ok"), ("failed", "seg-fail"), ("in_flight", "seg-flight"))


@dataclass(frozen=True)
class Segment:
    name: str
    css_class: str
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    """One day's stacked bar: its column, its segments bottom to top, and its labels."""

    day: DayRow
    x: float
    width: float
    slot_x: float
    slot_width: float
    segments: list[Segment]
    label: str | None  # an x-axis label under some bars

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 2)

    @property
    def description(self) -> str:
        d = self.day
        return (
            f"{d.day:%a %-d %b %Y}: {d.total:,} executions — {d.succeeded:,} succeeded, "
            f"{d.failed:,} failed, {d.in_flight:,} in flight"
        )


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    """An SVG stacked bar chart in viewBox units; the template only draws it."""

    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_bottom: float
    plot_right: float
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def plot_height(self) -> float:
        return self.plot_bottom - self.plot_top

    @property
    def label_y(self) -> float:
        return self.plot_bottom + 16


def nice_scale(value: int, max_ticks: int = 5) -> tuple[int, int]:
    """A round axis top ≥ value, and a step (1, 2 or 5 times a power of ten) that reaches it
    in at most max_ticks steps."""
    if value <= 0:
        return 4, 1
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            step = m * magnitude
            if math.ceil(value / step) <= max_ticks:
                return step * math.ceil(value / step), step
        magnitude *= 10


def chart(
    days: list[DayRow],
    width: int = 720,
    height: int = 240,
    left: int = 48,
    right: int = 8,
    top: int = 12,
    bottom: int = 28,
    label_every: int = 7,
) -> Chart:
    """Bars for `days` (oldest first); x labels on the last day and every `label_every`
    days before it."""
    plot_bottom = height - bottom
    plot_height = plot_bottom - top
    axis_top, step = nice_scale(max((d.total for d in days), default=0))
    scale = plot_height / axis_top
    slot = (width - left - right) / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        y = float(plot_bottom)
        segments = []
        for name, css_class in SEGMENTS:
            value = getattr(day, name)
            h = value * scale
            y -= h
            segments.append(Segment(name, css_class, value, round(y, 2), round(h, 2)))
        from_end = len(days) - 1 - i
        slot_x = left + i * slot
        bars.append(
            Bar(
                day=day,
                x=round(slot_x + slot * 0.15, 2),
                width=round(slot * 0.7, 2),
                slot_x=round(slot_x, 2),
                slot_width=round(slot, 2),
                segments=segments,
                label=f"{day.day:%-d %b}" if from_end % label_every == 0 else None,
            )
        )
    ticks = [
        Tick(value, round(plot_bottom - value * scale, 2)) for value in range(0, axis_top + 1, step)
    ]
    return Chart(
        width=width,
        height=height,
        plot_left=left,
        plot_top=top,
        plot_bottom=plot_bottom,
        plot_right=width - right,
        bars=bars,
        ticks=ticks,
    )


# ---- Sparkline (the overview's 30 days at a glance) ------------------------------------


@dataclass(frozen=True)
class SparkBar:
    day: date
    total: int
    x: float
    y: float
    width: float
    height: float


def sparkline(days: list[DayRow], width: int = 300, height: int = 48) -> list[SparkBar]:
    """One bar per day scaled to the busiest day; a day with runs is at least 1 unit tall,
    a day without any has no height."""
    top = max((d.total for d in days), default=0)
    slot = width / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        h = max(1.0, day.total / top * height) if top and day.total else 0.0
        bars.append(
            SparkBar(
                day=day.day,
                total=day.total,
                x=round(i * slot + slot * 0.1, 2),
                y=round(height - h, 2),
                width=round(slot * 0.8, 2),
                height=round(h, 2),
            )
        )
    return bars
