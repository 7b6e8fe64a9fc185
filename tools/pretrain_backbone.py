"""Pretrain the transfer-learning backbone and ship its weights in the library.

    .venv/bin/python tools/pretrain_backbone.py

Trains :class:`dlcourse.models.small.SmallCNN` on the **source task** of chapter 11 (MNIST
digits 0-4, all ~30,600 training images) with Adam for two epochs, measures its accuracy on the
5,139 test images of digits 0-4, and writes ``lib/dlcourse/weights/smallcnn_mnist04.pt`` with
``smallcnn_mnist04.json`` (task, training settings, accuracy, SHA-256). Deterministic for a
fixed seed and thread count on one machine; about a minute on one CPU core.
"""

from __future__ import annotations

import argparse
import platform

import torch
from dlcourse.data import load_mnist
from dlcourse.models.pretrained import WEIGHTS_DIR, save_pretrained
from dlcourse.models.small import SmallCNN
from dlcourse.models.tasks import SOURCE_DIGITS, digit_task
from dlcourse.models.training import accuracy, train_classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="smallcnn_mnist04")
    parser.add_argument("--out", default=str(WEIGHTS_DIR))
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    mnist = load_mnist()
    x_train, y_train = digit_task(mnist.X_train, mnist.y_train, SOURCE_DIGITS)
    x_test, y_test = digit_task(mnist.X_test, mnist.y_test, SOURCE_DIGITS)
    steps = args.epochs * len(x_train) // args.batch_size

    model = SmallCNN(num_classes=len(SOURCE_DIGITS))
    history = train_classifier(
        model, x_train, y_train, steps=steps, batch_size=args.batch_size, lr=args.lr,
        seed=args.seed,
    )  # fmt: skip
    test_accuracy = accuracy(model, x_test, y_test)
    print(f"{steps} steps in {history['seconds'][0]:.0f} s; test accuracy {test_accuracy:.4f}")

    info = {
        "num_classes": len(SOURCE_DIGITS),
        "task": "MNIST digits 0-4 (labels 0..4)",
        "digits": list(SOURCE_DIGITS),
        "input": "(N, 1, 28, 28) float32 pixels in [0, 1], as returned by dlcourse.data.load_mnist",
        "training": {
            "train_examples": len(x_train),
            "optimizer": "Adam",
            "lr": args.lr,
            "batch_size": args.batch_size,
            "steps": steps,
            "seed": args.seed,
            "final_train_loss_mean_last_50": sum(history["loss"][-50:]) / 50,
        },
        "test_examples": len(x_test),
        "test_accuracy": test_accuracy,
        "test_correct": round(test_accuracy * len(x_test)),
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "script": "tools/pretrain_backbone.py",
    }
    path = save_pretrained(model, args.name, info, args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes) and {args.name}.json")


if __name__ == "__main__":
    main()
