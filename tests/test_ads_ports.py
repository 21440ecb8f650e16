"""Free-port helpers (mesh_compile_xds.ads.ports)."""
from __future__ import annotations

import socket

import pytest

from mesh_compile_xds.ads.ports import EPHEMERAL_START, free_port, is_free, pick_offset


@pytest.fixture
def taken():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def test_is_free_and_free_port(taken):
    assert not is_free(taken)
    port = free_port()
    assert is_free(port) and port != taken


def test_pick_offset_skips_busy_ports():
    holder = socket.socket()
    try:
        base = pick_offset([80], 20000)
        holder.bind(("127.0.0.1", 80 + base))
        holder.listen()
        moved = pick_offset([80], base)
        assert moved != base and is_free(80 + moved) and 80 + moved < EPHEMERAL_START
    finally:
        holder.close()


def test_pick_offset_gives_up_clearly():
    with pytest.raises(OSError, match="no free listener ports"):
        pick_offset([EPHEMERAL_START - 1], 1, tries=3)
