"""API scopes. A key holds a subset; a view declares what it needs."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "keys:read": "List and read API keys",
    "keys:write": "Create, revoke and regenerate API keys",
    "flows:read": "List and read flows",
    "flows:write": "Create flows",
    "flows:invoke": "Start executions of flows",
    "executions:read": "List and read executions",
    "executions:write": "Report execution status",
    "usage:read": "Read usage numbers",
    "members:read": "List the organisation's members",
}
ALL_SCOPES: list[str] = list(SCOPES)


def normalize(scopes: list[str] | None) -> list[str]:
    """Known scopes in canonical order; None or empty means full access."""
    if not scopes:
        return list(ALL_SCOPES)
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}")
    return [scope for scope in ALL_SCOPES if scope in scopes]
