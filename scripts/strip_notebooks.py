"""Strip outputs, execution counts and run metadata from notebooks before committing them.

    .venv/bin/python scripts/strip_notebooks.py            # every notebook in notebooks/
    .venv/bin/python scripts/strip_notebooks.py A.ipynb    # just these
    .venv/bin/python scripts/strip_notebooks.py --check    # exit 1 if any has outputs
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
KEEP_METADATA = ("kernelspec", "language_info")

logger = logging.getLogger("strip_notebooks")


def is_stripped(book: nbformat.NotebookNode) -> bool:
    """True when no code cell has outputs or an execution count."""
    return all(not c.get("outputs") and c.get("execution_count") is None
               for c in book.cells if c.cell_type == "code")


def strip(book: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without outputs, execution counts or per-cell and run metadata."""
    for cell in book.cells:
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    book.metadata = {k: v for k, v in book.metadata.items() if k in KEEP_METADATA}
    if "language_info" in book.metadata:
        book.metadata["language_info"] = {"name": book.metadata["language_info"].get("name")}
    return book


def main(argv: list[str] | None = None) -> int:
    """Strip (or with --check, test) the given notebooks; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="only report unstripped notebooks")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        book = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if is_stripped(book) and args.check:
            continue
        if args.check:
            dirty.append(path)
            continue
        nbformat.write(strip(book), path)
        logger.info("stripped %s", path)
    for path in dirty:
        logger.error("has outputs: %s", path)
    return 1 if dirty else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
