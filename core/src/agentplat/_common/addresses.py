"""Which IP addresses are public: the IANA special-purpose address registries, as data.

Why a table and not ``ipaddress``'s ``is_global``: that property changes between Python
releases and lets through forms a fetch must never reach (IPv4-translated ``::ffff:0:a.b.c.d``,
site-local ``fec0::/10``, anything outside IPv6's global unicast space). Here every entry
carries its registry's "Globally Reachable" column, the most specific entry decides, and an
entry marked N/A (deprecated, or "depends on the address inside") is not reachable.

Sources: IANA IPv4 and IPv6 Special-Purpose Address Registries
(https://www.iana.org/assignments/iana-ipv4-special-registry,
https://www.iana.org/assignments/iana-ipv6-special-registry); entries outside them name
their RFC. An IPv6 address outside ``2000::/3`` (the only space IANA allocates for global
unicast) and in no entry is not reachable either.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Special:
    """One registry entry: its prefix, its name and whether it is globally reachable
    (``None``: the registry says N/A)."""

    prefix: Network
    name: str
    reachable: bool | None
    source: str


# (prefix, name, globally reachable (None = N/A), source)
_IPV4 = [
    ("0.0.0.0/8", '"This network"', False, "RFC 791"),
    ("0.0.0.0/32", '"This host on this network"', False, "RFC 1122"),
    ("10.0.0.0/8", "Private-Use", False, "RFC 1918"),
    ("100.64.0.0/10", "Shared Address Space", False, "RFC 6598"),
    ("127.0.0.0/8", "Loopback", False, "RFC 1122"),
    ("169.254.0.0/16", "Link Local", False, "RFC 3927"),
    ("172.16.0.0/12", "Private-Use", False, "RFC 1918"),
    ("192.0.0.0/24", "IETF Protocol Assignments", False, "RFC 6890"),
    ("192.0.0.0/29", "IPv4 Service Continuity Prefix", False, "RFC 7335"),
    ("192.0.0.8/32", "IPv4 dummy address", False, "RFC 7600"),
    ("192.0.0.9/32", "Port Control Protocol Anycast", True, "RFC 7723"),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", True, "RFC 8155"),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery", False, "RFC 8880"),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery", False, "RFC 8880"),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)", False, "RFC 5737"),
    ("192.31.196.0/24", "AS112-v4", True, "RFC 7535"),
    ("192.52.193.0/24", "AMT", True, "RFC 7450"),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", None, "RFC 7526"),
    ("192.88.99.2/32", "6a44-relay anycast address", False, "RFC 6751"),
    ("192.168.0.0/16", "Private-Use", False, "RFC 1918"),
    ("192.175.48.0/24", "Direct Delegation AS112 Service", True, "RFC 7534"),
    ("198.18.0.0/15", "Benchmarking", False, "RFC 2544"),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)", False, "RFC 5737"),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)", False, "RFC 5737"),
    ("224.0.0.0/4", "Multicast (IANA IPv4 Multicast Address Space Registry)", False, "RFC 5771"),
    ("240.0.0.0/4", "Reserved", False, "RFC 1112"),
    ("255.255.255.255/32", "Limited Broadcast", False, "RFC 919"),
]

_IPV6 = [
    ("::1/128", "Loopback Address", False, "RFC 4291"),
    ("::/128", "Unspecified Address", False, "RFC 4291"),
    ("::/96", "IPv4-compatible (deprecated; not in the registry)", False, "RFC 4291"),
    ("::ffff:0:0/96", "IPv4-mapped Address", False, "RFC 4291"),
    ("::ffff:0:0:0/96", "IPv4-translated Address (not in the registry)", False, "RFC 2765"),
    ("64:ff9b::/96", "IPv4-IPv6 Translat.", True, "RFC 6052"),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translat. (local use)", False, "RFC 8215"),
    ("100::/64", "Discard-Only Address Block", False, "RFC 6666"),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix", False, "RFC 9780"),
    ("2001::/23", "IETF Protocol Assignments", False, "RFC 2928"),
    ("2001::/32", "TEREDO", None, "RFC 4380"),
    ("2001:1::1/128", "Port Control Protocol Anycast", True, "RFC 7723"),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast", True, "RFC 8155"),
    ("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", True, "RFC 9665"),
    ("2001:2::/48", "Benchmarking", False, "RFC 5180"),
    ("2001:3::/32", "AMT", True, "RFC 7450"),
    ("2001:4:112::/48", "AS112-v6", True, "RFC 7535"),
    ("2001:10::/28", "Deprecated (previously ORCHID)", None, "RFC 4843"),
    ("2001:20::/28", "ORCHIDv2", True, "RFC 7343"),
    ("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", True, "RFC 9374"),
    ("2001:db8::/32", "Documentation", False, "RFC 3849"),
    ("2002::/16", "6to4", None, "RFC 3056"),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service", True, "RFC 7534"),
    ("3fff::/20", "Documentation", False, "RFC 9637"),
    ("5f00::/16", "Segment Routing (SRv6) SIDs", False, "RFC 9602"),
    ("fc00::/7", "Unique-Local", False, "RFC 4193"),
    ("fe80::/10", "Link-Local Unicast", False, "RFC 4291"),
    ("fec0::/10", "Site-Local (deprecated; not in the registry)", False, "RFC 3879"),
    ("ff00::/8", "Multicast (IANA IPv6 Multicast Address Space Registry)", False, "RFC 4291"),
]

#: Every entry, IPv4 then IPv6; the most specific prefix that holds an address decides.
TABLE: tuple[Special, ...] = tuple(
    Special(ipaddress.ip_network(prefix), name, reachable, source) for prefix, name, reachable, source in _IPV4 + _IPV6
)

#: IANA's IPv6 global unicast space: an IPv6 address outside it and in no entry is not public.
GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")


@lru_cache(maxsize=1)
def _by_length() -> tuple[Special, ...]:
    return tuple(sorted(TABLE, key=lambda entry: entry.prefix.prefixlen, reverse=True))


def entry_for(address: Address) -> Special | None:
    """The most specific table entry holding ``address``, or ``None``."""
    for entry in _by_length():
        if entry.prefix.version == address.version and address in entry.prefix:
            return entry
    return None


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, which is where it really leads: mapped
    (``::ffff:a.b.c.d``), translated (``::ffff:0:a.b.c.d``), compatible (``::a.b.c.d``),
    6to4 (``2002:AABB:CCDD::``), Teredo (server and client) and NAT64."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found += list(address.teredo)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in net for net in (_TRANSLATED, _COMPATIBLE, _NAT64, _NAT64_LOCAL)):
        found.append(low32)
    return found


def why_not_public(address: Address) -> tuple[Address, str] | None:
    """``None`` if ``address`` is globally reachable, else the address that is not (it or the
    IPv4 address inside it) and why (``"Link Local"``): an IPv6 address that carries an
    IPv4 one is public only if both are."""
    for candidate in (address, *embedded_ipv4(address)):
        entry = entry_for(candidate)
        if entry is not None:
            if entry.reachable is not True:
                return candidate, entry.name
        elif candidate.version == 6 and candidate not in GLOBAL_UNICAST:
            return candidate, "outside the IPv6 global unicast space"
    return None
