"""Session-wide checks for every test under tests/ (fixtures live in the root conftest.py)."""

from tests.hygiene.plugin import (
    pytest_collection_finish,
    pytest_runtest_call,
    pytest_runtest_teardown,
    pytest_terminal_summary,
)

__all__ = [
    "pytest_collection_finish",
    "pytest_runtest_call",
    "pytest_runtest_teardown",
    "pytest_terminal_summary",
]
