"""Which network addresses URL ingestion may connect to: public ones, and the internal ones the admin listed.

A page given to `docbot ingest` (or a redirect it answers with) must not reach the machine's own services,
the private network or a cloud metadata endpoint unless `INGEST_ALLOWED_HOSTS` lets it.
"""

import ipaddress
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


def address_class(address: Address) -> str | None:
    """Why `address` is internal ("a loopback address"…), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address_class(address.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata such as 169.254.169.254 lives)"
    if address.is_multicast:
        return "a multicast address"
    if address in _CGNAT:
        return "a shared carrier-grade NAT address (100.64.0.0/10)"
    if any(address in network for network in _RFC1918):
        return "a private address (RFC 1918)"
    if address in _UNIQUE_LOCAL:
        return "a private address (IPv6 unique local)"
    if address.is_reserved or address.is_private or not address.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class AllowList:
    """`INGEST_ALLOWED_HOSTS`: host names, and IPs or networks, reachable although internal."""

    names: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, entries: tuple[str, ...] | list[str]) -> "AllowList":
        names, networks = set(), []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        if host.lower().rstrip(".") in self.names:
            return True
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return any(address in network or (mapped is not None and mapped in network) for network in self.networks)


def refusal(host: str, address: Address, allowed: AllowList) -> str | None:
    """The reason not to connect to `address` (which `host` resolved to), or None when it may be reached."""
    kind = address_class(address)
    if kind is None or allowed.allows(host, address):
        return None
    shown = host if host == str(address) else f"{host} ({address})"
    return f"refused: {shown} is {kind}; add it to INGEST_ALLOWED_HOSTS to ingest from it"
