"""Incremental ADS logic (mesh_compile_xds.ads.delta), driven with hand-made requests."""
from __future__ import annotations

import pytest

pytest.importorskip("envoy.service.discovery.v3.discovery_pb2")

from envoy.service.discovery.v3.discovery_pb2 import DeltaDiscoveryRequest  # noqa: E402

from helpers import ads_assignment as assignment, ads_cluster as cluster  # noqa: E402
from mesh_compile_xds.ads import typeurls as T  # noqa: E402
from mesh_compile_xds.ads.delta import DeltaStream  # noqa: E402
from mesh_compile_xds.ads.local import LocalOptions  # noqa: E402
from mesh_compile_xds.ads.log import Log  # noqa: E402
from mesh_compile_xds.ads.snapshot import build_snapshot  # noqa: E402
from mesh_compile_xds.ads.status import StatusBoard  # noqa: E402
from mesh_compile_xds.ads.store import View, ViewKey  # noqa: E402


def resources(*, a_timeout: str = "1s", with_b: bool = True, b_port: int = 8080) -> dict:
    names = ["a", "b"] if with_b else ["a"]
    return {"clusters": [cluster(n, a_timeout if n == "a" else "1s") for n in names],
            "endpoints": [assignment(n, b_port if n == "b" else 8080) for n in names]}


def make_stream(**kw) -> tuple[DeltaStream, View]:
    view = View(ViewKey("x.y", None, LocalOptions()), build_snapshot(resources(**kw)), [])
    return DeltaStream(view, StatusBoard().new_stream("delta"), Log(None)), view


def req(type_url: str, sub=(), unsub=(), nonce: str = "", error: str = "", initial=None) -> DeltaDiscoveryRequest:
    r = DeltaDiscoveryRequest(type_url=type_url, resource_names_subscribe=list(sub),
                              resource_names_unsubscribe=list(unsub), response_nonce=nonce)
    for name, version in (initial or {}).items():
        r.initial_resource_versions[name] = version
    if error:
        r.error_detail.message = error
    return r


def sent(resp) -> list[str]:
    return sorted(r.name for r in resp.resources)


def change(view: View, **kw) -> None:
    view.replace(build_snapshot(resources(**kw)), [], [])


def test_wildcard_first_request_gets_everything_and_ack_nothing():
    stream, _ = make_stream()
    [resp] = stream.on_request(req(T.CLUSTER))
    assert sent(resp) == ["a", "b"] and not resp.removed_resources
    assert all(r.version for r in resp.resources)
    assert stream.on_request(req(T.CLUSTER, nonce=resp.nonce)) == []
    assert set(stream.status.of(T.CLUSTER).acked) == {"a", "b"}


def test_explicit_star_is_wildcard_too():
    stream, _ = make_stream()
    assert sent(stream.on_request(req(T.CLUSTER, ["*"]))[0]) == ["a", "b"]


def test_reconnect_with_current_versions_sends_only_what_differs():
    stream, view = make_stream()
    held = {n: r.version for n, r in view.snapshot.of(T.CLUSTER).items()}
    held["b"] = "old"
    [resp] = DeltaStream(view, StatusBoard().new_stream("delta"), Log(None)).on_request(req(T.CLUSTER, initial=held))
    assert sent(resp) == ["b"]
    up_to_date = {n: r.version for n, r in view.snapshot.of(T.CLUSTER).items()}
    [empty] = DeltaStream(view, StatusBoard().new_stream("delta"), Log(None)).on_request(
        req(T.CLUSTER, initial=up_to_date))
    assert sent(empty) == [] and not empty.removed_resources   # answered anyway: Envoy can initialise


def test_subscribing_to_a_missing_name_reports_it_removed():
    stream, _ = make_stream()
    [resp] = stream.on_request(req(T.ENDPOINT, ["a", "nope"]))
    assert sent(resp) == ["a"] and list(resp.removed_resources) == ["nope"]


def test_change_sends_only_changed_and_names_removed():
    stream, view = make_stream()
    resp = stream.on_request(req(T.ENDPOINT, ["a", "b"]))[0]
    stream.on_request(req(T.ENDPOINT, nonce=resp.nonce))
    change(view, b_port=9999)
    [pushed] = stream.on_change()
    assert sent(pushed) == ["b"] and not pushed.removed_resources
    stream.on_request(req(T.ENDPOINT, nonce=pushed.nonce))
    cds = stream.on_request(req(T.CLUSTER))[0]
    stream.on_request(req(T.CLUSTER, nonce=cds.nonce))
    change(view, with_b=False)
    pushed = stream.on_change()
    assert [p.type_url for p in pushed] == [T.CLUSTER, T.ENDPOINT]
    assert list(pushed[0].removed_resources) == ["b"] and list(pushed[1].removed_resources) == ["b"]


def test_stale_nonce_ignored_and_ack_with_new_subscription_answered():
    stream, _ = make_stream()
    first = stream.on_request(req(T.ENDPOINT, ["a"]))[0]
    stream.on_request(req(T.ENDPOINT, nonce=first.nonce))
    assert stream.on_request(req(T.ENDPOINT, nonce=first.nonce)) == []
    assert stream.status.of(T.ENDPOINT).stale == 1
    [more] = stream.on_request(req(T.ENDPOINT, ["b"]))
    assert sent(more) == ["b"]


def test_nack_parks_and_is_not_resent():
    stream, view = make_stream()
    resp = stream.on_request(req(T.CLUSTER))[0]
    stream.on_request(req(T.CLUSTER, nonce=resp.nonce))
    good = view.snapshot.of(T.CLUSTER)["a"].version
    change(view, a_timeout="0s")
    [bad] = stream.on_change()
    assert sent(bad) == ["a"]
    assert stream.on_request(req(T.CLUSTER, nonce=bad.nonce, error="cluster a: connect timeout 0s")) == []
    assert stream.status.of(T.CLUSTER).nacks == 1
    assert view.servable(T.CLUSTER)["a"].version == good
    assert stream.on_change() == []
    change(view, a_timeout="3s")
    assert sent(stream.on_change()[0]) == ["a"]


def test_pushed_cluster_gets_its_endpoints_again():
    stream, view = make_stream()
    for type_url, names in ((T.CLUSTER, []), (T.ENDPOINT, ["a", "b"])):
        resp = stream.on_request(req(type_url, names))[0]
        stream.on_request(req(type_url, nonce=resp.nonce))
    change(view, a_timeout="7s")
    pushed = stream.on_change()
    assert [p.type_url for p in pushed] == [T.CLUSTER, T.ENDPOINT]
    assert sent(pushed[1]) == ["a"]   # unchanged, but the updated cluster warms until it gets them


def test_unsubscribed_resources_are_not_pushed():
    stream, view = make_stream()
    resp = stream.on_request(req(T.ENDPOINT, ["a", "b"]))[0]
    stream.on_request(req(T.ENDPOINT, unsub=["b"], nonce=resp.nonce))
    change(view, b_port=1234)
    assert stream.on_change() == []


def test_reconnect_with_named_resources_held_does_not_resend_them():
    _, view = make_stream()
    held = {"a": view.snapshot.of(T.ENDPOINT)["a"].version}
    stream = DeltaStream(view, StatusBoard().new_stream("delta"), Log(None))
    [resp] = stream.on_request(req(T.ENDPOINT, ["a", "b"], initial=held))
    assert sent(resp) == ["b"]
