"""System checks: an API view that forgets its scopes fails start-up, never runs open."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.urls import URLPattern, URLResolver, get_resolver

from core.api.permissions import HasScopes


def _views(patterns: list[Any]) -> Iterator[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if view is not None:
                yield view


def undeclared_scopes() -> list[str]:
    """API views whose permissions include HasScopes but which declare no scopes."""
    found = set()
    for view in _views(get_resolver().url_patterns):
        permissions = getattr(view, "permission_classes", ())
        checks_scopes = any(issubclass(p, HasScopes) for p in permissions if isinstance(p, type))
        if checks_scopes and getattr(view, "required_scopes", None) is None:
            found.add(f"{view.__module__}.{view.__qualname__}")
    return sorted(found)


@register()
def api_views_declare_scopes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(
            f"{name} checks scopes but declares no required_scopes.",
            hint="Set required_scopes (a list, or a dict by action); [] means any valid key.",
            obj=name,
            id="keyward.E001",
        )
        for name in undeclared_scopes()
    ]
