"""Per-key restrictions: the networks a key may be used from and the flows it may see.

Both are lists on the key (empty: no restriction). A key may only create or regenerate keys
at least as restricted as itself: every network of the new key inside one of the acting
key's, and its flows a subset of the acting key's.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_NETWORKS = 50
MAX_FLOWS = 100

# How the flows app tells which flow ids an organisation has (apikeys cannot import it):
# given a tenant id and public ids, the ids that are not its flows.
FlowChecker = Callable[[int, list[str]], list[str]]
# And which flows it has, as (public id, name), for the console's choices.
FlowLister = Callable[[int], list[tuple[str, str]]]
_flow_checker: list[FlowChecker] = []
_flow_lister: list[FlowLister] = []


def register_flow_checker(checker: FlowChecker, lister: FlowLister | None = None) -> None:
    _flow_checker[:] = [checker]
    if lister is not None:
        _flow_lister[:] = [lister]


def flow_choices(tenant_id: int) -> list[tuple[str, str]]:
    return _flow_lister[0](tenant_id) if _flow_lister else []


def parse_networks(values: Iterable[object]) -> list[str]:
    """CIDR strings (a bare address is its own /32 or /128) normalised, or a
    ValidationError naming the bad ones."""
    networks: list[str] = []
    bad: list[str] = []
    for value in values:
        try:
            if not isinstance(value, str):
                raise ValueError
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            bad.append(str(value)[:60])
    if bad:
        raise ValidationError(f"Not an IPv4 or IPv6 network (CIDR): {', '.join(bad)}.")
    if len(networks) > MAX_NETWORKS:
        raise ValidationError(f"At most {MAX_NETWORKS} networks.")
    return sorted(set(networks), key=networks.index)


def clean_flows(tenant_id: int, values: Sequence[object]) -> list[str]:
    """Public ids of the organisation's flows, or a ValidationError."""
    if not all(isinstance(value, str) for value in values):
        raise ValidationError("Flows are given by their ids (strings).")
    flows = sorted({str(value).strip() for value in values})
    if len(flows) > MAX_FLOWS:
        raise ValidationError(f"At most {MAX_FLOWS} flows.")
    unknown = _flow_checker[0](tenant_id, flows) if _flow_checker and flows else []
    if unknown:
        raise ValidationError(f"No such flow: {', '.join(unknown[:10])}.")
    return flows


def networks_of(allowed: Sequence[str]) -> tuple[Network, ...]:
    return _parsed(tuple(allowed))


@functools.lru_cache(maxsize=4096)
def _parsed(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    """Parsing CIDRs costs more than the rest of a restricted key's check: an allowlist is
    parsed once per process (lists are stored normalised, so equal lists hit one entry)."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in allowed)


def ip_allowed(allowed: Sequence[str], ip: str | None) -> bool:
    """Whether a client address is inside the allowlist (an empty list allows all)."""
    if not allowed:
        return True
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks_of(allowed))


def within(new: Sequence[str], limit: Sequence[str] | None) -> bool:
    """Whether an allowlist `new` is at least as narrow as `limit` (None: no limit)."""
    if not limit:
        return True
    if not new:
        return False
    limits = networks_of(limit)
    return all(
        any(
            net.version == outer.version and net.subnet_of(outer)  # type: ignore[arg-type]
            for outer in limits
        )
        for net in networks_of(new)
    )


def flows_within(new: Sequence[str], limit: Sequence[str] | None) -> bool:
    if not limit:
        return True
    return bool(new) and set(new) <= set(limit)
