"""Known schema gaps the fuzzer finds, marked as expected failures of exactly the tests and
operations that hit them. Not strict: schemathesis's pytest plugin cannot report a strict
XPASS (it asserts on the missing exception), so a fix shows up as XPASS in the summary."""

from __future__ import annotations

import pytest

# Generation is derandomized, so each run finds the same examples.
LIST_404 = (
    "undocumented 404 on a list: an invalid cursor (CursorPagination raises NotFound); "
    "answer 400 or document 404 as /flows, /executions and /usage do"
)
LIST_FIELD_ERRORS = (
    "validation errors of a list field come back keyed by index "
    '({"0": [...]}) where the Error schema says an array'
)
WITH_A_KEY = {
    "GET /api/v1/keys": LIST_404,
    "POST /api/v1/keys": LIST_FIELD_ERRORS,
    "POST /api/v1/keys/leaked": LIST_FIELD_ERRORS,
}
KNOWN_GAPS = {
    "test_with_a_valid_key_responses_match_the_schema_and_stay_in_the_tenant": WITH_A_KEY,
    "test_with_a_foreign_key_nothing_of_the_other_tenant_comes_back": WITH_A_KEY,
    "test_without_a_key_every_operation_refuses_and_reveals_nothing": {
        "POST /api/v1/keys/leaked": LIST_FIELD_ERRORS,
    },
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fuzz/" not in item.nodeid:
            continue
        test, _, operation = item.name.partition("[")
        reason = KNOWN_GAPS.get(test, {}).get(operation.rstrip("]"))
        if reason:
            item.add_marker(pytest.mark.xfail(strict=False, reason=reason))
