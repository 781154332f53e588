"""Entry point and the single top-level error handler."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vetgate.errors import EXIT_CRASH, EXIT_INTERRUPTED, EXIT_UNDECIDED, PolicyError, VetgateError

BUG_REPORT_HINT = (
    "vetgate crashed; this is a bug. Please report it with the command line and the "
    "traceback above at https://github.com/vetgate/vetgate/issues"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the vetgate command line and return its exit code (0 pass, 1 block, 2 undecided)."""
    from vetgate import cli

    try:
        return cli.run(argv)
    except PolicyError as exc:
        for diagnostic in exc.diagnostics:
            print(f"vetgate: {diagnostic}", file=sys.stderr)
        return EXIT_UNDECIDED
    except VetgateError as exc:
        print(f"vetgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("vetgate: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `vetgate origin | head`); nothing left to tell it.
        return EXIT_UNDECIDED
    except OSError as exc:
        # The machine, not vetgate: a full disk, an unwritable output, an I/O error. Undecided,
        # with the cause in one line (a report that could not be written decided nothing).
        where = f": {exc.filename}" if exc.filename else ""
        print(f"vetgate: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_UNDECIDED
    except Exception:
        import traceback

        traceback.print_exc()
        print(f"vetgate: {BUG_REPORT_HINT}", file=sys.stderr)
        return EXIT_CRASH


if __name__ == "__main__":
    raise SystemExit(main())
