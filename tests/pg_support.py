"""A throw-away PostgreSQL server for the gradebook tests: Debian's ``postgresql``, started in a
temporary folder (``initdb``, a unix socket there, no TCP), stopped and deleted at the end.

When the server programs are missing they are installed as ``make test`` installs Chromium:
with ``apt-get`` when we are root, otherwise the test fails saying what to install.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "the PostgreSQL tests need: sudo apt-get install postgresql (or make postgres)"


def server_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if found:
        return Path(found[0]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


def ensure_installed() -> Path:
    folder = server_bin()
    if folder is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        folder = server_bin()
    if folder is None:
        raise RuntimeError(INSTALL_HINT)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running throw-away server: :meth:`new_database` gives the URL of an empty database."""

    def __init__(self, socket_dir: Path, port: int, user: str):
        self.socket_dir, self.port, self.user, self.count = socket_dir, port, user, 0

    def url(self, database: str, password: str | None = None) -> str:
        who = f"{self.user}:{password}" if password else self.user
        return f"postgresql://{who}@/{database}?host={self.socket_dir}&port={self.port}"

    def new_database(self, name: str | None = None) -> str:
        import psycopg

        self.count += 1
        name = name or f"gradebook_{self.count}"
        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user,
                             dbname="postgres", autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server():
    """Yield a :class:`Server` on a private socket in a temporary folder; stop it afterwards.

    As root the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).
    """
    folder = ensure_installed()
    tmp = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    if as_root:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", _free_port()
    run = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: C408
    subprocess.run([*prefix, str(folder / "initdb"), "-D", str(data), "-U", user, "-A", "trust",
                    "--no-sync"], **run)  # fmt: skip
    options = f"-k {tmp} -p {port} -c listen_addresses='' -c fsync=off"
    subprocess.run([*prefix, str(folder / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                    "-l", str(tmp / "server.log"), "start"], **run)  # fmt: skip
    try:
        yield Server(tmp, port, user)
    finally:
        subprocess.run([*prefix, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)
