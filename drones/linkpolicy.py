"""Which vehicle links may be opened: only the hosts, networks and ports the bureau configures.

A drone's MAVLink connection string is typed by a fleet manager and opened by the telemetry bridge,
which runs inside the bureau's network. Unchecked, a connection string reaches any host the bridge can
(``tcp:10.0.0.5:5432`` probes the database server) or listens on every interface
(``udpin:0.0.0.0:14550`` takes MAVLink from anyone who can reach the server). So:

- the host must be an IP address inside ``DRONE_LINK_NETWORKS`` (CIDR list; loopback by default, where
  the simulators and a local SITL run) or a name listed in ``DRONE_LINK_HOSTS`` exactly (``localhost``
  by default; names are not resolved here, so a name outside the list is refused whatever it points
  at);
- ``udpin`` listens on one address of this machine, never on all of them (``0.0.0.0``, ``::``);
- the port must be in ``DRONE_LINK_PORTS`` (ranges such as ``5760-5860,14550-14560``; unprivileged
  ports by default).

``connection_problem`` says what is wrong, or None. The drone form and API refuse such a string; the
bridge refuses to open one stored before the rule (or the settings) changed, and says why on the drone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

SCHEMES = ("tcp", "udpin", "udpout", "udp")
WILDCARDS = {"", "0.0.0.0", "::", "[::]", "*"}


@dataclass(frozen=True)
class LinkPolicy:
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    hosts: frozenset[str]
    ports: tuple[tuple[int, int], ...]

    def describe_ports(self) -> str:
        return ", ".join(f"{low}-{high}" if low != high else str(low) for low, high in self.ports)


def parse_ports(text: str) -> tuple[tuple[int, int], ...]:
    """``"5760-5860,14550"`` -> ((5760, 5860), (14550, 14550)); ValueError naming the bad part."""
    ranges = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, _sep, high = part.partition("-")
        if not low.strip().isdigit() or (_sep and not high.strip().isdigit()):
            raise ValueError(f"{part!r} is not a port or a range of ports (5760-5860)")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 65535:
            raise ValueError(f"{part!r} is not within 1-65535 with the lower port first")
        ranges.append((first, last))
    if not ranges:
        raise ValueError("no port or range given")
    return tuple(ranges)


@lru_cache(maxsize=8)
def _policy(networks: tuple[str, ...], hosts: tuple[str, ...], ports: str) -> LinkPolicy:
    try:
        parsed_networks = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"DRONE_LINK_NETWORKS: {exc}") from None
    try:
        parsed_ports = parse_ports(ports)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DRONE_LINK_PORTS: {exc}") from None
    return LinkPolicy(parsed_networks, frozenset(h.strip().lower() for h in hosts if h.strip()), parsed_ports)


def current_policy() -> LinkPolicy:
    return _policy(
        tuple(settings.DRONE_LINK_NETWORKS), tuple(settings.DRONE_LINK_HOSTS), str(settings.DRONE_LINK_PORTS)
    )


def connection_problem(text: str, policy: LinkPolicy | None = None) -> str | None:
    """Why ``text`` (``scheme:host:port``) may not be opened, translated; None when it may."""
    policy = policy or current_policy()
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] not in SCHEMES or not parts[2].isdigit():
        return _("Use scheme:host:port with scheme one of %(schemes)s, e.g. tcp:127.0.0.1:5760.") % {
            "schemes": ", ".join(SCHEMES)
        }
    scheme, host, port_text = parts
    port = int(port_text)
    if not 0 < port < 65536:
        return _("Port %(port)s is out of range.") % {"port": port_text}
    if scheme in ("udpin", "udp") and host.strip().lower() in WILDCARDS:
        return _(
            "A udpin link listens on one address of this server (e.g. udpin:10.20.0.1:14550), not on every interface."
        )
    if not host:
        return _("The connection has no host.")
    if not any(low <= port <= high for low, high in policy.ports):
        return _("Port %(port)d is not one the bureau allows for drone links (DRONE_LINK_PORTS: %(ports)s).") % {
            "port": port,
            "ports": policy.describe_ports(),
        }
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host.lower() in policy.hosts:
            return None
        return _("Host %(host)s is not one the bureau allows for drone links (DRONE_LINK_HOSTS: %(hosts)s).") % {
            "host": host,
            "hosts": ", ".join(sorted(policy.hosts)) or "-",
        }
    if any(address in network for network in policy.networks):
        return None
    return _(
        "Address %(host)s is outside the networks the bureau allows for drone links (DRONE_LINK_NETWORKS: %(nets)s)."
    ) % {"host": host, "nets": ", ".join(str(n) for n in policy.networks) or "-"}
