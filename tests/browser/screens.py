"""What every console screen must pass at a phone's and a desktop's size: no sideways
scrolling, no serious or critical axe-core violation, and a visible focus on every control
that Tab reaches."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
SERIOUS = {"serious", "critical"}
MAX_TABS = 60

_axe = Axe()

OVERFLOW_JS = """() => {
  const root = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width && r.right > innerWidth + 1 && !e.closest('[data-usage-scroll], pre, .key-raw');
  }).slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));
  return {scrollWidth: root.scrollWidth, innerWidth, wide};
}"""

FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  // An SVG group (a chart's bar) shows focus by a stroke on its drawing instead.
  const stroked = e instanceof SVGElement && [...e.querySelectorAll('*')].some(c => {
    const s = getComputedStyle(c);
    return s.stroke !== 'none' && parseFloat(s.strokeWidth) >= 2;
  });
  const inView = box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;
  return {
    id: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' +
        (e.getAttribute('aria-label') || e.textContent || e.name || '').trim().slice(0, 40) + '"',
    key: e.outerHTML.slice(0, 200),
    visible: (outline || shadow || stroked) && box.width > 2 && box.height > 2 && inView,
  };
}"""


def overflow_problems(page: Any) -> list[str]:
    seen = page.evaluate(OVERFLOW_JS)
    if seen["scrollWidth"] <= seen["innerWidth"]:
        return []
    return [f"scrolls sideways: {seen['scrollWidth']} > {seen['innerWidth']} px ({seen['wide']})"]


def axe_problems(page: Any) -> list[str]:
    results = _axe.run(page)
    return [
        f"axe {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def focus_problems(page: Any) -> list[str]:
    """Tab through the page (or the open dialog) until the focus comes back round."""
    problems, seen = [], set()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            continue
        if focused["key"] in seen:
            break
        seen.add(focused["key"])
        if not focused["visible"]:
            problems.append(f"focus not visible on {focused['id']}")
    if not seen:
        problems.append("Tab reaches no control")
    return problems


def check_screen(page: Any, tab: bool = True) -> list[str]:
    problems = overflow_problems(page) + axe_problems(page)
    if tab:
        problems += focus_problems(page)
    return problems
