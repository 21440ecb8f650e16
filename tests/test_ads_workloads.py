"""Local stand-ins for pods (mesh_compile_xds.ads.workloads) and the request helpers (traffic)."""
from __future__ import annotations

import socket
import time

from mesh_compile_xds.ads.traffic import get, many, tally
from mesh_compile_xds.ads.workloads import WorkloadSpec, Workloads, pods_on_loopback, specs_from_endpoints

MESH = """
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web, version: v3}}
spec:
  containers: [{name: c, ports: [{containerPort: 17111, name: http}]}]
status: {podIP: 127.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: far, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: c, ports: [{containerPort: 80}]}]
status: {podIP: 10.0.0.9}
---
apiVersion: v1
kind: Service
metadata: {name: web}
"""


def test_pods_on_loopback_only():
    assert pods_on_loopback(MESH) == [WorkloadSpec("web-1", "web", "v3", "shop", "127.0.0.1", 17111)]


def test_specs_from_compiled_endpoints():
    cla = {"clusterName": "c", "endpoints": [{"lbEndpoints": [
        {"endpoint": {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 17112}}},
         "metadata": {"filterMetadata": {"istio": {"workload": "catalog-v2;istioinaction;catalog;v2;Kubernetes"}}}},
        {"endpoint": {"address": {"socketAddress": {"address": "10.1.1.1", "portValue": 3000}}}}]}]}
    assert specs_from_endpoints([cla, cla]) == [
        WorkloadSpec("catalog-v2", "catalog", "v2", "istioinaction", "127.0.0.1", 17112)]


def test_workload_answers_records_and_delays():
    spec = WorkloadSpec("web-1", "web", "v3", "shop", "127.0.0.1", 0)
    group = Workloads.start_all([spec], move_if_busy=True)
    try:
        address = f"127.0.0.1:{group.items[0].spec.port}"
        reply = get(address, "web.shop", "/x", headers={"x-test": "1"})
        assert (reply.status, reply.app, reply.version) == (200, "web", "v3")
        assert reply.headers["x-served-by"] == "web-1"
        [seen] = group.find("web", "v3").seen()
        assert (seen.host, seen.path, seen.headers["x-test"]) == ("web.shop", "/x", "1")
        t0 = time.monotonic()
        get(address, "web.shop", "/?delay_ms=200")
        assert time.monotonic() - t0 >= 0.2
        assert tally(many(address, "web.shop", 6, concurrency=3)) == {"v3": 6}
    finally:
        group.stop()


def test_busy_port_moves_only_when_asked():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    busy = holder.getsockname()[1]
    try:
        spec = WorkloadSpec("p", "a", "v1", "ns", "127.0.0.1", busy)
        try:
            Workloads.start_all([spec])
            raise AssertionError("bound a taken port")
        except OSError as err:
            assert f"127.0.0.1:{busy}" in str(err)
        group = Workloads.start_all([spec], move_if_busy=True)
        assert list(group.moved()) == [busy] and group.moved()[busy] != busy
        group.stop()
    finally:
        holder.close()


def test_traffic_reports_errors_and_overflow():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    reply = get(f"127.0.0.1:{port}", "nowhere", timeout=1)
    assert reply.status == 0 and reply.error
    assert tally([reply]) == {"error": 1}
