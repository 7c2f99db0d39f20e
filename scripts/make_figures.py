#!/usr/bin/env python3
"""Regenerate every figure of the documentation site: ``python scripts/make_figures.py``.

Writes the PNGs and the animated GIF that the pages in ``docs/`` show into ``docs/figures/``
(or ``--out DIR``), with ``figures.json``, the record of what each was drawn from, from
:func:`transposed_conv.viz.make_figures`; ``--only NAME ...`` writes just those (and no record).
Needs the ``viz`` extra (matplotlib): ``pip install -e ".[viz]"``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures", help="directory (docs/figures)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="write only these figures (file names)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing it, too
    try:
        from transposed_conv.viz import make_figures

        paths = make_figures(args.out, args.only)
    except (ImportError, ValueError) as error:
        print(f"make_figures: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
