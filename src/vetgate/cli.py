"""The command line. The only module that knows argparse: it parses, then hands plain keyword
arguments to ``vetgate.commands.<name>.run``."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from vetgate import __version__
from vetgate.errors import UsageError
from vetgate.report import FORMATS as REPORT_FORMATS

if TYPE_CHECKING:
    import argparse

ORIGIN_FORMATS = ("json", "text")
AUDIT_FORMATS = ("html", "json", "markdown", "text")
REPLAY_FORMATS = ("json", "markdown", "text")


EXIT_CODES = """\
exit codes:
  0  pass (warnings allowed)
  1  the policy blocks the change
  2  vetgate could not decide: bad policy, not a git repository, missing history,
     bad arguments (it never passes what it could not judge)
  3  a bug in vetgate (the message says how to report it)
  130  interrupted

Options go after the command: `vetgate check --policy FILE`, not `vetgate --policy FILE check`.
`vetgate COMMAND --help` describes each command."""

HOOK_DESCRIPTIONS = {
    "prepare-commit-msg": (
        "Inside an AI agent's shell, add the agent's declaration trailer to the commit message, "
        "so the commit says where it came from. Never blocks a commit."
    ),
    "commit-msg": (
        "Judge the staged change with the pending commit message against the policy. Quiet "
        "when it passes (one heads-up line when CI will ask for more); exit 1 with what "
        "satisfies the policy when it blocks."
    ),
    "pre-push": (
        "Judge the commits being pushed against the policy; exit 1 stops the push and says what "
        "satisfies the policy. A pass says what CI will still ask for (review, labels)."
    ),
}
HOOK_SUMMARIES = {
    "prepare-commit-msg": "in an agent's shell, add its declaration trailer (never blocks)",
    "commit-msg": "judge the staged change with the pending message",
    "pre-push": "judge the commits being pushed",
}
HOOK_ARGUMENTS = {
    "prepare-commit-msg": "FILE [SOURCE [SHA]]: what git passes (the pre-commit framework "
                          "passes FILE and sets PRE_COMMIT_COMMIT_MSG_SOURCE)",
    "commit-msg": "FILE: the message file git passes (.git/COMMIT_EDITMSG when absent)",
    "pre-push": "REMOTE URL as git passes them, with the pushed refs on stdin; nothing under "
                "the pre-commit framework (it sets PRE_COMMIT_FROM_REF/TO_REF)",
}


@functools.lru_cache(maxsize=1)
def _parser_class() -> type[argparse.ArgumentParser]:
    """argparse's parser, made where it is needed (a hook run never loads argparse)."""
    import argparse

    class _Parser(argparse.ArgumentParser):
        """argparse exits 2 on bad arguments, which is our "could not decide" code; keep that,
        but route the message through our own handler so it reads like every other error (main
        adds the one ``vetgate: error:`` prefix)."""

        def error(self, message: str) -> None:  # type: ignore[override]
            raise UsageError(f"{message} (see `{self.prog} --help`)")

    return _Parser


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
    import argparse

    _Parser = _parser_class()
    parser = _Parser(
        prog="vetgate",
        description="A policy gate for AI-origin code changes: pre-commit hooks, a CI status "
                    "check and a history audit, driven by a policy file (.vetgate.yaml).",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vetgate {__version__}",
                        help="print the version and exit")
    parser.add_argument(
        "-C", dest="global_repo", default=None, metavar="DIR",
        help="run as if vetgate was started in DIR (like `git -C`; also accepted after the "
             "command)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser,
                                help="what to do (`vetgate COMMAND --help` for its options)")
    sub.required = True

    check = sub.add_parser(
        "check", help="evaluate a change against the policy",
        description="Evaluate a change against the policy: which rules its files match, whether "
                    "each is AI-origin, and what every matching rule requires. Exit 0 pass, 1 "
                    "blocked, 2 could not decide.")
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
    check.add_argument("--replay-budget", metavar="SECONDS",
                       help="with --ci, when the change edits the policy files: at most this "
                            "many seconds to replay the last 100 changes with the proposed "
                            "policy for the markdown report and step summary (default 30; 0 "
                            "skips it)")
    check.add_argument("--color", choices=("always", "auto", "never"), default="auto",
                       help="colour the text report: auto (default) on a terminal unless "
                            "NO_COLOR is set")

    origin = sub.add_parser(
        "origin", help="classify commits as ai / human / unknown",
        description="Classify each commit of a range (or the pending commit) as ai, human or "
                    "unknown, with every piece of evidence found.")
    _add_repo(origin)
    origin.add_argument("rev_range", nargs="?", default=None, metavar="RANGE",
                        help="A..B or one commit (default HEAD)")
    origin.add_argument("--staged", action="store_true", help="classify the pending commit")
    origin.add_argument("--message-file", metavar="FILE", help="the pending commit message")
    _add_policy(origin)
    origin.add_argument("--format", choices=ORIGIN_FORMATS, default="text",
                        help="text (default) or json ({\"commits\": [...]}, docs/output.md)")

    explain = sub.add_parser(
        "explain", help="which rules match each path, and what they require",
        description="For each path: the rules that match it (file and line of each), and what "
                    "they would require of an AI-origin and of a human change.")
    _add_repo(explain)
    explain.add_argument("paths", nargs="+", metavar="PATH",
                         help="a file path (it need not exist yet), relative to the current "
                              "directory")
    _add_policy(explain)
    explain.add_argument("--format", choices=ORIGIN_FORMATS, default="text",
                         help="text (default) or json")

    validate = sub.add_parser(
        "validate", help="load and check policy files",
        description="Load and check policy files: every problem at once as file:line:col: "
                    "message; warns about rules whose paths match no tracked file.")
    _add_repo(validate)
    validate.add_argument("policies", nargs="*", metavar="POLICY",
                          help="policy files to check (default: the repository's .vetgate.yaml)")

    init = sub.add_parser(
        "init", help="write a starter policy for this repository",
        description="Write a starter policy with rules for the high-risk folders found in this "
                    "repository (auth, payments, db, migrations ...). Never overwrites without "
                    "--force.")
    _add_repo(init)
    init.add_argument("--force", action="store_true", help="overwrite an existing policy")
    init.add_argument("--output", default=".vetgate.yaml", metavar="FILE",
                      help="where to write it (default: .vetgate.yaml; relative to the "
                           "repository root)")

    audit = sub.add_parser(
        "audit", help="how AI-origin changes fared in this history",
        description="Measure history: what share of commits were AI-origin, where they landed, "
                    "and how often AI-origin and human changes were later reverted or fixed. "
                    "Never blocks (exit 0, or 2 when it cannot decide).")
    _add_repo(audit)
    audit.add_argument("rev_range", nargs="?", default=None, metavar="REV-RANGE",
                       help="the commits to measure, as git log takes them (default: HEAD)")
    audit.add_argument("--since", metavar="DATE",
                       help="only commits after DATE (anything git reads: 2024-01-31, "
                            "'6 months ago')")
    audit.add_argument("--until", metavar="DATE", help="only commits before DATE")
    audit.add_argument("--format", choices=AUDIT_FORMATS, default="text",
                       help="report format (default: text)")
    audit.add_argument("--output", metavar="FILE",
                       help="write the report here (default: stdout)")
    audit.add_argument("--szz", choices=("b", "l", "r"), default="r",
                       help="SZZ variant: b (all candidates), r (the most recent; default), "
                            "l (the largest)")
    audit.add_argument("--window", metavar="DAYS",
                       help="fixed follow-up window, e.g. 90d; younger commits are left out")
    audit.add_argument("--fix-pattern", metavar="REGEX",
                       help="regular expression that marks a fix commit's message")
    audit.add_argument("--progress", choices=("always", "auto", "never"), default="auto",
                       help="progress on stderr: auto (default) when stderr is a terminal; "
                            "never also silences hints")
    audit.add_argument("--deployments", metavar="PATTERN",
                       help="what a deployment is: a tag glob such as 'v*', first-parent:BRANCH, "
                            "auto (default: release-looking tags when there are any) or none")
    audit.add_argument("--merge", nargs="+", metavar="FILE",
                       help="combine JSON audit reports (one per repository) into one report")
    audit.add_argument("--jobs", type=int, metavar="N",
                       help="workers (default: one per core; 1: serial, same result; 2+: SZZ "
                            "beside the classifying pass, fixes blamed in parallel)")
    audit.add_argument("--write-commit-graph", action="store_true",
                       help="write a commit-graph with changed-path filters first (faster blame)")
    audit.add_argument("--allow-shallow", action="store_true",
                       help="audit a shallow clone's cut-off history (refused by default)")
    _add_policy(audit)

    replay = sub.add_parser(
        "replay", help="what a policy would have blocked over the last changes",
        description="Judge the changes that reached the branch (first-parent merges, squash and "
                    "rebase commits: one change each) with a proposed policy and with the current "
                    "one, as `check --range` would have judged each, and show what each would "
                    "have blocked. Reviews are not in git: review requirements are unknown "
                    "unless --reviews FILE is given. Exit 0, or 2 when it cannot replay.")
    _add_repo(replay)
    replay.add_argument("rev_range", nargs="?", default=None, metavar="RANGE",
                        help="replay the changes of BASE..HEAD instead of the last N")
    replay.add_argument("--policy", action="append", default=None, metavar="PATH",
                        help="the proposed policy file (repeatable; default: the work tree's "
                             ".vetgate.yaml; required in a bare repository)")
    replay.add_argument("--against", metavar="REF|PATH",
                        help="the policy to compare with: a policy file, or a commit whose "
                             "policy to read (default: the policy at HEAD)")
    replay.add_argument("--last", metavar="N",
                        help="how many changes to replay, newest first (default: 100)")
    replay.add_argument("--reviews", metavar="FILE",
                        help="JSON reviews in the format `check --reviews` takes; without it "
                             "review requirements are unknown, never met")
    replay.add_argument("--format", choices=REPLAY_FORMATS, default="text",
                        help="report format (default: text)")
    replay.add_argument("--output", metavar="FILE",
                        help="write the report here (default: stdout)")

    hook = sub.add_parser(
        "hook", help="entry points for the pre-commit hooks",
        description="The entry points .pre-commit-hooks.yaml (or `vetgate install-hooks`) calls; "
                    "see docs/hooks.md. `vetgate hook NAME --help` describes each.")
    _add_repo(hook)
    hooks = hook.add_subparsers(dest="hook_name", metavar="NAME", parser_class=_Parser,
                                help="the hook to run")
    hooks.required = True
    for name, description in HOOK_DESCRIPTIONS.items():
        one = hooks.add_parser(name, help=HOOK_SUMMARIES[name], description=description)
        one.add_argument("hook_args", nargs=argparse.REMAINDER, metavar="ARGS",
                         help=HOOK_ARGUMENTS[name])

    install = sub.add_parser(
        "install-hooks", help="install plain git hooks (without the pre-commit framework)",
        description="Write prepare-commit-msg, commit-msg and pre-push hooks into the directory "
                    "git reads hooks from. Hooks vetgate did not write are kept unless --force.")
    _add_repo(install)
    install.add_argument("--force", action="store_true", help="replace existing hooks")

    return parser


def _misplaced_option(argv: Sequence[str], commands: Sequence[str]) -> str | None:
    """The error for a command's option given before the command (``vetgate --policy x
    check``), which argparse would report as an invalid command; None when there is none."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in commands or word in ("-h", "--help", "--version") or word == "--":
            return None
        if word == "-C":
            index += 2
            continue
        if word.startswith("-C") and not word.startswith("--"):
            index += 1
            continue
        if not word.startswith("-"):
            return None  # an unknown command: argparse says so and lists the choices
        command = next((w for w in argv[index + 1:] if w in commands), None)
        option = word.split("=", 1)[0]
        example = f"`vetgate {command} {option} ...`" if command else f"`vetgate COMMAND {option}`"
        return (f"{option} goes after the command, e.g. {example}: only -C, --version and "
                "--help come before it (see `vetgate --help`)")
    return None


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; return its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    if len(words) >= 2 and words[0] == "hook" and words[1] in HOOK_DESCRIPTIONS and not any(
            word.startswith("-") for word in words[2:]):
        # What git and pre-commit run on every commit: nothing argparse could read differently
        # (no option, no `--`), so no parser is built (that and importing argparse cost more
        # than the rest of a hook's start).
        return COMMANDS["hook"](repo=".", hook_name=words[1], hook_args=words[2:])
    import argparse

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    misplaced = _misplaced_option(words, list(sub.choices))
    if misplaced:
        raise UsageError(misplaced)
    namespace, unknown = parser.parse_known_args(words)
    args = vars(namespace)
    if args["command"] == "hook":
        # What git or pre-commit passes goes to the hook untouched, options included (a
        # misconfigured `args: [--verbose]` gets the hook's own explanation, not argparse's).
        after = words.index("hook")
        args["hook_args"] = words[words.index(args["hook_name"], after) + 1:]
    elif unknown:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)} (see `vetgate "
                         f"{args['command']} --help`)")
    command = args.pop("command")
    start = _start_directory(args.pop("global_repo"), args.get("repo", "."))
    args["repo"] = start or "."
    if start:
        _rebase_paths(command, args, start)
    return COMMANDS[command](**args)


# --- dispatch -----------------------------------------------------------------------------------
# One typed table: each command's runner imports its module only when that command runs (the
# hook path loads nothing it does not use), and mypy checks every module and function name.

Runner = Callable[..., int]


def _check(**options: Any) -> int:
    from vetgate.commands import check

    return check.run(**options)


def _origin(**options: Any) -> int:
    from vetgate.commands import origin

    return origin.run(**options)


def _explain(**options: Any) -> int:
    from vetgate.commands import explain

    return explain.run(**options)


def _validate(**options: Any) -> int:
    from vetgate.commands import validate

    return validate.run(**options)


def _init(**options: Any) -> int:
    from vetgate.commands import init

    return init.run(**options)


def _audit(**options: Any) -> int:
    from vetgate.commands import audit

    return audit.run(**options)


def _replay(**options: Any) -> int:
    from vetgate.commands import replay

    return replay.run(**options)


def _hook(**options: Any) -> int:
    from vetgate.commands import hook

    return hook.run(**options)


def _install_hooks(**options: Any) -> int:
    from vetgate.commands import install_hooks

    return install_hooks.run(**options)


COMMANDS: Mapping[str, Runner] = {
    "check": _check,
    "origin": _origin,
    "explain": _explain,
    "validate": _validate,
    "init": _init,
    "audit": _audit,
    "replay": _replay,
    "hook": _hook,
    "install-hooks": _install_hooks,
}

# The options whose values are files named on the command line. With `-C DIR` they are taken from
# DIR, as if vetgate had been started there (like `git -C`), without changing the process's
# working directory: the start directory is passed down as ``repo`` instead. (`init --output` is
# relative to the repository root by design; `replay --against` is a file only when one exists.)
PATH_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "check": ("message_file", "policy", "output", "reviews"),
    "origin": ("message_file", "policy"),
    "explain": ("paths", "policy"),
    "validate": ("policies",),
    "audit": ("output", "policy", "merge"),
    "replay": ("policy", "output", "reviews"),
}


def _start_directory(global_repo: str | None, repo: str) -> str | None:
    """``vetgate -C A COMMAND -C B``: the directory B seen from A (None: the current one)."""
    parts = [d for d in (global_repo, repo) if d not in (None, "", ".")]
    if not parts:
        return None
    directory = os.path.join(*parts)  # an absolute B stands on its own, as with `git -C`
    if not os.path.isdir(directory):
        what = "Not a directory" if os.path.exists(directory) else "no such directory"
        raise UsageError(f"-C {directory}: {what}")
    return directory


def _from(start: str, path: str) -> str:
    if path == "-" or os.path.isabs(path):
        return path
    return os.path.join(os.path.abspath(start), path)


def _rebase_paths(command: str, args: dict[str, Any], start: str) -> None:
    """Take every relative file argument of ``command`` from ``start`` (see ``PATH_OPTIONS``)."""
    for name in PATH_OPTIONS.get(command, ()):
        value = args.get(name)
        if isinstance(value, str):
            args[name] = _from(start, value)
        elif isinstance(value, list):
            args[name] = [_from(start, v) for v in value]
    if command == "check" and args.get("extra_reports"):
        reports = []
        for spec in args["extra_reports"]:
            fmt, sep, path = spec.partition("=")
            reports.append(f"{fmt}={_from(start, path)}" if sep and path else spec)
        args["extra_reports"] = reports
    if command == "replay" and args.get("against"):
        candidate = _from(start, args["against"])
        if os.path.isfile(candidate):
            args["against"] = candidate
    if command == "hook" and args["hook_name"] in ("commit-msg", "prepare-commit-msg"):
        hook_args = list(args["hook_args"])
        index = 1 if hook_args[:1] == ["--"] else 0
        if len(hook_args) > index:
            hook_args[index] = _from(start, hook_args[index])
        args["hook_args"] = hook_args
