"""The CLI's wording of a wait: in the largest unit that reads naturally."""

from __future__ import annotations

import pytest

from cli.client import duration


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (59, "59 seconds"),
        (119, "119 seconds"),
        (120, "2 minutes"),
        (3600, "60 minutes"),
        (7200, "2 hours"),
        (2_560_212, "30 days"),
    ],
)
def test_a_wait_is_said_in_a_readable_unit(seconds: int, said: str) -> None:
    assert duration(seconds) == said
