"""`make clinic-demo`: a demo clinic on a throwaway PostgreSQL, served on this machine.

1. Starts PostgreSQL under .data/clinic-demo/ (fresh each run; a server a killed run left
   there is stopped first), as the tests do (tests/pgserver.py).
2. Makes a demo clinic through the services: an admin, two physiotherapists and six
   patients with a few weeks of sessions and check-ins (tests/browser/demo_clinic.py).
3. Prints the demo logins and serves the clinic with `kneecoach serve --clinic` on
   127.0.0.1 until Ctrl-C, then stops PostgreSQL.

`python scripts/clinic_demo.py --code SECRET` prints the current 6-digit code of a TOTP
secret, for those without an authenticator app at hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import PG_BIN, PostgresServer  # noqa: E402

DATA = ROOT / ".data" / "clinic-demo"
DATABASE = "kneecoach_demo"
PORT = 8000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", PORT)))
    parser.add_argument("--code", metavar="SECRET", help="print the current code and exit")
    parser.add_argument("--no-serve", action="store_true", help="seed, print, stop (checks)")
    args = parser.parse_args()
    if args.code:
        import pyotp

        print(pyotp.TOTP(args.code.replace(" ", "")).now())
        return 0
    if not (PG_BIN / "pg_ctl").exists():
        print(f"error: no PostgreSQL in {PG_BIN}: run `make setup` first", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)  # stop PostgreSQL on kill too, not only Ctrl-C
    server = PostgresServer(PG_BIN, root=DATA)
    serving: subprocess.Popen[bytes] | None = None
    try:
        print("Starting PostgreSQL under .data/clinic-demo ...", flush=True)
        server.start()
        url = _create_database(server)
        print("Making the demo clinic (an admin, 2 physios, 6 patients) ...", flush=True)
        logins = _seed(url)
        port = args.port if _port_free(args.port) else _any_port()
        _print_logins(logins, port)
        if args.no_serve:
            return 0
        command = [_kneecoach(), "serve", "--clinic", "--db", url]
        serving = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT)
        return serving.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if serving is not None and serving.poll() is None:
            serving.terminate()
            try:
                serving.wait(timeout=10)
            except subprocess.TimeoutExpired:
                serving.kill()
        _stop(server)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _create_database(server: PostgresServer) -> str:
    import psycopg

    with psycopg.connect(server.url("postgres"), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {DATABASE}")  # type: ignore[arg-type]
    return server.url(DATABASE)


def _seed(url: str) -> list[dict[str, object]]:
    from tests.browser.demo_clinic import seed_clinic

    from kneecoach.store.db import Database, connect, dispose_all

    started = time.monotonic()
    demo = seed_clinic(Database(connect(url)), dt.date.today(), dt.datetime.now(dt.UTC))
    dispose_all()  # the server opens its own connections
    print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    return demo.logins


def _print_logins(logins: list[dict[str, object]], port: int) -> None:
    import pyotp

    base = f"http://127.0.0.1:{port}"
    print()
    print(f"Demo clinic: {base}/login  (Ctrl-C to stop; the data goes when it stops)")
    print(f"Every demo password: {logins[0]['password']}")
    print()
    print("Staff sign in with a 6-digit code too. Put the secret in an authenticator app,")
    print("or get the current code with:  .venv/bin/python scripts/clinic_demo.py --code SECRET")
    print()
    for login in logins:
        secret = login["totp_secret"]
        line = f"  {login['role']:<8} {login['name']:<14} {login['email']:<28}"
        if isinstance(secret, str):
            line += f" secret {secret}  (code now: {pyotp.TOTP(secret).now()})"
        print(line.rstrip())
    print(flush=True)


def _stop(server: PostgresServer) -> None:
    """Stop PostgreSQL; Ctrl-C may have reached it first (it shares the terminal)."""
    try:
        server.stop()
    except RuntimeError:
        pass
    finally:
        import shutil

        shutil.rmtree(server.root, ignore_errors=True)
    print("PostgreSQL stopped.", flush=True)


def _kneecoach() -> str:
    found = Path(sys.executable).with_name("kneecoach")
    return str(found) if found.exists() else "kneecoach"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _any_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
