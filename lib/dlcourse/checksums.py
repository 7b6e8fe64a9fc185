"""File checksums: every data file and every shipped weight is verified before it is used."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_digest(path: Path | str, algorithm: str) -> str:
    """Hex digest of a file's bytes (``algorithm``: "md5", "sha256", ...), read in blocks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()


def md5sum(path: Path | str) -> str:
    """Hex MD5 of a file (MNIST publishes MD5 checksums)."""
    return file_digest(path, "md5")


def sha256sum(path: Path | str) -> str:
    """Hex SHA-256 of a file."""
    return file_digest(path, "sha256")
