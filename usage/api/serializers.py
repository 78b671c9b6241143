"""Flow, execution and usage serializers: each lists its fields; none accepts a tenant; every
id is a public id."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from core.api.fields import NameField, StrictCharField, StrictSlugField
from usage import stats
from usage.models import Execution, Flow, Status


class FlowSerializer(serializers.ModelSerializer[Flow]):
    """A flow as the API shows it."""

    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = Flow
        fields = ["id", "name", "slug", "description", "created_at"]
        read_only_fields = fields


class FlowCreateSerializer(serializers.Serializer[Any]):
    """What a client may set on a new flow; the slug defaults to one made from the name."""

    name = NameField(max_length=100)
    # No `default=""`: a default that breaks the slug pattern makes the schema invalid.
    slug = StrictSlugField(max_length=60, required=False, allow_blank=True)
    description = StrictCharField(max_length=500, required=False, default="", allow_blank=True)

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()


class ExecutionSerializer(serializers.ModelSerializer[Execution]):
    """A run of a flow. A run that ended while compensating (`ended_while_compensating`) is
    stored as failed, or as cancelled if it was cancelled; it counts as failed either way."""

    id = serializers.CharField(source="public_id", read_only=True)
    flow = serializers.CharField(source="flow.public_id", read_only=True)
    key = serializers.CharField(source="key.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Execution
        fields = [
            "id",
            "flow",
            "key",
            "status",
            "ended_while_compensating",
            "started_at",
            "ended_at",
            "duration_ms",
        ]
        read_only_fields = fields


class ExecutionUpdateSerializer(serializers.Serializer[Any]):
    """A runner's report: the new status and, for an ended run, optionally when it ended
    (default: now; never before the start, never in the future)."""

    status = serializers.ChoiceField(choices=Status.choices)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class WholeReport(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """A status report is validated whole, PATCH or not: the schema says `status` is
    required, where drf-spectacular would mark every field of a PATCH body optional."""

    target_class = ExecutionUpdateSerializer


class ExecutionFilterSerializer(serializers.Serializer[Any]):
    """`GET /executions` query parameters."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    flow = StrictCharField(max_length=40, required=False, help_text="A flow id (flow_…).")
    key = StrictCharField(max_length=40, required=False, help_text="A key id (key_…).")
    since = serializers.DateTimeField(
        required=False, help_text="Only runs started at or after this time (ISO 8601)."
    )


class UsageQuerySerializer(serializers.Serializer[Any]):
    """`GET /usage` query parameters."""

    days = serializers.IntegerField(
        min_value=1, max_value=stats.MAX_DAYS, default=stats.DEFAULT_DAYS, required=False
    )
    flow = StrictCharField(max_length=40, required=False, help_text="A flow id (flow_…).")
    key = StrictCharField(max_length=40, required=False, help_text="A key id (key_…).")


class CardsSerializer(serializers.Serializer[Any]):
    """The page's three cards (and the counts behind them)."""

    executions = serializers.IntegerField(help_text="Runs started in the window.")
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField(
        help_text="Ended in failure, cancelled, or ended while compensating."
    )
    in_flight = serializers.IntegerField(help_text="Running, paused or compensating.")
    ended = serializers.IntegerField()
    success_rate = serializers.FloatField(
        allow_null=True, help_text="succeeded ÷ ended; null when no run has ended."
    )
    success_rate_display = serializers.CharField()
    avg_duration_ms = serializers.FloatField(
        allow_null=True, help_text="Mean wall-clock time of ended runs; null when none ended."
    )
    avg_duration_display = serializers.CharField()


class DaySerializer(serializers.Serializer[Any]):
    """One day of the window (in the tenant's time zone)."""

    date = serializers.DateField(source="day")
    total = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    in_flight = serializers.IntegerField()
    ended = serializers.IntegerField()
    duration_ms = serializers.IntegerField(help_text="Summed over the day's ended runs.")


class UsageSerializer(serializers.Serializer[Any]):
    """The usage page's numbers: the window, the cards, and one entry per day, oldest first."""

    time_zone = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Today in the organisation's time zone.")
    flow = serializers.CharField(allow_null=True)
    key = serializers.CharField(allow_null=True)
    cards = CardsSerializer()
    days = DaySerializer(many=True)


class ErrorSerializer(serializers.Serializer[Any]):
    """Stands for the API's `Error` component (apikeys.api.schema replaces it with the full
    shape), so that an operation can document an extra error status such as a list's 404."""

    error = serializers.DictField()


class QuotaSerializer(serializers.Serializer[Any]):
    """The organisation's monthly allowance of flow invocations and where it stands."""

    period_start = serializers.DateTimeField(
        help_text="Midnight on the first of the month, the organisation's time, with its offset."
    )
    period_end = serializers.DateTimeField(
        help_text="When the allowance resets: the next first of the month, local time."
    )
    allowance = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
