"""`vetgate origin`: classify commits as ai / human / unknown, with every piece of evidence.

    vetgate origin                 # HEAD
    vetgate origin main..HEAD      # every commit in HEAD not in main
    vetgate origin --staged --message-file .git/COMMIT_EDITMSG   # the pending commit

Branch names and PR labels are CI context and are not consulted here (``check --ci`` does).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from vetgate.changes.model import Commit
from vetgate.errors import EXIT_PASS, UsageError
from vetgate.policy.model import OriginConfig
from vetgate.provenance.model import CommitOrigin
from vetgate.records import frozen

if TYPE_CHECKING:
    from vetgate.changes.git import GitPipe, HistoryRoot

SHORT_SHA = 10


@frozen
class Judged:
    """What ``origin`` prints: the verdicts, the origin settings they were reached by, and which
    policy those came from (``policy_source``; ``notes`` when that needs a word more)."""

    origins: list[CommitOrigin]
    config: OriginConfig
    policy_source: str
    notes: tuple[str, ...] = ()


def _history_config(root: HistoryRoot, policy: Sequence[str] | None, spec: str
                    ) -> tuple[OriginConfig, str]:
    """The origin settings of the policy a history reads by, and where it was read: the work
    tree's, or in a bare repository the one committed at HEAD
    (``gate.policy.load_history_policy``, ``describe_policy``)."""
    from vetgate.gate.policy import load_history_policy

    loaded, source = load_history_policy(root, policy, None if spec == "HEAD" else spec,
                                         "origin")
    return loaded.origin, source


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


def _listing(repo: str, spec: str) -> tuple[HistoryRoot, str, str, bool, GitPipe] | None:
    """One ``git rev-parse`` for the root (the work tree, or a bare repository's git
    directory), vetgate's compiled store, the commits ``spec`` names and whether there are
    git-ai notes refs, then git started on the commits (read while the policy loads): ``(root,
    store, revision to read traces at, notes refs?, listing)``. None when git refuses
    something; the slow path then says what (``history_root``, ``_commits``)."""
    from vetgate.changes.commits import start_listing
    from vetgate.changes.notes import REF_GLOBS
    from vetgate.changes.repo import locate, split_range

    revs = split_range(spec) if ".." in spec else (spec,)
    found = locate(repo, revs, REF_GLOBS)
    if found is None:
        return None
    root, store, shas, refs = found
    if len(shas) == 2:  # as commits_between asks: oldest first, merges included
        args = ["--topo-order", "--reverse", "--end-of-options", shas[1], f"^{shas[0]}"]
    else:
        args = ["--no-walk", "--end-of-options", shas[0]]
    return root, store, shas[-1], bool(refs), start_listing(root.path, args)


def format_text(origins: Sequence[CommitOrigin], config: OriginConfig, policy_source: str = "",
                policy_notes: Sequence[str] = ()) -> str:
    """The text report: one block per commit, then a one-line summary for several, and last
    which policy judged (``policy: ...``, as ``audit`` says it; ``note: ...`` lines after)."""
    out: list[str] = []
    for co in origins:
        sha = co.sha[:SHORT_SHA] if co.sha else "pending"
        verdict: str = co.origin
        if co.counts_as != co.origin:
            verdict += f" (counts as {co.counts_as})"
        if not co.evidence:  # most commits: no tools, one line saying so
            out.append(f"{sha}  {verdict}  -  {co.subject}".rstrip())
            rule = ("origin.unknown" if co.origin == "unknown" else "")
            out.append(f"    no evidence{f' (counts as {co.counts_as}: {rule})' if rule else ''}")
            continue
        tools = ", ".join(co.tools) or "-"
        out.append(f"{sha}  {verdict}  {tools}  {co.subject}".rstrip())
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
    return "\n".join(out) + "\n" + policy_lines(policy_source, policy_notes,
                                            summary=len(origins) > 1)


def policy_lines(policy_source: str, notes: Sequence[str] = (), *, summary: bool = False
                 ) -> str:
    """The report's last lines: which policy judged, right under the summary line (else after
    a blank line), then any notes about it; nothing when no source is given."""
    if not policy_source:
        return ""
    lines = [f"policy: {policy_source}", *(f"note: {note}" for note in notes)]
    return ("" if summary else "\n") + "\n".join(lines) + "\n"


def format_json(origins: Sequence[CommitOrigin], policy_source: str,
                notes: Sequence[str] = ()) -> str:
    """``{"commits": [...], "policy_source": "...", "policy_notes": [...]}``: the same commit
    items as ``check --format json``, and which policy judged (as ``check`` and ``audit`` say
    it)."""
    import json

    from vetgate.provenance.serialize import commit_origin_to_json

    return json.dumps({"commits": [commit_origin_to_json(co) for co in origins],
                       "policy_source": policy_source, "policy_notes": list(notes)},
                      indent=2, ensure_ascii=False) + "\n"


def run(*, repo: str = ".", rev_range: str | None = None, staged: bool = False,
        message_file: str | None = None, policy: Sequence[str] | None = None,
        format: str = "text", stdout: TextIO | None = None) -> int:
    """Classify the commits asked for and print them; exit 0 (errors raise VetgateError)."""
    from vetgate import compiled

    if staged and rev_range:
        raise UsageError("give either RANGE or --staged, not both")
    if message_file and not staged:
        raise UsageError("--message-file describes the pending commit; add --staged")
    try:
        judged = (_staged(repo, message_file, policy) if staged
                  else _history(repo, rev_range or "HEAD", policy))
    finally:
        compiled.use_directory(None)
    if format == "json":
        output = format_json(judged.origins, judged.policy_source, judged.notes)
    elif judged.origins:
        output = format_text(judged.origins, judged.config, judged.policy_source, judged.notes)
    else:
        output = f"no commits in {rev_range}\n" + policy_lines(judged.policy_source,
                                                                 judged.notes)
    _write(stdout or sys.stdout, output)
    return EXIT_PASS


def _history(repo: str, spec: str, policy: Sequence[str] | None) -> Judged:
    """The origins of the commits ``spec`` names, under the work tree's policy (HEAD's in a
    bare repository). git reads the commits while the policy and the catalog load (from
    vetgate's compiled store)."""
    from vetgate import compiled
    from vetgate.changes.commits import listed_commits
    from vetgate.gate.origins import classify_commits

    started = _listing(repo, spec)
    if started is None:
        from vetgate.changes.git import history_root

        where = history_root(repo)
        config, source = _history_config(where, policy, spec)
        commits, traces_rev = _commits(where.path, spec)
        return Judged(classify_commits(where.path, commits, config, traces_rev=traces_rev),
                      config, source)
    where, store, traces_rev, notes_refs, listing = started
    # Thousands of small records and no cycles among them: the cycle collector would only walk
    # them again and again (as for a stored policy's unpickling, vetgate.compiled).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with listing:
            compiled.use_directory(store)
            config, source = _history_config(where, policy, spec)
            from vetgate.provenance.index import builtin_index

            builtin_index()  # the catalog, compiled or stored, while git still reads
            commits = listed_commits(listing)
        return Judged(classify_commits(where.path, commits, config, traces_rev=traces_rev,
                                       notes_refs=notes_refs), config, source)
    finally:
        if collecting:
            gc.enable()


def _staged(repo: str, message_file: str | None, policy: Sequence[str] | None) -> Judged:
    """The origin of the pending commit: the staged change, the message file and the
    commit-time environment, under the policy the hooks judge it by: the index's (what the
    commit will carry), or ``--policy`` files; said as ``check --staged`` says it."""
    from vetgate.changes.git import repo_root
    from vetgate.changes.message import configured_comment_char, read_message_file
    from vetgate.changes.pending import staged_change
    from vetgate.gate.origins import classify_commits
    from vetgate.gate.policy import load_policy_at, policy_source, work_tree_note

    root = repo_root(repo)
    differs: list[str] = []
    loaded = load_policy_at(root, policy, None, index=True, differs=differs)
    config = loaded.origin
    note = work_tree_note(differs)
    message = (read_message_file(message_file, configured_comment_char(root))
               if message_file else "")
    env = dict(os.environ)
    change = staged_change(root, message=message, env=env)
    return Judged(classify_commits(root, change.commits, config, env=env), config,
                  policy_source(loaded, "staged", None, bool(policy)), (note,) if note else ())


def _write(stream: TextIO, text: str) -> None:
    """Write ``text``; characters the stream's encoding lacks (an emoji on a Latin-1 terminal)
    are written as backslash escapes instead of crashing."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()
