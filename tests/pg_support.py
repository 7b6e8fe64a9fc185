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


@contextmanager
def postgres_server(database: str = "dlcourse"):
    """Yield the SQLAlchemy URL of a fresh database on a private server; stop it afterwards.

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
        subprocess.run([*prefix, str(folder / "createdb"), "-h", str(tmp), "-p", str(port),
                        "-U", user, database], **run)  # fmt: skip
        yield f"postgresql://{user}@/{database}?host={tmp}&port={port}"
    finally:
        subprocess.run([*prefix, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)
