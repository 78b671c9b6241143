"""Serializer fields the API needs stricter than DRF's."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from core.text import CONTROL_MESSAGE, PRINTABLE_PATTERN, has_control_characters


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans and lists instead of stringifying them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NameField(StrictCharField):
    """A name: printable text on one line. The rule is a pattern, so the schema states it;
    nothing is trimmed before it is checked (a trailing newline is refused, not dropped)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        # For the schema's `pattern`; Python's `$` also matches before a final newline, so
        # `to_internal_value` checks the rule itself too.
        self.validators.append(
            RegexValidator(PRINTABLE_PATTERN, CONTROL_MESSAGE, code="control_characters")
        )

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if has_control_characters(value):
            raise serializers.ValidationError(CONTROL_MESSAGE, code="control_characters")
        return value


class StrictSlugField(serializers.SlugField):
    """A SlugField that refuses numbers instead of stringifying them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))
