"""`vetgate replay`: what a proposed policy would have done to the changes that reached the
branch, next to the current policy (SPEC 6b; docs/replay.md).

    vetgate replay --policy new.yaml               # the last 100 changes, against HEAD's policy
    vetgate replay --last 500 --against v1.2.0     # against the policy of a release
    vetgate replay origin/main~50..origin/main --format json
"""

from __future__ import annotations

from collections.abc import Sequence

from vetgate.errors import EXIT_PASS, UsageError

DEFAULT_LAST = 100


def _last(last: str | None, rev_range: str | None) -> int | None:
    if last is not None and rev_range is not None:
        raise UsageError("give either --last N or RANGE, not both")
    if rev_range is not None:
        return None
    if last is None:
        return DEFAULT_LAST
    try:
        count = int(last)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(f"--last {last}: give a whole number of changes, 1 or more (e.g. "
                         f"--last {DEFAULT_LAST})")
    return count


def run(*, repo: str = ".", policy: Sequence[str] | None = None, against: str | None = None,
        last: str | None = None, rev_range: str | None = None, reviews: str | None = None,
        format: str = "text", output: str | None = None) -> int:
    """Replay the proposed policy over the branch's history and print the report; exit 0
    (what a replay finds is information, not a verdict), 2 when it cannot replay."""
    from vetgate.changes.git import history_root
    from vetgate.commands.common import write_output
    from vetgate.gate.policy import describe_policy, load_policy_at, load_policy_spec
    from vetgate.replay.render import render
    from vetgate.replay.walk import Side, replay

    count = _last(last, rev_range)
    where = history_root(repo)  # a work tree, or a bare repository's git directory
    root = where.path
    if not where.work_tree and not policy:
        raise UsageError(
            f"{root} has no work tree to propose a policy from (a bare or mirror clone): give "
            "the proposed policy with --policy FILE, e.g. `vetgate replay --policy "
            "new-policy.yaml`")
    head, base = "HEAD", None
    if rev_range is not None:
        from vetgate.changes.collect import parse_range

        base, head = parse_range(root, rev_range)
    proposed_policy = load_policy_at(root, list(policy) if policy else None, None,
                                     work_tree=where.work_tree)
    proposed = Side(proposed_policy, describe_policy(proposed_policy, None))
    if against is None:
        from vetgate.changes.repo import resolve

        head_sha = resolve(root, head)
        current = load_policy_at(root, None, head_sha)
        compared = Side(current, describe_policy(current, head_sha, head))
    else:
        compared = Side(*load_policy_spec(root, against, work_tree=where.work_tree))
    evidence = None
    if reviews:
        from vetgate.hosts.reviewfile import load_reviews_file

        evidence = load_reviews_file(reviews, decisive=False)
    report = replay(root, proposed, compared, head=head, last=count, base=base,
                    reviews=evidence, reviews_source=reviews)
    write_output(render(report, format), output)
    return EXIT_PASS
