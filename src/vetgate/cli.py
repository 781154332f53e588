"""The command line. The only module that knows argparse: it parses, then hands plain keyword
arguments to ``vetgate.commands.<name>.run``."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from vetgate import __version__
from vetgate.errors import UsageError

REPORT_FORMATS = ("codequality", "github", "json", "junit", "markdown", "sarif", "text")
ORIGIN_FORMATS = ("json", "text")
AUDIT_FORMATS = ("html", "json", "markdown", "text")
HOOK_NAMES = ("commit-msg", "pre-push", "prepare-commit-msg")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, which is our "could not decide" code; keep that, but
    route the message through our own handler so it reads like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _add_repo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C", "--repo", default=".", metavar="DIR",
        help="run as if vetgate was started in DIR (default: the current directory)",
    )


def _add_policy(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy", action="append", default=None, metavar="PATH",
        help="policy file to use instead of discovering .vetgate.yaml (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs tests)."""
    parser = _Parser(prog="vetgate", description="A policy gate for AI-origin code changes.")
    parser.add_argument("--version", action="version", version=f"vetgate {__version__}")
    parser.add_argument(
        "-C", dest="global_repo", default=None, metavar="DIR",
        help="run as if vetgate was started in DIR (like `git -C`; also accepted after the "
             "command)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    check = sub.add_parser("check", help="evaluate a change against the policy")
    _add_repo(check)
    selection = check.add_mutually_exclusive_group()
    selection.add_argument("--staged", action="store_true", help="the index against HEAD")
    selection.add_argument("--range", dest="rev_range", metavar="BASE..HEAD",
                           help="commits in HEAD not in BASE, diffed from their merge-base")
    selection.add_argument("--base", metavar="REF", help="same as --range REF..HEAD")
    selection.add_argument("--ci", action="store_true",
                           help="take base, head, labels and reviews from GitHub Actions/GitLab CI")
    check.add_argument("--head", metavar="REF", help="with --base: the head (default HEAD)")
    check.add_argument("--message-file", metavar="FILE", help="the pending commit message")
    _add_policy(check)
    check.add_argument("--policy-ref", metavar="REF",
                       help="read the policy as of this commit (default: the base in range/CI "
                            "modes, the working tree for --staged)")
    check.add_argument("--format", choices=REPORT_FORMATS, default=None,
                       help="report format (default: text; github on GitHub Actions with --ci)")
    check.add_argument("--output", metavar="FILE", help="write the report here (default: stdout)")
    check.add_argument("--report", dest="extra_reports", action="append", default=None,
                       metavar="FORMAT=FILE",
                       help="also write a report in FORMAT to FILE (repeatable), e.g. "
                            "--report sarif=vetgate.sarif --report junit=vetgate.xml")
    check.add_argument("--reviews", metavar="FILE",
                       help="JSON list of {user, state, commit_id} reviews from the pipeline")
    check.add_argument("--label", dest="labels", action="append", default=None, metavar="NAME",
                       help="a PR/MR label the change carries (repeatable; CI detects them)")
    check.add_argument("--warn-only", action="store_true",
                       help="report as usual but never block (exit 0 unless undecided)")
    check.add_argument("--post-status", metavar="CONTEXT",
                       help="CI: post the verdict as a commit status with this context")
    check.add_argument("--color", choices=("always", "auto", "never"), default="auto")

    origin = sub.add_parser("origin", help="classify commits as ai / human / unknown")
    _add_repo(origin)
    origin.add_argument("rev_range", nargs="?", default=None, metavar="RANGE",
                        help="A..B or one commit (default HEAD)")
    origin.add_argument("--staged", action="store_true", help="classify the pending commit")
    origin.add_argument("--message-file", metavar="FILE", help="the pending commit message")
    _add_policy(origin)
    origin.add_argument("--format", choices=ORIGIN_FORMATS, default="text")

    explain = sub.add_parser("explain", help="which rules match each path, and what they require")
    _add_repo(explain)
    explain.add_argument("paths", nargs="+", metavar="PATH")
    _add_policy(explain)
    explain.add_argument("--format", choices=ORIGIN_FORMATS, default="text")

    validate = sub.add_parser("validate", help="load and check policy files")
    _add_repo(validate)
    validate.add_argument("policies", nargs="*", metavar="POLICY")

    init = sub.add_parser("init", help="write a starter policy for this repository")
    _add_repo(init)
    init.add_argument("--force", action="store_true", help="overwrite an existing policy")
    init.add_argument("--output", default=".vetgate.yaml", metavar="FILE")

    audit = sub.add_parser("audit", help="how AI-origin changes fared in this history")
    _add_repo(audit)
    audit.add_argument("rev_range", nargs="?", default=None, metavar="REV-RANGE")
    audit.add_argument("--since", metavar="DATE")
    audit.add_argument("--until", metavar="DATE")
    audit.add_argument("--format", choices=AUDIT_FORMATS, default="text")
    audit.add_argument("--output", metavar="FILE")
    audit.add_argument("--szz", choices=("b", "l", "r"), default="r",
                       help="SZZ variant: b (all candidates), r (the most recent; default), "
                            "l (the largest)")
    audit.add_argument("--window", metavar="DAYS",
                       help="fixed follow-up window, e.g. 90d; younger commits are left out")
    audit.add_argument("--fix-pattern", metavar="REGEX",
                       help="regular expression that marks a fix commit's message")
    audit.add_argument("--progress", choices=("always", "auto", "never"), default="auto")
    _add_policy(audit)

    hook = sub.add_parser("hook", help="entry points for the pre-commit hooks")
    _add_repo(hook)
    hook.add_argument("hook_name", choices=HOOK_NAMES, metavar="NAME")
    hook.add_argument("hook_args", nargs=argparse.REMAINDER, metavar="ARGS")

    install = sub.add_parser("install-hooks",
                             help="install plain git hooks (without the pre-commit framework)")
    _add_repo(install)
    install.add_argument("--force", action="store_true", help="replace existing hooks")

    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; return its exit code."""
    args = vars(build_parser().parse_args(argv))
    command = args.pop("command")
    for directory in (args.pop("global_repo"), args.get("repo", ".")):
        _change_directory(directory)
    args["repo"] = "."
    module = importlib.import_module(f"vetgate.commands.{command.replace('-', '_')}")
    return int(module.run(**args))


def _change_directory(directory: str | None) -> None:
    if directory in (None, ".", ""):
        return
    # Like `git -C DIR`: every relative path on the command line (--policy, --message-file,
    # --reviews, --output ...) is taken from DIR, as if vetgate had been started there.
    import os

    try:
        os.chdir(directory)
    except OSError as exc:
        raise UsageError(f"-C {directory}: {exc.strerror}") from exc
