"""Known schema gaps the fuzzer finds, marked as expected failures of exactly the tests and
operations that hit them. Not strict: schemathesis's pytest plugin cannot report a strict
XPASS (it asserts on the missing exception), so a fix shows up as XPASS in the summary."""

from __future__ import annotations

import pytest

# Generation is derandomized, so each run finds the same examples. None known at present;
# add {test name: {"METHOD /path": reason}} here when the fuzzer finds a gap to fix later.
KNOWN_GAPS: dict[str, dict[str, str]] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fuzz/" not in item.nodeid:
            continue
        test, _, operation = item.name.partition("[")
        reason = KNOWN_GAPS.get(test, {}).get(operation.rstrip("]"))
        if reason:
            item.add_marker(pytest.mark.xfail(strict=False, reason=reason))
