"""Running the command line in the test's process, as the kit's CLI tests do."""

from __future__ import annotations

import io

from transposed_conv.cli import main


def run_in_process(*argv: str) -> tuple[int, str, str]:
    """``transposed-conv *argv`` in this process: ``(status, stdout, stderr)``.

    ``check --impl`` runs the implementation here too (``--in-process``) unless the arguments say otherwise:
    worker processes are tests/test_isolation.py's claim, and elsewhere they would only add a process start.
    """
    args = list(argv)
    if args[:1] == ["check"] and "--impl" in args and "--in-process" not in args and "--jobs" not in args:
        args.append("--in-process")
    out, err = io.StringIO(), io.StringIO()
    status = main(args, out=out, err=err)
    return status, out.getvalue(), err.getvalue()
