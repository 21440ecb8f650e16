"""Finding free loopback ports, so the demo and tests survive a busy machine (or each other)."""
from __future__ import annotations

import socket
from typing import Iterable

EPHEMERAL_START = 32768   # Linux's default ip_local_port_range starts here: client sockets take these


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind host:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free now (it may be taken again before use; callers bind at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def pick_offset(ports: Iterable[int], preferred: int, host: str = "127.0.0.1", step: int = 1000,
                tries: int = 24) -> int:
    """The first offset from `preferred` (then +step, wrapping below the ephemeral range) at which every
    port+offset is free. Raises OSError when none is."""
    ports = list(ports)
    top = EPHEMERAL_START - max(ports, default=0)
    offset = preferred
    for _ in range(tries):
        if 0 < offset < top and all(is_free(p + offset, host) for p in ports):
            return offset
        offset = offset + step if offset + step < top else step
    raise OSError(f"no free listener ports on {host} for {sorted(ports)} near offset {preferred}")
