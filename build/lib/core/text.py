"""Names are printable text: one rule for every name a person or a program can set."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

CONTROL_MESSAGE = "Use printable characters only (no line breaks, tabs or control characters)."
# Cc: C0/C1 controls (CR, LF, NUL, TAB, ESC, …); Zl/Zp: the Unicode line and paragraph
# separators, which mail and log readers also break lines on.
UNPRINTABLE = frozenset({"Cc", "Zl", "Zp"})


# The same rule as a regular expression (Python and ECMA-262 alike), for the API schema.
PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in UNPRINTABLE for char in value)


def refuse_control_characters(value: str) -> None:
    """Validator for names (of keys, flows, organisations, people)."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def one_line(text: str) -> str:
    """Any text made safe for an e-mail subject or header: control characters become
    spaces, so no stored value can add a header or break one."""
    cleaned = "".join(" " if unicodedata.category(c) in UNPRINTABLE else c for c in text)
    return " ".join(cleaned.split())
