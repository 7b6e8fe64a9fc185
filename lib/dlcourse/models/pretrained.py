"""Pretrained weights shipped with the library, checked against their SHA-256 on every load.

Each set of weights is two files in ``dlcourse/weights/``: ``<name>.pt`` (a ``state_dict``) and
``<name>.json`` (what the weights are, how they were trained, the accuracy they reached on a
held-out set, and the SHA-256 checksum of the ``.pt`` file). ``tools/pretrain_backbone.py``
writes both; :func:`load_pretrained` refuses a ``.pt`` file whose checksum differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from dlcourse.checksums import sha256sum
from dlcourse.models.small import SmallCNN

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"

ARCHITECTURES = {"SmallCNN": SmallCNN}


class ChecksumError(RuntimeError):
    """A weights file does not match the checksum recorded next to it."""


def save_pretrained(model: torch.nn.Module, name: str, info: dict, directory=WEIGHTS_DIR) -> Path:
    """Write the ``state_dict`` to ``<name>.pt``, ``info`` and the checksum to ``<name>.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / f"{name}.pt"
    torch.save(model.state_dict(), weights)
    record = {"name": name, "architecture": type(model).__name__, **info}
    record["file"] = weights.name
    record["sha256"] = sha256sum(weights)
    (directory / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    return weights


def pretrained_info(name: str, directory=WEIGHTS_DIR) -> dict:
    """The JSON record of the weights ``name`` (architecture, task, accuracy, checksum...)."""
    path = Path(directory) / f"{name}.json"
    if not path.is_file():
        available = sorted(p.stem for p in Path(directory).glob("*.json"))
        raise FileNotFoundError(f"no pretrained weights named {name!r} in {directory}; "
                                f"available: {available}")  # fmt: skip
    return json.loads(path.read_text())


def load_pretrained(name: str, directory=WEIGHTS_DIR) -> tuple[torch.nn.Module, dict]:
    """Build the model recorded for ``name``, verify the checksum, load the weights.

    Returns ``(model, info)`` with the model in eval mode. Raises :class:`ChecksumError` if the
    ``.pt`` file's SHA-256 differs from the one in the JSON record.
    """
    info = pretrained_info(name, directory)
    weights = Path(directory) / info["file"]
    actual = sha256sum(weights)
    if actual != info["sha256"]:
        raise ChecksumError(
            f"weights file {weights} is corrupt or was replaced: SHA-256 {actual}, expected "
            f"{info['sha256']} (recorded in {name}.json). Restore it from the repository or "
            f"rerun tools/pretrain_backbone.py."
        )
    model = ARCHITECTURES[info["architecture"]](num_classes=info["num_classes"])
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.eval(), info
