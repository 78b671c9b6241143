"""Form fields shared by the console's forms."""

from __future__ import annotations

from typing import Any

from django import forms

from core.text import refuse_control_characters


class NameField(forms.CharField):
    """A name: printable text on one line (no CR, LF, NUL or other control character)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).append(refuse_control_characters)
        super().__init__(**kwargs)
