"""`vetgate origin`: classify commits as ai / human / unknown, with every piece of evidence.

    vetgate origin                 # HEAD
    vetgate origin main..HEAD      # every commit in HEAD not in main
    vetgate origin --staged --message-file .git/COMMIT_EDITMSG   # the pending commit

Branch names and PR labels are CI context and are not consulted here (``check --ci`` does).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from vetgate.changes.model import Commit
from vetgate.errors import EXIT_PASS, UsageError
from vetgate.policy.model import OriginConfig
from vetgate.provenance.model import CommitOrigin

SHORT_SHA = 10


def _origin_config(root: str, policy: Sequence[str] | None) -> OriginConfig:
    from vetgate.gate.policy import load_policy_at

    return load_policy_at(root, policy, None).origin


def _commits(root: str, spec: str) -> tuple[list[Commit], str]:
    """The commits ``spec`` names (a range or one commit) and the revision to read traces at.

    Only identities and messages: classifying needs no diff, so none is asked for.
    """
    from vetgate.changes.collect import parse_range
    from vetgate.changes.commits import read_commits
    from vetgate.changes.repo import commits_between, resolve

    if ".." in spec:
        base, head = parse_range(root, spec)  # checks both sides name commits
        return commits_between(root, base, head, paths=False), head
    sha = resolve(root, spec)
    return read_commits(root, [sha]), sha


def format_text(origins: Sequence[CommitOrigin], config: OriginConfig) -> str:
    """The text report: one block per commit, then a one-line summary."""
    out: list[str] = []
    for co in origins:
        sha = co.sha[:SHORT_SHA] if co.sha else "pending"
        verdict: str = co.origin
        if co.counts_as != co.origin:
            verdict += f" (counts as {co.counts_as})"
        tools = ", ".join(co.tools) or "-"
        out.append(f"{sha}  {verdict}  {tools}  {co.subject}".rstrip())
        if not co.evidence:
            rule = ("origin.unknown" if co.origin == "unknown" else "")
            out.append(f"    no evidence{f' (counts as {co.counts_as}: {rule})' if rule else ''}")
        for item in co.evidence:
            notes = [x for x in (
                item.tool,
                {"suggestion": "accepted suggestion", "human": "human declaration",
                 "undecided": "undecided", "executed": "agent-executed"}.get(item.kind),
                "policy marker" if item.source == "policy" else None,
            ) if x]
            suffix = f"  ({', '.join(notes)})" if notes else ""
            # "environment CLAUDECODE=1" already says everything its detail would repeat
            text = item.where if item.detail in item.where else f"{item.where}: {item.detail}"
            out.append(f"    {text}{suffix}")
    if len(origins) > 1:
        counts = {name: sum(1 for co in origins if co.origin == name)
                  for name in ("ai", "human", "unknown")}
        out.append("")
        out.append(f"{len(origins)} commits: {counts['ai']} ai, {counts['human']} human, "
                   f"{counts['unknown']} unknown (unknown counts as {config.unknown})")
    return "\n".join(out) + "\n"


def format_json(origins: Sequence[CommitOrigin]) -> str:
    """``{"commits": [...]}`` with the same items as ``check --format json``."""
    from vetgate.provenance.serialize import commit_origin_to_json

    return json.dumps({"commits": [commit_origin_to_json(co) for co in origins]},
                      indent=2, ensure_ascii=False) + "\n"


def run(*, repo: str = ".", rev_range: str | None = None, staged: bool = False,
        message_file: str | None = None, policy: Sequence[str] | None = None,
        format: str = "text", stdout: TextIO | None = None) -> int:
    """Classify the commits asked for and print them; exit 0 (errors raise VetgateError)."""
    from vetgate.changes.git import repo_root
    from vetgate.gate.pipeline import classify_commits

    if staged and rev_range:
        raise UsageError("give either RANGE or --staged, not both")
    if message_file and not staged:
        raise UsageError("--message-file describes the pending commit; add --staged")
    root = repo_root(repo)
    config = _origin_config(root, policy)
    if staged:
        from vetgate.changes.message import configured_comment_char, read_message_file
        from vetgate.changes.pending import staged_change

        message = (read_message_file(message_file, configured_comment_char(root))
                   if message_file else "")
        env = dict(os.environ)
        change = staged_change(root, message=message, env=env)
        origins = classify_commits(root, change.commits, config, env=env)
    else:
        commits, traces_rev = _commits(root, rev_range or "HEAD")
        origins = classify_commits(root, commits, config, traces_rev=traces_rev)
    if format == "json":
        output = format_json(origins)
    elif origins:
        output = format_text(origins, config)
    else:
        output = f"no commits in {rev_range}\n"
    _write(stdout or sys.stdout, output)
    return EXIT_PASS


def _write(stream: TextIO, text: str) -> None:
    """Write ``text``; characters the stream's encoding lacks (an emoji on a Latin-1 terminal)
    are written as backslash escapes instead of crashing."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()
