"""Revert detection: which commits were reverted, with reverts of reverts taken into account.

A revert is recognised by git's own message: the body line ``This reverts commit <sha>.`` (full
or abbreviated sha, also git's ``--reference`` form ``This reverts commit <sha> (<subject>,
<date>).``), which ``Revert "<subject>"`` and ``Reapply "<subject>"`` commits carry. A
``Revert "<subject>"`` commit without that line (GitHub's squash of a revert pull request:
``Revert "fix: x (#11)" (#12)``, body ``Reverts org/repo#11``) is matched to the nearest older
commit whose subject is exactly ``<subject>`` (its start, when GitHub cut it short with "…"), or
that landed pull request #11. Conventional ``revert: …`` commits name the shas in their body.
A revert of a merge reverts the commits the merge brought in (see ``vetgate.audit.pipeline``).

Reverts of reverts: a revert of a revert restores the original, so the original is not counted as
reverted. In general a revert is *effective* when no effective revert reverts it, and a commit is
reverted when an effective revert names it. Commits that are themselves reverts are never counted
as reverted: reverting a revert is re-landing the original, not a failure of the revert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vetgate.records import frozen

_REVERT_LINE_RE = re.compile(r"^This reverts commit ([0-9a-fA-F]{7,64})\b", re.MULTILINE)
# `Revert "<subject>"`, with the ` (#12)` GitHub appends when it squash-merges the revert's PR.
_REVERT_SUBJECT_RE = re.compile(r'\A(Revert|Reapply) "(.*)"(?:\s*\(#\d+\))?\s*\Z')
# GitHub's revert button writes the PR body `Reverts owner/repo#11`; squashed, no sha line is left.
_REVERTS_PR_RE = re.compile(r"^Reverts\s+(?:[\w.-]+/[\w.-]+)?#(\d+)\s*$", re.MULTILINE)
# Conventional Commits: `revert: <subject>` / `revert(scope)!: ...`, the reverted shas in the body.
_CONVENTIONAL_RE = re.compile(r"\Arevert(?:\([^)]*\))?!?:", re.IGNORECASE)
_BODY_SHA_RE = re.compile(r"(?<![0-9A-Za-z])([0-9a-fA-F]{7,64})(?![0-9A-Za-z])")
# A pull request's number in its squash subject `... (#11)` or its merge `Merge pull request #11`.
_SQUASH_PR_RE = re.compile(r"\(#(\d+)\)\s*\Z")
_MERGE_PR_RE = re.compile(r"\AMerge pull request #(\d+) ")
TRUNCATED = "\u2026"  # GitHub shortens long PR titles with "…"


@frozen
class RevertMessage:
    """What a commit message says it reverts.

    A message with sha lines names its commits; one without names a subject (``Revert
    "<subject>"``, possibly cut short with "…") and/or a pull request (``Reverts org/repo#11``),
    to be matched with the nearest older commit. A revert with neither claims nothing findable
    (``revert: undo x``): it is still a revert, never a fix.
    """

    shas: tuple[str, ...]  # full or abbreviated shas
    subject: str | None  # the quoted subject of `Revert "<subject>"`, when there are no shas
    pr: int | None = None  # the pull request number of `Reverts org/repo#N`, when no shas
    # False when only sha lines say "revert" and the subject does not (a squash of a pull
    # request that reverted one of its own commits): a revert only if a named commit is here.
    explicit: bool = True

    def matches_subject(self, subject: str) -> bool:
        """True when ``subject`` is the one this revert names (or starts it, when cut short)."""
        if self.subject is None:
            return False
        if self.subject.endswith(TRUNCATED):
            return subject.startswith(self.subject[: -len(TRUNCATED)].rstrip())
        return subject == self.subject


def pull_request_number(subject: str) -> int | None:
    """The pull request a squash (``… (#11)``) or merge (``Merge pull request #11 …``) commit
    landed, from its subject; None otherwise."""
    match = _SQUASH_PR_RE.search(subject) or _MERGE_PR_RE.match(subject)
    return int(match.group(1)) if match else None


def parse_revert(message: str) -> RevertMessage | None:
    """The revert claims of a message, or None when it is not a revert."""
    shas = tuple(dict.fromkeys(m.lower() for m in _REVERT_LINE_RE.findall(message)))
    subject_line = message.split("\n", 1)[0].strip()
    if shas:
        explicit = bool(_REVERT_SUBJECT_RE.match(subject_line) or _CONVENTIONAL_RE.match(
            subject_line) or subject_line.lower().startswith(("revert", "reapply")))
        return RevertMessage(shas, None, None, explicit)
    body = message.split("\n", 1)[1] if "\n" in message else ""
    if _CONVENTIONAL_RE.match(subject_line):
        listed = tuple(dict.fromkeys(m.lower() for m in _BODY_SHA_RE.findall(body)
                                     if len(m) >= 12 or (any(c.isalpha() for c in m)
                                         and any(c.isdigit() for c in m))))
        pr = _REVERTS_PR_RE.search(body)
        return RevertMessage(listed, None, int(pr.group(1)) if pr and not listed else None)
    match = _REVERT_SUBJECT_RE.match(subject_line)
    if match is None:
        return None
    pr = _REVERTS_PR_RE.search(body)
    number = int(pr.group(1)) if pr else None
    if match.group(1) == "Revert":
        return RevertMessage((), match.group(2), number)
    # `Reapply "<subject>"` without a sha line reverts the revert `Revert "<subject>"`.
    return RevertMessage((), f'Revert "{match.group(2)}"', number)


def effective_reverts(targets: Mapping[str, tuple[str, ...]]) -> dict[str, bool]:
    """For each revert commit (key of ``targets``), whether it still stands.

    A revert stands unless a revert that itself stands reverts it; ``targets`` maps a revert's
    sha to the full shas it reverts.
    """
    reverted_by: dict[str, list[str]] = {}
    for revert, names in targets.items():
        for name in names:
            reverted_by.setdefault(name, []).append(revert)
    memo: dict[str, bool] = {}
    for start in targets:
        # Iterative post-order walk: chains of reverts can be long, recursion depth is not free.
        stack: list[tuple[str, bool]] = [(start, False)]
        visiting: set[str] = set()
        while stack:
            sha, expanded = stack.pop()
            if sha in memo:
                continue
            children = reverted_by.get(sha, [])
            if expanded:
                visiting.discard(sha)
                memo[sha] = not any(memo.get(child, True) for child in children)
                continue
            if sha in visiting:
                memo[sha] = True  # a cycle cannot happen with real shas; stay defined anyway
                continue
            visiting.add(sha)
            stack.append((sha, True))
            stack.extend((child, False) for child in children if child not in memo)
    return memo


def reverted_commits(targets: Mapping[str, tuple[str, ...]],
                     times: Mapping[str, int]) -> dict[str, tuple[str, int]]:
    """Commit sha → (the revert that reverted it, that revert's commit time).

    Only effective reverts count, only commits that are not reverts themselves are reported, and
    the earliest effective revert wins when there are several.
    """
    stands = effective_reverts(targets)
    out: dict[str, tuple[str, int]] = {}
    for revert, names in targets.items():
        if not stands.get(revert, True):
            continue
        when = times.get(revert, 0)
        for name in names:
            if name in targets:
                continue
            known = out.get(name)
            if known is None or (when, revert) < (known[1], known[0]):
                out[name] = (revert, when)
    return out


def reapplied_original(sha: str, targets: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """For a revert of a revert (a re-land), the original commits it restores; else ``(sha,)``.

    Blame gives the re-land the lines it restored; SZZ hands them back to their real author.
    """
    names = targets.get(sha)
    if not names or not all(name in targets for name in names):
        return (sha,)
    originals: list[str] = []
    for name in names:
        originals.extend(inner for inner in targets[name] if inner not in targets)
    return tuple(dict.fromkeys(originals)) or (sha,)
