"""Is a ``review: {count: N, from: [groups]}`` possible at all? (``vetgate validate``)

A review that asks for more approvals than its groups have people can never be given: every
change under the rule would be blocked for good. When the groups list only people that is an
error at the count; when they include an ``@org/team`` (whose size only the code host knows) it
is a warning naming the groups and their size.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from vetgate.errors import Diagnostic
from vetgate.policy.model import Policy, ReviewRequirement
from vetgate.policy.schema import TEAM_PATTERN

_TEAM = re.compile(TEAM_PATTERN)


def is_team(member: str) -> bool:
    """``@org/team`` (a code-host team) rather than one person."""
    return _TEAM.match(member) is not None


def _groups(names: Sequence[str]) -> str:
    quoted = [f'"{name}"' for name in names]
    if len(quoted) == 1:
        return f"group {quoted[0]}"
    return "groups " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _entries(listed: Sequence[str]) -> str:
    people = [m for m in listed if not is_team(m)]
    teams = [m for m in listed if is_team(m)]
    parts = []
    if people:
        parts.append(f"{len(people)} {'person' if len(people) == 1 else 'people'}")
    if teams:
        parts.append(f"{len(teams)} {'team' if len(teams) == 1 else 'teams'}")
    return " and ".join(parts) + f" ({', '.join(listed)})"


def review_count_problem(rule_id: str, count: int, names: Sequence[str],
                         members: Mapping[str, Sequence[str]]
                         ) -> tuple[Literal["error", "warning"], str] | None:
    """The problem with a review of ``count`` approvals from groups ``names``, if any:
    ("error", message) when the groups list fewer people than ``count`` and no team,
    ("warning", message) when they list fewer entries but a team may hold more; else None.
    Unknown groups are skipped (the loader reports them)."""
    if any(name not in members for name in names):
        return None
    listed = list(dict.fromkeys(m for name in names for m in members[name]))
    if len(listed) >= count:
        return None
    which = _groups(names)
    verb = "lists" if len(names) == 1 else "list"
    if not any(is_team(m) for m in listed):
        return "error", (f'review of rule "{rule_id}" needs {count} approvals but {which} '
                         f"{verb} only {_entries(listed)}: no change could ever satisfy it; "
                         "lower review.count or add members to the group")
    teams = ", ".join(m for m in listed if is_team(m))
    return "warning", (f'review of rule "{rule_id}" needs {count} approvals from {which}, which '
                       f"{verb} {_entries(listed)}: it can be met only if {teams} "
                       f"{'has' if ',' not in teams else 'have'} enough other members")


def review_warnings(policy: Policy) -> list[Diagnostic]:
    """Warnings, at each rule, for reviews whose groups hold a team and fewer entries than the
    count (the impossible ones without a team are load errors already)."""
    out = []
    for rule in policy.rules:
        for requirement in rule.requirements:
            if not isinstance(requirement, ReviewRequirement) or not requirement.groups:
                continue
            problem = review_count_problem(rule.id, requirement.count, requirement.groups,
                                           policy.groups)
            if problem is not None and problem[0] == "warning":
                out.append(Diagnostic(rule.source.file, rule.source.line, rule.source.column,
                                      problem[1], severity="warning"))
    return out
