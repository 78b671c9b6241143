"""The usage page in Chromium: 30 bars, and a tooltip with the day's date, total and split
on hover and on keyboard focus."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from apikeys.models import Kind, create_key
from conftest import join, make_tenant, make_user
from usage import executions
from usage.flows import create_flow
from usage.models import Status

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("midday")]


def record_runs(flow: Any, days_ago: int, ok: int, failed: int, live: int) -> None:
    started = timezone.now() - timedelta(days=days_ago, minutes=30)
    for status in [Status.SUCCEEDED] * ok + [Status.FAILED] * failed + [None] * live:
        execution = executions.start(flow, None, started_at=started)
        if status:
            executions.change_status(execution, status, ended_at=started + timedelta(seconds=2))


def expect_tooltip(page: Any, date: str, total: str, ok: str, failed: str, live: str) -> None:
    tip = page.locator(".usage-tooltip")
    expect(tip).to_be_visible()
    expect(tip.locator(".usage-tooltip-date")).to_have_text(date)
    rows = {
        row.locator("span:not(.usage-tooltip-mark)").inner_text(): row.locator(
            "strong"
        ).inner_text()
        for row in tip.locator(".usage-tooltip-row").all()
    }
    assert rows == {"Total": total, "Succeeded": ok, "Failed": failed, "In flight": live}


def test_the_usage_chart_has_30_bars_and_each_shows_its_day_on_hover_and_focus(
    browsing: Any, screenshot: Any
) -> None:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    flow = create_flow(tenant, "Nightly import")
    create_key(tenant=tenant, kind=Kind.TEAM, name="CI")
    record_runs(flow, days_ago=0, ok=3, failed=1, live=2)
    record_runs(flow, days_ago=2, ok=5, failed=2, live=0)

    page = browsing.page(owner)
    page.goto("/console/usage")
    bars = page.locator("[data-usage-chart] .usage-bar")
    expect(bars).to_have_count(30)

    today = bars.nth(29)
    today.hover()
    expect_tooltip(page, today.get_attribute("data-date"), "6", "3", "1", "2")
    screenshot(page, "owner-usage-hover")

    two_days_ago = bars.nth(27)
    two_days_ago.hover()
    expect_tooltip(page, two_days_ago.get_attribute("data-date"), "7", "5", "2", "0")

    page.mouse.move(0, 0)
    today.focus()
    expect_tooltip(page, today.get_attribute("data-date"), "6", "3", "1", "2")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(two_days_ago).to_be_focused()
    expect_tooltip(page, two_days_ago.get_attribute("data-date"), "7", "5", "2", "0")
    page.keyboard.press("Escape")
    expect(page.locator(".usage-tooltip")).to_be_hidden()


def test_without_javascript_each_bar_keeps_its_title(browsing: Any) -> None:
    tenant = make_tenant("Acme")
    member = make_user("member@acme.test")
    join(make_user("owner@acme.test"), tenant, Role.OWNER)
    join(member, tenant, Role.MEMBER)
    record_runs(create_flow(tenant, "Sync"), days_ago=1, ok=4, failed=0, live=1)
    page = browsing.page(member, javascript=False)
    page.goto("/console/usage")
    titles = page.locator("[data-usage-chart] .usage-bar title")
    expect(titles).to_have_count(30)
    assert "5 executions — 4 succeeded, 0 failed, 1 in flight" in titles.nth(28).text_content()


BOX_JS = """e => { const r = e.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"""


def intersects(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_the_tooltip_never_covers_its_bar(
    browsing: Any, screenshot: Any, viewport: tuple[int, int]
) -> None:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    flow = create_flow(tenant, "Nightly import")
    record_runs(flow, days_ago=0, ok=2, failed=0, live=0)
    record_runs(flow, days_ago=1, ok=3, failed=40, live=0)  # the failure spike
    record_runs(flow, days_ago=15, ok=20, failed=1, live=0)
    record_runs(flow, days_ago=29, ok=12, failed=0, live=1)
    page = browsing.page(owner)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto("/console/usage")
    bars = page.locator("[data-usage-chart] .usage-bar")
    tip = page.locator(".usage-tooltip")

    scroller = page.locator("[data-usage-scroll]")
    for index in [29, 28, 27, 26, 25, 24, 23, 22, 21, 14, 0]:
        bar = bars.nth(index)
        bar.scroll_into_view_if_needed()
        bar.hover()
        expect(tip).to_be_visible()
        tip_box = tip.evaluate(BOX_JS)
        assert not intersects(tip_box, bar.evaluate(BOX_JS)), (index, tip_box)
        # ... and it is whole: inside the part of the chart the card shows.
        seen = scroller.evaluate(BOX_JS)
        assert seen["left"] <= tip_box["left"] and tip_box["right"] <= seen["right"], index
        for rect in bar.locator("rect").all():
            assert not intersects(tip_box, rect.evaluate(BOX_JS)), index
        if index == 28:
            screenshot(page, f"owner-usage-spike-tooltip-{viewport[0]}")
        bar.focus()  # by keyboard, the same
        assert not intersects(tip.evaluate(BOX_JS), bar.evaluate(BOX_JS)), index


def test_on_a_phone_the_chart_labels_are_at_least_11_px_and_the_page_does_not_scroll_sideways(
    browsing: Any,
) -> None:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    record_runs(create_flow(tenant, "Sync"), days_ago=3, ok=1234, failed=0, live=0)
    page = browsing.page(owner)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/console/usage")
    sizes = page.locator("[data-usage-chart] .usage-tick").evaluate_all(
        """texts => texts.map(t =>
            parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )
    assert len(sizes) >= 5 and min(sizes) >= 11, sizes
    ticks = page.locator("[data-usage-chart] .usage-tick").all_text_contents()
    assert "1,000" in ticks  # thousands separators on the axis
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    # The chart opens on today, at the right end of its own scroll box.
    today = page.locator("[data-usage-chart] .usage-today").evaluate(BOX_JS)
    assert 0 < today["right"] <= 390
    numbers = page.locator(".usage-table td.num").first
    assert numbers.evaluate("e => getComputedStyle(e).textAlign") == "right"
