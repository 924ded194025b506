"""Probing loopback ports from a test: raw HTTP requests, refused connections, and the
listening sockets this process holds (read from ``/proc``, no psutil).

Shared by the loopback receiver's unit tests and the security suite.
"""

from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import os
import socket
import time
from pathlib import Path

_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@dataclasses.dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    @property
    def text(self) -> str:
        return self.raw.decode()


def request(port: int, target: str, *, host: str | None = "", method: str = "GET") -> Reply:
    """Send one request with an exact ``Host`` ("" = the right one, None = none)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host or f"127.0.0.1:{port}")
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def is_refused(port: int, host: str = "127.0.0.1") -> bool:
    """True if a TCP connect to ``host:port`` is refused (nothing listens)."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def seconds_until_refused(port: int, limit: float = 1.0) -> float | None:
    """How long until connecting to ``port`` is refused, polling; None if not within ``limit``."""
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) <= limit:
        if is_refused(port):
            return elapsed
        time.sleep(0.01)
    return None


@dataclasses.dataclass(frozen=True)
class Listener:
    """One listening TCP socket: its address as the kernel reports it."""

    address: str  # "127.0.0.1", "0.0.0.0", "::", "::1", ...
    port: int
    inode: int


def own_socket_inodes(pid: int | str = "self") -> set[int]:
    """Inodes of the sockets process ``pid`` has open (from ``/proc/PID/fd``)."""
    inodes: set[int] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for entry in os.listdir(fd_dir):
        try:
            target = os.readlink(fd_dir / entry)
        except OSError:  # closed since listdir
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def _address(hex_address: str) -> str:
    """``/proc/net/tcp{,6}``'s hex address (32-bit words in host order) as text."""
    raw = bytes.fromhex(hex_address)
    words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]  # little-endian hosts
    return str(ipaddress.ip_address(b"".join(words)))


def listening_sockets(pid: int | str = "self") -> list[Listener]:
    """Every TCP socket in LISTEN state that process ``pid`` owns, IPv4 and IPv6."""
    mine = own_socket_inodes(pid)
    found: list[Listener] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:  # no IPv6 in this kernel
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state != _LISTEN or inode not in mine:
                continue
            address, port = local.rsplit(":", 1)
            found.append(Listener(_address(address), int(port, 16), inode))
    return found
