"""State-of-the-world ADS logic (mesh_compile_xds.ads.sotw), driven with hand-made requests."""
from __future__ import annotations

import pytest

pytest.importorskip("envoy.service.discovery.v3.discovery_pb2")

from envoy.service.discovery.v3.discovery_pb2 import DiscoveryRequest  # noqa: E402

from helpers import ads_assignment as assignment, ads_cluster as cluster  # noqa: E402
from mesh_compile_xds.ads import typeurls as T  # noqa: E402
from mesh_compile_xds.ads.local import LocalOptions  # noqa: E402
from mesh_compile_xds.ads.log import Log  # noqa: E402
from mesh_compile_xds.ads.snapshot import build_snapshot  # noqa: E402
from mesh_compile_xds.ads.sotw import SotwStream  # noqa: E402
from mesh_compile_xds.ads.status import StatusBoard  # noqa: E402
from mesh_compile_xds.ads.store import View, ViewKey  # noqa: E402


def resources(*, a_timeout: str = "1s", b_port: int = 8080, route_prefix: str = "/") -> dict:
    return {
        "clusters": [cluster("a", a_timeout), cluster("b")],
        "endpoints": [assignment("a"), assignment("b", b_port)],
        "listeners": [{"name": "l80", "address": {"socketAddress": {"address": "127.0.0.1", "portValue": 10080}}}],
        "routes": [{"name": "80", "virtualHosts": [{"name": "v", "domains": ["*"], "routes": [
            {"match": {"prefix": route_prefix}, "route": {"cluster": "a"}}]}]}],
    }


def make_stream(**kw) -> tuple[SotwStream, View]:
    view = View(ViewKey("x.y", None, LocalOptions()), build_snapshot(resources(**kw)), [])
    status = StatusBoard().new_stream("sotw")
    return SotwStream(view, status, Log(None)), view


def req(type_url: str, names=(), nonce: str = "", error: str = "", version: str = "") -> DiscoveryRequest:
    r = DiscoveryRequest(type_url=type_url, resource_names=list(names), response_nonce=nonce, version_info=version)
    if error:
        r.error_detail.message = error
        r.error_detail.code = 3
    return r


def names_in(resp) -> list[str]:
    from mesh_compile_xds.registry import new_message
    out = []
    for any_msg in resp.resources:
        msg = new_message(any_msg.type_url.rsplit("/", 1)[-1])
        any_msg.Unpack(msg)
        out.append(msg.cluster_name if any_msg.type_url == T.ENDPOINT else msg.name)
    return sorted(out)


def change(view: View, **kw) -> None:
    view.replace(build_snapshot(resources(**kw)), [], [])


def test_first_request_gets_everything_and_ack_gets_nothing():
    stream, _ = make_stream()
    [resp] = stream.on_request(req(T.CLUSTER))
    assert names_in(resp) == ["a", "b"] and resp.nonce and resp.version_info
    assert stream.on_request(req(T.CLUSTER, nonce=resp.nonce, version=resp.version_info)) == []
    assert stream.status.of(T.CLUSTER).acked == {"a": stream.view.snapshot.of(T.CLUSTER)["a"].version,
                                                 "b": stream.view.snapshot.of(T.CLUSTER)["b"].version}


def test_same_config_gives_same_versions():
    one, _ = make_stream()
    two, _ = make_stream()
    assert one.on_request(req(T.CLUSTER))[0].version_info == two.on_request(req(T.CLUSTER))[0].version_info
    other, _ = make_stream(a_timeout="2s")
    assert other.on_request(req(T.CLUSTER))[0].version_info != one.on_request(req(T.CLUSTER))[0].version_info


def test_named_subscription_and_its_change_are_answered():
    stream, _ = make_stream()
    [resp] = stream.on_request(req(T.ENDPOINT, ["a"]))
    assert names_in(resp) == ["a"]
    [resp2] = stream.on_request(req(T.ENDPOINT, ["a", "b"], nonce=resp.nonce))
    assert names_in(resp2) == ["a", "b"]
    assert stream.on_request(req(T.ENDPOINT, ["a", "b"], nonce=resp2.nonce)) == []


def test_stale_nonce_is_ignored():
    stream, _ = make_stream()
    first = stream.on_request(req(T.ENDPOINT, ["a"]))[0]
    second = stream.on_request(req(T.ENDPOINT, ["a", "b"], nonce=first.nonce))[0]
    assert stream.on_request(req(T.ENDPOINT, ["b"], nonce=first.nonce)) == []
    assert stream.status.of(T.ENDPOINT).stale == 1
    assert second.nonce != first.nonce


def test_reconnect_initial_request_is_answered_even_if_up_to_date():
    stream, view = make_stream()
    resp = stream.on_request(req(T.CLUSTER))[0]
    again = SotwStream(view, StatusBoard().new_stream("sotw"), Log(None))
    assert names_in(again.on_request(req(T.CLUSTER, version=resp.version_info))[0]) == ["a", "b"]


def test_change_pushes_changed_types_in_order_and_eds_in_full_after_cds():
    stream, view = make_stream()
    for type_url, names in ((T.CLUSTER, []), (T.ENDPOINT, ["a", "b"]), (T.LISTENER, []), (T.ROUTE, ["80"])):
        resp = stream.on_request(req(type_url, names))[0]
        stream.on_request(req(type_url, names, nonce=resp.nonce))
    change(view, a_timeout="5s")
    pushed = stream.on_change()
    assert [p.type_url for p in pushed] == [T.CLUSTER, T.ENDPOINT]
    assert names_in(pushed[1]) == ["a", "b"]   # warming clusters need their endpoints again


def test_change_of_one_assignment_sends_only_it():
    stream, view = make_stream()
    resp = stream.on_request(req(T.ENDPOINT, ["a", "b"]))[0]
    stream.on_request(req(T.ENDPOINT, ["a", "b"], nonce=resp.nonce))
    change(view, b_port=9090)
    [pushed] = stream.on_change()
    assert pushed.type_url == T.ENDPOINT and names_in(pushed) == ["b"]
    assert stream.on_change() == []   # nothing new: nothing sent


def test_nack_parks_the_version_and_it_is_never_resent():
    stream, view = make_stream()
    resp = stream.on_request(req(T.ROUTE, ["80"]))[0]
    stream.on_request(req(T.ROUTE, ["80"], nonce=resp.nonce))
    good = view.snapshot.of(T.ROUTE)["80"]
    change(view, route_prefix="/bad")
    [bad] = stream.on_change()
    assert stream.on_request(req(T.ROUTE, ["80"], nonce=bad.nonce, error="route 80: rejected")) == []
    st = stream.status.of(T.ROUTE)
    assert st.nacks == 1 and st.last_error == "route 80: rejected"
    assert view.servable(T.ROUTE)["80"].version == good.version   # the last good one is served
    assert stream.on_change() == [] and stream.on_request(req(T.ROUTE, ["80"], nonce=bad.nonce)) == []
    change(view, route_prefix="/fixed")
    [fixed] = stream.on_change()
    assert names_in(fixed) == ["80"]


def test_nack_of_a_wildcard_type_serves_last_good_for_the_named_resource():
    stream, view = make_stream()
    resp = stream.on_request(req(T.CLUSTER))[0]
    stream.on_request(req(T.CLUSTER, nonce=resp.nonce))
    old_a = view.snapshot.of(T.CLUSTER)["a"].version
    change(view, a_timeout="0s")
    [bad] = stream.on_change()
    stream.on_request(req(T.CLUSTER, nonce=bad.nonce, error="Error adding/updating cluster(s) a: timeout"))
    assert {n: r.version for n, r in view.servable(T.CLUSTER).items()}["a"] == old_a
    fresh = SotwStream(view, StatusBoard().new_stream("sotw"), Log(None))
    first = fresh.on_request(req(T.CLUSTER))[0]
    assert names_in(first) == ["a", "b"]
    assert stream.on_change() == []


def test_rds_answered_in_full_after_an_lds_answer():
    stream, _ = make_stream()
    rds = stream.on_request(req(T.ROUTE, ["80"]))[0]
    stream.on_request(req(T.ROUTE, ["80"], nonce=rds.nonce))
    lds = stream.on_request(req(T.LISTENER))[0]
    assert lds.type_url == T.LISTENER
    [again] = stream.on_request(req(T.ROUTE, ["80"], nonce=rds.nonce))
    assert names_in(again) == ["80"]
    assert stream.on_request(req(T.ROUTE, ["80"], nonce=again.nonce)) == []
