"""Deployments as git knows them: release tags, or the first-parent commits of a deploy branch.

``vetgate.audit.deployments`` decides what a deployment means for the figures; this module only
asks git which commits were deployed when, and which deployment first shipped each commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from vetgate.changes.git import git_stream, run_git
from vetgate.errors import UsageError
from vetgate.records import frozen

# Tags that look like releases: v1.2, 1.2.3, release-2.0, v2.0.0-rc.1 (at least major.minor, so
# moving major tags such as `v1` and names such as `beta` are not deployments of their own).
RELEASE_TAG = re.compile(
    r"\A(?:v|version[-_/]?|release[-_/]?|rel[-_/]?)?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.+-]*)?\Z",
    re.IGNORECASE,
)


@frozen
class Deployment:
    """One deployment: a name (the tag, or the commit), the commit deployed, and when."""

    name: str
    sha: str
    time: int  # unix seconds: the tag's date (annotated) or the commit's (lightweight, branch)


def tag_deployments(root: str, accept: Callable[[str], bool]) -> list[Deployment]:
    """Every tag ``accept`` takes that names a commit, oldest first; several tags on one commit
    are one deployment (the earliest, named by the first of them)."""
    fields = "%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00" \
             "%(creatordate:unix)"
    proc = run_git(["for-each-ref", f"--format={fields}", "refs/tags/"], root)
    found: dict[str, Deployment] = {}
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split("\0")
        if len(parts) != 6:
            continue
        ref, kind, sha, peeled_kind, peeled, when = parts
        name = ref.removeprefix("refs/tags/")
        commit = sha if kind == "commit" else peeled if peeled_kind == "commit" else ""
        if not commit or not accept(name):
            continue
        deployment = Deployment(name, commit, int(when or 0))
        known = found.get(commit)
        if known is None or (deployment.time, deployment.name) < (known.time, known.name):
            found[commit] = deployment
    return sorted(found.values(), key=lambda d: (d.time, d.name))


def branch_deployments(root: str, branch: str) -> list[Deployment]:
    """The first-parent commits of ``branch``, oldest first: each one a deployment."""
    proc = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{branch}^{{commit}}"],
                   root, check=False)
    if proc.returncode != 0:
        raise UsageError(f"--deployments first-parent:{branch}: git knows no branch or commit "
                         f"{branch!r}; name the branch you deploy from, e.g. first-parent:main")
    out = []
    for token in git_stream(["rev-list", "--first-parent", "--timestamp", "--reverse",
                             "--end-of-options", branch, "--"], root, sep=b"\n"):
        if token:
            when, sha = token.decode("ascii").split()
            out.append(Deployment(sha[:12], sha, int(when)))
    return out


def shipped_by(root: str, deployments: Sequence[Deployment], *,
               chain: bool = False) -> dict[str, int]:
    """Commit sha → index of the first deployment (in ``deployments`` order) that contains it.

    One ``git rev-list --parents`` of every deployment, then a walk per deployment, in order,
    over the commits no earlier deployment reached: the commits it contains that no earlier one
    does (what ``git rev-list D ^EARLIER...`` would list, without a git process per deployment).
    ``chain`` (each deployment's first parent is the one before it) needs nothing else: kept for
    the callers that know it.
    """
    del chain  # the walk below is exact for any order of deployments
    tips = list(dict.fromkeys(deployment.sha for deployment in deployments))
    if not tips:
        return {}
    proc = run_git(["rev-list", "--parents", "--stdin"], root,
                   input="".join(f"{sha}\n" for sha in tips).encode())
    parents: dict[str, list[str]] = {}
    for line in proc.stdout.decode("ascii").splitlines():
        sha, *rest = line.split()
        parents[sha] = rest
    shipped: dict[str, int] = {}
    for index, deployment in enumerate(deployments):
        stack = [deployment.sha]
        while stack:
            sha = stack.pop()
            if sha in shipped:
                continue
            shipped[sha] = index
            stack.extend(parent for parent in parents.pop(sha, ()) if parent not in shipped)
    return shipped
