"""Serializer fields the API needs stricter than DRF's."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.text import CONTROL_MESSAGE, has_control_characters


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans and lists instead of stringifying them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NameField(StrictCharField):
    """A name: printable text on one line, surrounding spaces trimmed, never blank."""

    default_error_messages = {"control_characters": CONTROL_MESSAGE}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if has_control_characters(value):
            self.fail("control_characters")
        return value
