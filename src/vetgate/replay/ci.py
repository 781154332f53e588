"""The replay table ``check --ci`` adds to its markdown report and step summary when the change
edits the policy files: the last changes of the base branch, the head's (proposed) policy
against the base's. Informational: it never changes the check's verdict or exit code."""

from __future__ import annotations

from collections.abc import Sequence

from vetgate.engine.result import CheckResult
from vetgate.errors import VetgateError
from vetgate.policy.model import BUILTIN_POLICY_RULE_ID

CI_LAST = 100
DEFAULT_BUDGET = 30.0
HEADING = "### Policy replay"


def policy_edited(result: CheckResult) -> bool:
    """Whether the change touches the policy files (the built-in rule that guards them
    matched, or a changed path is one of the policy's files)."""
    if any(r.rule == BUILTIN_POLICY_RULE_ID and r.status != "skip" for r in result.results):
        return True
    files = set(result.policy_files)
    return any(path in files for f in result.files for path in f.change.paths)


def replay_section(root: str, result: CheckResult, explicit: Sequence[str] | None, *,
                   budget: float, last: int = CI_LAST) -> str:
    """The markdown section: the replay of the last ``last`` changes of the base branch, or a
    note saying why there is none. Stops with a note when ``budget`` seconds run out."""
    if result.base is None or result.head is None:
        return f"{HEADING}\n\nNo replay: this change has no base branch to replay.\n"
    if budget <= 0:
        return f"{HEADING}\n\nNo replay: --replay-budget is 0.\n"
    from vetgate.gate.policy import describe_policy, load_policy_at
    from vetgate.replay.render import render_markdown
    from vetgate.replay.walk import Side, replay

    try:
        proposed = load_policy_at(root, explicit, result.head)
        current = load_policy_at(root, explicit, result.base)
        report = replay(root, Side(proposed, describe_policy(proposed, result.head, "head")),
                        Side(current, describe_policy(current, result.base, "base")),
                        head=result.base, last=last, budget=budget)
    except VetgateError as exc:
        return f"{HEADING}\n\nThe replay could not run: {exc}\n"
    return render_markdown(report, heading=HEADING)
