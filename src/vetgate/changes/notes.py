"""Git access for AI attribution records: git-ai notes and Agent Trace files.

* ``refs/notes/ai`` — git-ai authorship notes (Git AI Standard v3.0.0), one per commit;
* ``refs/ai/authorship/<sha>`` — the older (2025) layout, one ref per commit pointing at JSON;
* ``.agent-trace/traces.jsonl`` — Agent Trace records committed in the tree.

Everything goes through :func:`vetgate.changes.git.run_git`, a fixed number of git processes
per call (not one per commit). Absent refs or files give empty results; the records themselves
are parsed by :mod:`vetgate.provenance.notes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from vetgate.changes.git import run_git

NOTES_REF = "refs/notes/ai"
LEGACY_PREFIX = "refs/ai/authorship/"
TRACES_PATH = ".agent-trace/traces.jsonl"
# ``git rev-parse --glob`` patterns for the refs ``read_ai_notes`` reads: where none matches,
# a repository has no notes to read (``--glob=refs/notes/ai`` would mean ``refs/notes/ai/*``).
REF_GLOBS = ("refs/notes/a[i]", f"{LEGACY_PREFIX}*")
# A record larger than this is not an attribution note; skip it rather than hold it in memory.
MAX_NOTE_BYTES = 16 << 20


def _cat_blobs(root: str, object_ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of blobs by id (see ``vetgate.changes.repo.read_blobs``)."""
    from vetgate.changes.repo import read_blobs

    return read_blobs(root, object_ids, max_bytes=MAX_NOTE_BYTES)


def _refs(root: str) -> dict[str, str]:
    """refname → object id for refs/notes/ai and refs/ai/authorship/*."""
    proc = run_git(
        ["for-each-ref", "--format=%(objectname) %(refname)", NOTES_REF, LEGACY_PREFIX],
        root, check=False,
    )
    if proc.returncode != 0:
        return {}
    refs: dict[str, str] = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        object_id, _, refname = line.partition(" ")
        if refname:
            refs[refname] = object_id
    return refs


def read_ai_notes(root: str, shas: Sequence[str]) -> dict[str, str]:
    """sha → git-ai note text for those of ``shas`` that carry one; ``{}`` when the repository
    has no ``refs/notes/ai`` (nor old-layout ``refs/ai/authorship/<sha>`` refs).

    A commit with both keeps the ``refs/notes/ai`` note. Text is decoded as UTF-8 (invalid
    bytes replaced).
    """
    wanted = {sha.lower() for sha in shas if sha}
    if not wanted:
        return {}
    refs = _refs(root)
    if not refs:
        return {}
    blob_for: dict[str, str] = {}
    if NOTES_REF in refs:
        proc = run_git(["notes", f"--ref={NOTES_REF}", "list"], root, check=False)
        if proc.returncode == 0:
            for line in proc.stdout.decode("ascii", "replace").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1].lower() in wanted:
                    blob_for[parts[1].lower()] = parts[0]
    for refname, object_id in refs.items():
        if refname.startswith(LEGACY_PREFIX):
            sha = refname[len(LEGACY_PREFIX):].lower()
            if sha in wanted and sha not in blob_for:
                blob_for[sha] = object_id
    blobs = _cat_blobs(root, blob_for.values())
    return {sha: blobs[blob].decode("utf-8", "replace")
            for sha, blob in blob_for.items() if blob in blobs}


def parse_trace_lines(text: str) -> dict[str, tuple[dict[str, Any], ...]]:
    """Agent Trace JSON Lines → records grouped by ``vcs.revision`` (lower-cased); lines that
    are not JSON objects, and records without a git revision, are skipped."""
    import json  # only a repository with Agent Trace records pays for it

    grouped: dict[str, list[dict[str, Any]]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(record, dict):
            continue
        vcs = record.get("vcs")
        if not isinstance(vcs, dict):
            continue
        revision = vcs.get("revision")
        if vcs.get("type", "git") != "git" or not isinstance(revision, str) or not revision.strip():
            continue
        grouped.setdefault(revision.strip().lower(), []).append(record)
    return {revision: tuple(records) for revision, records in grouped.items()}


def read_agent_traces(root: str, rev: str) -> dict[str, tuple[dict[str, Any], ...]]:
    """Agent Trace records of ``.agent-trace/traces.jsonl`` as of ``rev``, grouped by their
    ``vcs.revision`` (lower-cased); ``{}`` when the file is absent. Malformed lines are skipped.
    """
    proc = run_git(["cat-file", "-p", f"{rev}:{TRACES_PATH}"], root, check=False)
    if proc.returncode != 0 or len(proc.stdout) > 8 * MAX_NOTE_BYTES:
        return {}
    return parse_trace_lines(proc.stdout.decode("utf-8", "replace"))


def has_ai_notes(root: str) -> bool:
    """Whether the repository has any git-ai notes ref (``refs/notes/ai`` or old-layout
    ``refs/ai/authorship/*``): one ``git for-each-ref``, so a walk over many changes can skip
    ``read_ai_notes`` when there are none."""
    return bool(_refs(root))


def traces_in_history(root: str, rev: str) -> bool:
    """Whether ``.agent-trace/traces.jsonl`` ever existed in the history of ``rev``: one
    ``git log``, so a walk over many changes can skip ``read_agent_traces`` when it never did."""
    proc = run_git(["log", "-1", "--format=%H", "--end-of-options", rev, "--", TRACES_PATH],
                   root, check=False)
    return proc.returncode != 0 or bool(proc.stdout.strip())
