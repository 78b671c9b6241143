"""Key serializers: each lists its fields; none accepts a tenant; none shows a digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from apikeys.expiry import check_expiry
from apikeys.keys import GRACE_MAX, GRACE_MIN
from apikeys.models import ApiKey, Kind, State
from apikeys.restrictions import parse_networks
from apikeys.scopes import SCOPES
from core.api.fields import NameField, StrictCharField


class KeySerializer(serializers.ModelSerializer[ApiKey]):
    """A key as the API shows it: masked, never its digest."""

    id = serializers.CharField(source="public_id", read_only=True)
    user = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)),
        read_only=True,
        help_text="What the key may do; every scope for a key with full access.",
    )
    allowed_ips = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="CIDR networks the key may be used from; empty: anywhere.",
    )
    flows = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Ids of the only flows the key sees; empty: every flow.",
    )

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "user",
            "masked",
            "scopes",
            "allowed_ips",
            "flows",
            "state",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "last_used_ip",
        ]
        read_only_fields = fields


class NewKeySerializer(KeySerializer):
    """A key just created or regenerated: with the raw `key`, shown this once."""

    key = serializers.CharField(read_only=True, help_text="The raw key. It is not shown again.")

    class Meta(KeySerializer.Meta):
        fields = ["key", *KeySerializer.Meta.fields]
        read_only_fields = fields


class KeyCreateSerializer(serializers.Serializer[Any]):
    """What a client may set on a new key."""

    name = NameField(max_length=100)
    description = StrictCharField(max_length=500, required=False, default="", allow_blank=True)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.USER)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)),
        required=False,
        max_length=len(SCOPES),
        help_text="A subset of the calling key's scopes. Omitted: the calling key's scopes.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    allowed_ips = serializers.ListField(
        child=StrictCharField(max_length=64),
        required=False,
        max_length=50,
        help_text="IPv4/IPv6 CIDR networks the key may be used from. Omitted: the calling "
        "key's (anywhere, for an unrestricted key).",
    )
    flows = serializers.ListField(
        child=StrictCharField(max_length=32),
        required=False,
        max_length=100,
        help_text="Ids of the only flows the key may see and invoke. Omitted: the calling "
        "key's (every flow, for an unrestricted key).",
    )

    def validate_allowed_ips(self, value: list[str]) -> list[str]:
        try:
            return parse_networks(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None:
            check_expiry(value, timezone.now())
        return value


class RegenerateSerializer(serializers.Serializer[Any]):
    """Optional grace period during which the old secret keeps working, and a new expiry."""

    grace_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=int(GRACE_MIN.total_seconds()),
        max_value=int(GRACE_MAX.total_seconds()),
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A new expiry; required to regenerate an expired key, else it keeps its own.",
    )


class LeakReportSerializer(serializers.Serializer[Any]):
    """Raw keys found in the wild, and optionally who found them."""

    keys = serializers.ListField(
        child=StrictCharField(max_length=200, trim_whitespace=True),
        allow_empty=False,
        max_length=100,
    )
    reporter = NameField(max_length=200, required=False, default="", allow_blank=True)


class LeakReceiptSerializer(serializers.Serializer[Any]):
    """The same answer whether or not any key matched."""

    status = serializers.CharField()
    message = serializers.CharField()


class KeyFilterSerializer(serializers.Serializer[Any]):
    """Filters of the key list."""

    state = serializers.ChoiceField(choices=State.choices, required=False)
    idle_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Only keys unused (or never used) for at least this many days.",
    )
    never_expire = serializers.BooleanField(required=False, help_text="Only keys without expiry.")
    never_used = serializers.BooleanField(required=False)
    full_access = serializers.BooleanField(required=False)
