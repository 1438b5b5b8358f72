"""A throwaway PostgreSQL server of our own: the tests' (tests/conftest.py) and the clinic
demo's (scripts/clinic_demo.py).

initdb and postgres refuse to run as root, so as root (CI) both run as the `postgres`
system user through runuser, in a directory that user owns.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("KNEECOACH_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
# Durability is pointless for a server that is deleted afterwards; these make it fast.
PG_SETTINGS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=200 -c listen_addresses=127.0.0.1"
)


class PostgresServer:
    """A PostgreSQL cluster in a directory of its own (a new temporary one unless `root`
    is given; an existing `root` is emptied first), reachable on 127.0.0.1:port."""

    def __init__(self, bin_dir: Path, root: Path | None = None) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        if root is None:
            self.root = Path(tempfile.mkdtemp(prefix="kneecoach-pg-"))
        else:
            self.root = root
            _stop_leftover(bin_dir, root / "data", as_root=self.as_root)
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.running = False
        self._names = itertools.count(1)
        self._recycled: list[str] = []
        if self.as_root:
            try:
                owner = pwd.getpwnam(PG_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root, PostgreSQL needs the {PG_USER!r} system user: "
                    "run `make setup` (Debian's postgresql package creates it)"
                ) from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)

    def _run(self, *args: str) -> None:
        command = _command(self.bin_dir, args, as_root=self.as_root)
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", PG_USER, "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        for attempt in range(3):  # another process may take the free port before postgres does
            self.port = free_port()
            options = f"-p {self.port} -k {self.root} {PG_SETTINGS}"
            log = str(self.log)
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")
            except RuntimeError:
                if attempt == 2:
                    raise
            else:
                self.running = True
                return

    def stop(self) -> None:
        if self.running:
            self.running = False
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _execute(self, database: str, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[arg-type]

    def create_database(self) -> str:
        """An empty database: a recycled one if any, else a new one (CREATE DATABASE is slow)."""
        if self._recycled:
            return self._recycled.pop()
        name = f"kneecoach_test_{next(self._names)}"
        self._execute("postgres", f"CREATE DATABASE {name}")
        return name

    def recycle(self, name: str) -> None:
        """Disconnect everyone still there, drop every table, and keep the database for reuse."""
        self._execute(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        self._execute(name, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
        self._recycled.append(name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(bin_dir: Path, args: tuple[str, ...], *, as_root: bool) -> list[str]:
    command = [str(bin_dir / args[0]), *args[1:]]
    return ["runuser", "-u", PG_USER, "--", *command] if as_root else command


def _stop_leftover(bin_dir: Path, data: Path, *, as_root: bool) -> None:
    """Stop a server an earlier run left behind in `data` (killed before it could)."""
    if not (data / "postmaster.pid").exists():
        return
    command = _command(
        bin_dir, ("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"), as_root=as_root
    )
    subprocess.run(command, capture_output=True, timeout=60, check=False)
