"""Run one Sphinx build of the book the way `jupyter-book build` does, with a few overrides.

    python tools/book_sphinx.py --builder html --language ko --out _build/html/ko
    python tools/book_sphinx.py --builder gettext --execute off --out _build/gettext

`jupyter-book build` takes no Sphinx overrides on its command line (only `--config` with a whole
other _config.yml). This calls the same function it calls (``jupyter_book.sphinx.build_sphinx``,
with _config.yml and _toc.yml of the repository, -n) and adds what a second edition or the
catalogue extraction needs: the language, the execution mode, and an output and doctree folder
of its own (so the English build's environment is never invalidated by the Korean one). The
execution cache is the one in _config.yml, so a Korean build executes nothing the English build
has already run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builder", default="html")
    parser.add_argument("--language", default=None, help="Sphinx language, e.g. ko")
    parser.add_argument("--execute", default=None, help="nb_execution_mode, e.g. off")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--doctrees", type=Path, default=None)
    parser.add_argument("-W", dest="werror", action="store_true", help="warnings are errors")
    parser.add_argument("--keep-going", action="store_true")
    args = parser.parse_args(argv)

    from jupyter_book.sphinx import build_sphinx

    overrides: dict = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
    }
    if args.language:
        overrides["language"] = args.language
    if args.execute:
        overrides["nb_execution_mode"] = args.execute
    out = args.out if args.out.is_absolute() else ROOT / args.out
    doctrees = (
        args.doctrees or ROOT / "_build" / f".doctrees-{args.builder}-{args.language or 'en'}"
    )
    os.chdir(ROOT)  # the execution cache path in _config.yml is relative to the repository
    result = build_sphinx(
        ROOT,
        out,
        use_external_toc=True,
        noconfig=True,
        path_config=ROOT / "_config.yml",
        confoverrides=overrides,
        doctreedir=doctrees if doctrees.is_absolute() else ROOT / doctrees,
        builder=args.builder,
        warningiserror=args.werror,
        keep_going=args.keep_going,
    )
    if isinstance(result, Exception):
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
