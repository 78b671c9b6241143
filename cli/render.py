"""Human output: Rich tables (plain text when piped) and the usage chart in the terminal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

# Markup off: names come from the API, and a name such as "[/b]x" is text to show, not a style.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def as_json(data: Any) -> None:
    """`--json`: exactly the API's JSON, for scripts."""
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], empty: str, wrap: Sequence[str] = ()
) -> None:
    """Only the columns named in `wrap` (free text: names, scopes) may wrap; ids, keys,
    states and times stay whole on one line, to be read or pasted into the next command."""
    if not rows:
        out.print(empty)
        return
    grid = Table(box=None, pad_edge=False, header_style="bold")
    needed = 2 * (len(columns) - 1)  # the gaps between columns
    for index, column in enumerate(columns):
        cells = [str(row[index] or "") for row in rows]
        if column in wrap:  # broken between words only: never inside an id or a scope
            longest = max(len(word) for cell in cells for word in [column, *cell.split()])
            grid.add_column(column, min_width=longest, ratio=1)
            needed += longest
        else:
            widest = max(len(line) for cell in [column, *cells] for line in cell.splitlines())
            grid.add_column(column, no_wrap=True, min_width=widest)
            needed += widest
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    # Narrower than that, Rich would drop whole columns: better lines the terminal wraps.
    width = out.width
    out.width = max(width, needed)  # print's own width= cannot exceed the console's
    try:
        out.print(grid)
    finally:
        out.width = width


def when(timestamp: str | None) -> str:
    """An API time (ISO 8601, any offset) in UTC to the minute: 2026-12-02 07:46."""
    if not timestamp:
        return ""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def details(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max(len(label) for label, _ in pairs)
    for label, value in pairs:
        out.print(f"{label.ljust(width)}  {'' if value is None else value}")


def bar(used: int, allowance: int, width: int = 30) -> str:
    filled = 0 if allowance <= 0 else min(width, round(width * used / allowance))
    if allowance == 0:
        filled = width
    return "█" * filled + "░" * (width - filled)


def usage_chart(days: Sequence[dict[str, Any]], width: int = 40) -> None:
    """One line a day: succeeded (green), failed (red) and in flight (yellow), stacked and
    scaled to the busiest day; the numbers follow, so nothing depends on colour."""
    peak = max((int(d["total"]) for d in days), default=0)
    for day in days:
        total = int(day["total"])
        line = Text(f"{day['date']}  ")
        for key, colour in (("succeeded", "green"), ("failed", "red"), ("in_flight", "yellow")):
            count = int(day[key])
            cells = 0 if peak == 0 else round(width * count / peak)
            if count and not cells:
                cells = 1
            line.append("█" * cells, style=colour)
        line.append(
            f"  {total} ({day['succeeded']} ok, {day['failed']} failed, "
            f"{day['in_flight']} in flight)"
        )
        out.print(line)
