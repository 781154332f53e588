"""``python -m vetgate.hosts.status CONTEXT STATE [DESCRIPTION]``: post one commit status on the
head of the CI run, the way ``check --ci --post-status`` does.

The GitHub Action calls it when ``vetgate check`` could not decide (exit 2) or crashed (exit 3),
so the required status context turns ``error`` instead of keeping an older ``success`` from an
earlier run on the same head commit: the gate fails closed even when the check cannot post.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from vetgate.errors import EXIT_PASS, EXIT_UNDECIDED, UsageError, VetgateError

USAGE = "usage: python -m vetgate.hosts.status CONTEXT STATE [DESCRIPTION]"
STATES = ("success", "failure", "error", "pending")


def post(context: str, state: str, description: str, env: dict[str, str]) -> str:
    """Post ``state`` for ``context`` on the head commit of the CI run in ``env``; return it."""
    from vetgate.hosts.ci import client_for, detect

    if state not in STATES:
        raise UsageError(f"state must be one of {', '.join(STATES)} (got {state!r}); {USAGE}")
    ci = detect(env)
    if not ci.head:
        raise UsageError("this CI run names no head commit to post a status on")
    client_for(ci, env).post_status(ci.head, state, context, description)
    return ci.head


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry; exit 0 when posted, 2 (one line on stderr) when it could not."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (2, 3) or not args[0]:
        print(f"vetgate: error: {USAGE}", file=sys.stderr)
        return EXIT_UNDECIDED
    description = args[2] if len(args) == 3 else f"vetgate: {args[1]}"
    try:
        head = post(args[0], args[1], description, dict(os.environ))
    except VetgateError as exc:
        print(f"vetgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"vetgate: posted {args[1]} for {args[0]!r} on {head[:12]}", file=sys.stderr)
    return EXIT_PASS


if __name__ == "__main__":
    raise SystemExit(main())
