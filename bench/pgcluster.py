"""A throw-away PostgreSQL 15 cluster on a loopback port, for the benchmarks only."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str], cwd: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(prefix + args, check=True, cwd=cwd, stdout=subprocess.DEVNULL)  # noqa: S603


def _start(data: str, tmp: str) -> None:
    _as_postgres([str(PGBIN / "pg_ctl"), "start", "-D", data, "-l", f"{tmp}/server.log", "-w"], tmp)


@contextmanager
def cluster(keep: str | None = None) -> Iterator[str]:
    """Yield a DATABASE_URL for an empty database `fangkong` owned by a CREATEDB role.

    ``keep``: a directory that keeps the cluster after the run (stopped, not removed); given
    again, the cluster there is started as it was left (``kept(keep)`` says whether it is)."""
    if keep is not None and kept(keep):
        tmp, data = keep, f"{keep}/data"
        _start(data, tmp)
        try:
            yield Path(keep, "url").read_text().strip()
        finally:
            _as_postgres([str(PGBIN / "pg_ctl"), "stop", "-D", data, "-m", "fast", "-w"], tmp)
        return
    if keep is not None:
        Path(keep).mkdir(parents=True, exist_ok=True)
        tmp = keep
    else:
        tmp = tempfile.mkdtemp(prefix="fangkong-bench-pg.")
    os.chmod(tmp, 0o755)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    data, sock, port = f"{tmp}/data", f"{tmp}/socket", _free_port()
    password = secrets.token_hex(12)
    try:
        _as_postgres(["mkdir", "-m", "700", sock], tmp)
        _as_postgres(
            [
                str(PGBIN / "initdb"),
                "-D",
                data,
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ],
            tmp,
        )
        conf = (
            f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{sock}'\n"
            "shared_buffers = 256MB\nmax_wal_size = 4GB\n"
            # What a server on SSD for a county is tuned with (README, "PostgreSQL"): hash joins
            # and sorts of a few hundred thousand rows in memory, index scans priced for SSD.
            "work_mem = 32MB\nrandom_page_cost = 1.1\neffective_cache_size = 4GB\n"
        )
        _as_postgres(["sh", "-c", f"cat >> {data}/postgresql.conf <<'EOF'\n{conf}\nEOF"], tmp)
        _start(data, tmp)
        _as_postgres(
            [
                str(PGBIN / "psql"),
                "-X",
                "-q",
                "-h",
                sock,
                "-p",
                str(port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                f"CREATE ROLE fangkong LOGIN CREATEDB PASSWORD '{password}'",
                "-c",
                "CREATE DATABASE fangkong OWNER fangkong",
            ],
            tmp,
        )
        url = f"postgres://fangkong:{password}@127.0.0.1:{port}/fangkong"
        if keep is not None:
            Path(keep, "url").write_text(url + "\n")
        yield url
    finally:
        if Path(data, "postmaster.pid").exists():
            _as_postgres([str(PGBIN / "pg_ctl"), "stop", "-D", data, "-m", "fast", "-w"], tmp)
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def kept(keep: str) -> bool:
    """A cluster kept in ``keep`` by an earlier run (its data and its address)."""
    return Path(keep, "data", "PG_VERSION").exists() and Path(keep, "url").exists()
