"""usage/stats.py with plain values: window, cards, formatting, chart geometry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from usage import stats
from usage.stats import DayRow


def test_today_is_the_date_in_the_tenant_time_zone() -> None:
    now = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    assert stats.today_in("UTC", now) == date(2024, 3, 31)
    assert stats.today_in("Europe/Berlin", now) == date(2024, 4, 1)
    assert stats.today_in("America/Los_Angeles", now) == date(2024, 3, 31)


def test_window_spans_a_dst_change_with_one_entry_per_day() -> None:
    window = stats.fill_window([], date(2024, 4, 10), 30, "Europe/Berlin")
    assert window.start == date(2024, 3, 12) and window.end == date(2024, 4, 10)
    assert len({d.day for d in window.days}) == 30


def test_rows_of_one_day_add_up_and_rows_outside_are_ignored() -> None:
    rows = [
        DayRow(date(2024, 4, 10), succeeded=1, ended=1, duration_ms=5),
        DayRow(date(2024, 4, 10), failed=2, in_flight=1, ended=2, duration_ms=7),
        DayRow(date(2024, 4, 11), succeeded=100, ended=100),
        DayRow(date(2024, 4, 8), succeeded=100, ended=100),
    ]
    window = stats.fill_window(rows, date(2024, 4, 10), 2, "UTC")
    assert window.days == [
        DayRow(date(2024, 4, 9)),
        DayRow(date(2024, 4, 10), succeeded=1, failed=2, in_flight=1, ended=3, duration_ms=12),
    ]


@pytest.mark.parametrize("days", [0, 91, -1])
def test_window_length_is_bounded(days: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 90"):
        stats.window_bounds(date(2024, 1, 1), days)


def test_success_rate_is_truncated_never_rounded_up_to_100() -> None:
    cards = stats.cards([DayRow(date(2024, 1, 1), succeeded=9999, failed=1, ended=10000)])
    assert cards.success_rate_display == "99.9%"


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "—"),
        (0, "0 ms"),
        (850.4, "850 ms"),
        (12_400, "12.4 s"),
        (185_000, "3 min 5 s"),
        (7_800_000, "2 h 10 min"),
    ],
)
def test_durations_read_naturally(ms: float | None, text: str) -> None:
    assert stats.format_duration(ms) == text


@pytest.mark.parametrize(
    ("value", "scale"),
    [(0, (4, 1)), (3, (3, 1)), (7, (8, 2)), (1_154, (1_500, 500)), (1_890, (2_000, 500))],
)
def test_axis_scale_is_round(value: int, scale: tuple[int, int]) -> None:
    assert stats.nice_scale(value) == scale


def test_chart_stacks_each_day_to_its_total_height() -> None:
    days = [
        DayRow(date(2024, 1, d), succeeded=d, failed=1, in_flight=1, ended=d + 1)
        for d in range(1, 31)
    ]
    chart = stats.chart(days)
    assert len(chart.bars) == 30
    tallest = chart.bars[-1]
    top = tallest.segments[-1].y
    assert [s.name for s in tallest.segments] == ["succeeded", "failed", "in_flight"]
    assert sum(s.height for s in tallest.segments) == pytest.approx(chart.plot_bottom - top)
    axis_top = chart.ticks[-1]
    assert axis_top.value >= 32 and axis_top.y <= top
    assert (
        tallest.label == "30 Jan"
        and chart.bars[-8].label == "23 Jan"
        and chart.bars[-2].label is None
    )
    assert "30 Jan 2024: 32 executions — 30 succeeded, 1 failed, 1 in flight" in tallest.description


def test_sparkline_scales_to_the_busiest_day_and_keeps_quiet_days_visible() -> None:
    days = [DayRow(date(2026, 3, d), succeeded=n) for d, n in [(1, 0), (2, 1), (3, 1000)]]
    quiet, small, busy = stats.sparkline(days, width=30, height=48)
    assert (quiet.height, small.height, busy.height) == (0.0, 1.0, 48.0)
    assert busy.y == 0.0 and small.y == 47.0
    assert [bar.x for bar in (quiet, small, busy)] == [1.0, 11.0, 21.0]


def test_sparkline_of_an_empty_window_is_flat() -> None:
    days = [DayRow(date(2026, 3, d)) for d in range(1, 31)]
    assert {bar.height for bar in stats.sparkline(days)} == {0.0}


def test_bar_descriptions_use_thousands_separators() -> None:
    (bar,) = stats.chart([DayRow(date(2026, 3, 2), succeeded=12345, failed=1000)]).bars
    assert bar.description == (
        "Mon 2 Mar 2026: 13,345 executions — 12,345 succeeded, 1,000 failed, 0 in flight"
    )
