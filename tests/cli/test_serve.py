"""`kneecoach serve` as a real process: it answers, and it stops within 5 s of SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import EXE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "kneecoach serve exited early"
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("kneecoach serve did not answer within 30 s")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_stops_within_5_seconds_of_sigterm(tmp_path: Path, workers: int) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [EXE, "serve", "--port", str(port), "--workers", str(workers)]
    command += ["--db", f"sqlite:///{tmp_path / 'serve.db'}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base, process)
        # A browser keeps its connection open; requests keep arriving while it stops.
        keep_alive = httpx.Client(base_url=base, timeout=5)
        assert keep_alive.get("/api/v1/today").status_code == 200
        stop = threading.Event()

        def keep_asking() -> None:
            while not stop.is_set():
                try:
                    httpx.get(base + "/api/v1/today", params={"date": "2026-06-01"}, timeout=2)
                except httpx.TransportError:
                    return

        asker = threading.Thread(target=keep_asking, daemon=True)
        asker.start()
        time.sleep(0.3)
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        took = time.monotonic() - began
        stop.set()
        keep_alive.close()
        assert took < 5, f"stopped {took:.1f} s after SIGTERM"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
