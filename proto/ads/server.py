"""The gRPC Aggregated Discovery Service: both StreamAggregatedResources and DeltaAggregatedResources.

Each stream runs in one worker thread of the gRPC server. A reader thread turns Envoy's requests
into events on a queue; the store's change notifications go on the same queue, so one thread
decides every response of a stream, in order.
"""
from __future__ import annotations

import ipaddress
import queue
import threading
from concurrent import futures
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import grpc
from envoy.service.discovery.v3 import ads_pb2_grpc
from google.protobuf import json_format

from .delta import DeltaStream
from .log import Log
from .node import NodeError, resolve_node
from .sotw import SotwStream
from .status import StatusBoard, StreamStatus
from .store import CompileError, ConfigStore, View

_CHANGED = object()   # a store notification
_END = object()       # the stream ended (Envoy went away, or the server stops)


@dataclass(frozen=True)
class TlsFiles:
    cert: str
    key: str
    client_ca: Optional[str] = None   # given: clients must present a certificate it signed


class ListenError(ValueError):
    """The listen address or TLS settings are unusable; the message is for the user."""


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ListenError(f"--listen expects HOST:PORT, e.g. 127.0.0.1:15010; got {text!r}")
    host = host.strip("[]")
    if not 0 <= int(port) <= 65535:
        raise ListenError(f"port {port} is out of range")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credentials(tls: TlsFiles) -> grpc.ServerCredentials:
    try:
        key = open(tls.key, "rb").read()
        cert = open(tls.cert, "rb").read()
        ca = open(tls.client_ca, "rb").read() if tls.client_ca else None
    except OSError as err:
        raise ListenError(f"cannot read TLS file {err.filename}: {err.strerror}") from None
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=ca is not None)


class AdsServicer(ads_pb2_grpc.AggregatedDiscoveryServiceServicer):
    def __init__(self, store: ConfigStore, board: StatusBoard, log: Log) -> None:
        self.store = store
        self.board = board
        self.log = log

    def StreamAggregatedResources(self, request_iterator, context):  # noqa: N802 (gRPC's name)
        return self._serve("sotw", SotwStream, request_iterator, context)

    def DeltaAggregatedResources(self, request_iterator, context):  # noqa: N802
        return self._serve("delta", DeltaStream, request_iterator, context)

    def _serve(self, protocol: str, stream_cls: Any, requests: Iterator, context) -> Iterator:
        events: "queue.Queue[Any]" = queue.Queue()
        context.add_callback(lambda: events.put(_END))
        threading.Thread(target=_pump, args=(requests, events), daemon=True, name=f"ads-{protocol}-reader").start()
        status = self.board.new_stream(protocol)
        view: Optional[View] = None
        stream = None

        def notify(_view: View) -> None:
            events.put(_CHANGED)

        try:
            while True:
                event = events.get()
                if event is _END:
                    return
                if stream is None:
                    if event is _CHANGED:
                        continue
                    view = self._view_for(event, status, context)
                    stream = stream_cls(view, status, self.log)
                    view.subscribe(notify)
                try:
                    responses = stream.on_change() if event is _CHANGED else stream.on_request(event)
                except Exception as exc:  # a bug here must end this stream, not print a traceback
                    self.log.error(f"[{status.stream_id} {status.target}] internal error, closing the stream: {exc!r}")
                    context.abort(grpc.StatusCode.INTERNAL, f"mesh-compile internal error: {exc!r}")
                self.board.changed()
                yield from responses
        finally:
            if view is not None:
                view.unsubscribe(notify)
            status.connected = False
            self.board.changed()
            if status.target:
                self.log.info(f"[{status.stream_id} {status.target}] disconnected ({status.summary()})")

    def _view_for(self, first: Any, status: StreamStatus, context) -> View:
        node = first.node
        status.node_id = node.id
        metadata = json_format.MessageToDict(node.metadata) if node.HasField("metadata") else {}
        try:
            ref = resolve_node(node.id, metadata, self.store.default_target)
            view = self.store.view(self.store.key_for(ref))
        except (NodeError, CompileError) as err:
            self.log.error(f"refused Envoy {node.id!r}: {err}")
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(err))
            raise  # not reached: abort raises
        except Exception as err:  # a bug must not print a traceback at the user
            self.log.error(f"refused Envoy {node.id!r}: internal error: {err!r}")
            context.abort(grpc.StatusCode.INTERNAL, f"mesh-compile internal error: {err!r}")
            raise
        status.target = view.key.label()
        status.view = view
        self.log.info(f"[{status.stream_id} {status.target}] connected ({status.protocol}, node {node.id!r}, "
                      f"{view.snapshot.counts()})")
        return view


def _pump(requests: Iterator, events: "queue.Queue[Any]") -> None:
    try:
        for req in requests:
            events.put(req)
    except Exception:  # the RPC was cancelled or broke: either way the stream is over
        pass
    events.put(_END)


class AdsServer:
    """A running ADS server. `port` is the bound port (useful with port 0)."""

    def __init__(self, store: ConfigStore, log: Log, listen: str = "127.0.0.1:15010",
                 tls: Optional[TlsFiles] = None, max_streams: int = 64) -> None:
        host, port = parse_listen(listen)
        self.store = store
        self.log = log
        self.board = StatusBoard()
        self.tls = tls
        self.host = host
        # One worker per stream (it blocks waiting for events) plus a few for unary calls.
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_streams + 4,
                                                              thread_name_prefix="ads"),
                                   maximum_concurrent_rpcs=max_streams)
        ads_pb2_grpc.add_AggregatedDiscoveryServiceServicer_to_server(AdsServicer(store, self.board, log), self._server)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            if tls is not None:
                self.port = self._server.add_secure_port(address, _credentials(tls))
            else:
                self.port = self._server.add_insecure_port(address)
        except RuntimeError as err:
            raise ListenError(f"cannot listen on {listen}: {err}") from None
        if not self.port:
            raise ListenError(f"cannot listen on {listen} (address in use?)")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "AdsServer":
        self._server.start()
        return self

    def stop(self, grace: float = 0.5) -> None:
        self._server.stop(grace).wait(grace + 2)

    def __enter__(self) -> "AdsServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
