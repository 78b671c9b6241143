"""The CLI's wording of a wait: in the largest unit that reads naturally."""

from __future__ import annotations

import pytest

from cli.client import duration
from cli.render import when


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (59, "59 seconds"),
        (119, "119 seconds"),
        (120, "2 minutes"),
        (3600, "60 minutes"),
        (150, "3 minutes"),
        (298_800, "4 days"),
        (7200, "2 hours"),
        (2_560_212, "30 days"),
    ],
)
def test_a_wait_is_said_in_a_readable_unit(seconds: int, said: str) -> None:
    assert duration(seconds) == said


def test_times_are_shown_in_utc_whatever_offset_the_server_gives() -> None:
    assert when("2026-12-02T08:46:30+01:00") == "2026-12-02 07:46"
    assert when("2026-12-02T07:46:30.123456Z") == "2026-12-02 07:46"
    assert when(None) == ""
