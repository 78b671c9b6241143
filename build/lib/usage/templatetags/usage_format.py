from django import template

register = template.Library()


@register.filter
def thousands(value: int) -> str:
    """12345 → "12,345" (no need for django.contrib.humanize for one format)."""
    return f"{value:,}"
