"""Which status changes an execution may make, and that an ended run never changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from usage import executions, transitions
from usage.models import ENDED, Execution, Flow, Status

LEGAL = [
    (Status.RUNNING, Status.PAUSED),
    (Status.PAUSED, Status.RUNNING),
    (Status.RUNNING, Status.COMPENSATING),
    *[(s, end) for s in (Status.RUNNING, Status.PAUSED, Status.COMPENSATING) for end in ENDED],
]
ILLEGAL = [(a, b) for a in Status.values for b in Status.values if (a, b) not in LEGAL]


def in_state(flow: Flow, status: str) -> Execution:
    """A run brought to `status` through legal changes only."""
    execution = executions.start(flow, started_at=timezone.now() - timedelta(minutes=5))
    if status != Status.RUNNING:
        executions.change_status(execution, status)  # every other state is one step away
    return execution


def test_the_transition_table_is_what_the_spec_says() -> None:
    assert {
        (a, b) for a in Status.values for b in Status.values if transitions.is_allowed(a, b)
    } == set(LEGAL)


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_every_legal_change_works(flow: Flow, current: str, target: str) -> None:
    execution = in_state(flow, current)
    executions.change_status(execution, target)
    execution.refresh_from_db()
    expected = (
        Status.FAILED if (current, target) == (Status.COMPENSATING, Status.SUCCEEDED) else target
    )
    assert execution.status == expected
    assert (execution.ended_at is not None) == (target in ENDED)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_illegal_change_is_refused_naming_both_states(
    flow: Flow, current: str, target: str
) -> None:
    execution = in_state(flow, current)
    before = Execution.objects.values().get(pk=execution.pk)
    with pytest.raises(ValidationError) as caught:
        executions.change_status(execution, target)
    assert caught.value.message_dict["status"] == [
        f"Cannot change a {current} execution to {target}."
    ]
    assert Execution.objects.values().get(pk=execution.pk) == before


def test_an_ended_run_never_changes_again_even_from_a_stale_copy(flow: Flow) -> None:
    execution = executions.start(flow)
    stale = Execution.objects.get(pk=execution.pk)
    executions.change_status(execution, Status.SUCCEEDED)
    with pytest.raises(ValidationError, match="Cannot change a succeeded execution to failed"):
        executions.change_status(stale, Status.FAILED)
    execution.refresh_from_db()
    assert execution.status == Status.SUCCEEDED


def test_ended_at_defaults_to_now_and_sets_the_duration(flow: Flow) -> None:
    execution = executions.start(flow, started_at=timezone.now() - timedelta(seconds=90))
    executions.change_status(execution, Status.SUCCEEDED)
    execution.refresh_from_db()
    assert execution.ended_at is not None
    assert timezone.now() - execution.ended_at < timedelta(seconds=5)
    assert 89_000 <= (execution.duration_ms or 0) <= 95_000


def test_reported_end_time_is_used(flow: Flow) -> None:
    started = timezone.now() - timedelta(hours=1)
    execution = executions.start(flow, started_at=started)
    executions.change_status(execution, Status.FAILED, ended_at=started + timedelta(seconds=1.5))
    execution.refresh_from_db()
    assert execution.duration_ms == 1500


def test_end_before_start_is_refused(flow: Flow) -> None:
    execution = executions.start(flow)
    with pytest.raises(ValidationError, match="cannot end before it started"):
        executions.change_status(
            execution, Status.SUCCEEDED, ended_at=execution.started_at - timedelta(seconds=1)
        )


def test_end_in_the_future_is_refused(flow: Flow) -> None:
    execution = executions.start(flow)
    with pytest.raises(ValidationError, match="in the future"):
        executions.change_status(
            execution, Status.SUCCEEDED, ended_at=timezone.now() + timedelta(hours=1)
        )


def test_an_end_time_without_an_end_is_refused(flow: Flow) -> None:
    execution = executions.start(flow)
    with pytest.raises(ValidationError, match="Only a run that ends"):
        executions.change_status(execution, Status.PAUSED, ended_at=timezone.now())


def test_a_refused_change_leaves_the_roll_ups_alone(flow: Flow) -> None:
    from usage.models import DailyUsage

    execution = in_state(flow, Status.SUCCEEDED)
    before = list(DailyUsage.objects.values())
    with pytest.raises(ValidationError):
        executions.change_status(execution, Status.RUNNING)
    assert list(DailyUsage.objects.values()) == before
