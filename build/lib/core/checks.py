"""System checks: an API view that forgets its scopes fails start-up, never runs open; the
deploy checks refuse a weak API-key pepper and a wildcard ALLOWED_HOSTS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
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


DEVELOPMENT_MARK = "development-only"
MIN_PEPPER_LENGTH = 32


def weak_pepper_reasons() -> list[str]:
    pepper = settings.APIKEY_PEPPER
    reasons = []
    if DEVELOPMENT_MARK in pepper:
        reasons.append("is the development default")
    if pepper == settings.SECRET_KEY:
        reasons.append("equals SECRET_KEY (a leaked SECRET_KEY would then expose key digests)")
    if len(pepper) < MIN_PEPPER_LENGTH:
        reasons.append(f"is shorter than {MIN_PEPPER_LENGTH} characters")
    return reasons


@register(Tags.security, deploy=True)
def strong_pepper(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(
            f"APIKEY_PEPPER {reason}.",
            hint="Set APIKEY_PEPPER to at least 32 random characters of its own, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.",
            id="keyward.E002",
        )
        for reason in weak_pepper_reasons()
    ]


@register(Tags.security, deploy=True)
def no_wildcard_host(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if "*" not in settings.ALLOWED_HOSTS:
        return []
    return [
        Error(
            "ALLOWED_HOSTS contains '*': any Host header is accepted (password-reset and "
            "invitation links could point elsewhere).",
            hint="List the host names Keyward is served under.",
            id="keyward.E003",
        )
    ]
