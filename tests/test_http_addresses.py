"""The address check behind ``agentplat.http.client(public_only=True)``, entry by entry of the
IANA special-purpose registries: a fetch a model or a page picked must never reach a private,
local, reserved or documentation address, nor an IPv6 form that carries one."""

from __future__ import annotations

import ipaddress

import pytest

from agentplat import ToolError
from agentplat._common.addresses import TABLE, entry_for, why_not_public
from agentplat._common.netguard import check_public


def inside(entry, *first):
    """An address of ``entry``'s prefix that no more specific entry holds (``first`` offsets tried first)."""
    net = entry.prefix
    for offset in (*first, 1, 0, net.num_addresses // 2, net.num_addresses - 2, net.num_addresses - 1, 7, 64, 200):
        if 0 <= offset < net.num_addresses:
            candidate = net.network_address + offset
            if entry_for(candidate) == entry:
                return candidate
    raise AssertionError(f"no address of its own in {entry}")


NOT_GLOBAL = [entry for entry in TABLE if entry.reachable is not True]
GLOBAL = [entry for entry in TABLE if entry.reachable is True]


@pytest.mark.parametrize("entry", NOT_GLOBAL, ids=lambda e: str(e.prefix))
def test_an_address_in_each_prefix_that_is_not_globally_reachable_is_refused(entry):
    address = inside(entry)
    with pytest.raises(ToolError, match=rf"site.example is a private or local address \({address}\)"):
        check_public("site.example", [str(address)])


@pytest.mark.parametrize("entry", GLOBAL, ids=lambda e: str(e.prefix))
def test_an_address_in_each_globally_reachable_exception_is_allowed(entry):
    check_public("site.example", [str(inside(entry, int(ipaddress.IPv4Address("8.8.8.8"))))])  # NAT64 carries it


@pytest.mark.parametrize("entry", [e for e in NOT_GLOBAL if e.prefix.version == 4], ids=lambda e: str(e.prefix))
def test_every_ipv6_form_that_carries_a_refused_ipv4_address_is_refused(entry):
    inner = inside(entry)
    value = int(inner)
    forms = [
        f"::ffff:{inner}",  # mapped
        f"::ffff:0:{inner}",  # translated (RFC 2765)
        str(ipaddress.IPv6Address((0x64FF9B << 96) | value)),  # NAT64
        str(ipaddress.IPv6Address((0x2002 << 112) | (value << 80))),  # 6to4
        str(ipaddress.IPv6Address((0x20010000 << 96) | (0xFFFFFFFF ^ value))),  # Teredo client
    ]
    for form in forms:
        with pytest.raises(ToolError, match="private or local address"):
            check_public("site.example", [form])


@pytest.mark.parametrize("address", [
    "::ffff:0:127.0.0.1",  # IPv4-translated loopback (RFC 2765)
    "::ffff:0:a9fe:a9fe",  # IPv4-translated cloud metadata address
    "fec0::1",  # deprecated site-local
    "fec0:1:2:3::4%1",
    "4000::1",  # outside the global unicast space
])
def test_the_reported_forms_are_refused(address):
    with pytest.raises(ToolError, match="private or local address"):
        check_public("site.example", [address])


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946",
    "64:ff9b::5db8:d822",  # NAT64 of a public address
])
def test_public_addresses_pass(address):
    check_public("site.example", [address])
    assert why_not_public(ipaddress.ip_address(address)) is None


def test_a_name_is_refused_if_any_of_its_addresses_is_not_public():
    with pytest.raises(ToolError, match=r"\(10.0.0.1\) \[Private-Use\]"):
        check_public("mixed.example", ["93.184.216.34", "10.0.0.1"])
