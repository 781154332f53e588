"""The policy that judges: the work tree's (``.vetgate.yaml`` or explicit files) or a commit's
(``--policy-ref``, the base of a range), or the packaged default when there is none."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from vetgate.policy.model import Policy


class GitRevisionSource:
    """Policy files as they are in commit ``rev`` (``--policy-ref``), read through git."""

    def __init__(self, root: str, rev: str) -> None:
        self.root = root
        self.rev = rev
        self.not_found_message = (
            f"policy file not found in commit {rev[:12]}: in range and CI modes the policy is "
            "read from the base commit; commit the file there, or pick the commit with "
            "--policy-ref"
        )

    def read(self, relpath: str) -> bytes | None:
        from vetgate.changes.repo import read_blob_at

        return read_blob_at(self.root, self.rev, relpath)

    @cached_property
    def _tree(self) -> list[str]:
        from vetgate.changes.repo import list_tree_at

        return list_tree_at(self.root, self.rev)

    def glob(self, pattern: str) -> list[str]:
        from vetgate.policy.loader import glob_paths

        return glob_paths(pattern, self._tree)

    def describe(self, relpath: str) -> str:
        return f"{relpath}@{self.rev[:12]}"


def discover_at(root: str, rev: str) -> list[str] | None:
    """The policy files of commit ``rev``: ``.vetgate.yaml`` when it has one, else None; a
    look-alike name (``.vetgate.yml`` ...) is an error, as in the work tree."""
    from vetgate.changes.repo import read_blob_at
    from vetgate.policy.loader import DEFAULT_POLICY_FILE, NEAR_MISS_POLICY_FILES, near_miss_error

    if read_blob_at(root, rev, DEFAULT_POLICY_FILE) is not None:
        return [DEFAULT_POLICY_FILE]
    for near_miss in NEAR_MISS_POLICY_FILES:
        if read_blob_at(root, rev, near_miss) is not None:
            raise near_miss_error(near_miss, f" in commit {rev[:12]}")
    return None


def load_policy_at(root: str, explicit: Sequence[str] | None, rev: str | None) -> Policy:
    """Load the policy: ``explicit`` files or the discovered one, from the work tree (``rev`` None)
    or from commit ``rev``; the packaged default policy when the repository has none."""
    from vetgate.policy.loader import WorkTreeSource, discover, load_default_policy, load_policy

    if rev is None:
        files = discover(root, explicit)
        if files is None:
            return load_default_policy()
        return load_policy(files, WorkTreeSource(root), root=root)
    if explicit:
        files = discover(root, explicit)
        if files is None:  # pragma: no cover - discover raises for missing explicit files
            return load_default_policy()
    else:
        found = discover_at(root, rev)
        if found is None:
            return load_default_policy()
        files = found
    return load_policy(files, GitRevisionSource(root, rev), root=root)


def describe_policy(policy: Policy, rev: str | None, name: str | None = None) -> str:
    """Where ``policy`` was read, for reports: ``.vetgate.yaml (work tree)``,
    ``.vetgate.yaml@1a2b3c4d5e6f (HEAD)``, or the built-in default."""
    shown = f" ({name})" if name and rev and not rev.startswith(name) else ""
    if not policy.files:
        where = "the work tree" if rev is None else f"commit {rev[:12]}{shown}"
        return f"the built-in default policy: {where} has no .vetgate.yaml"
    files = ", ".join(policy.files)
    return f"{files} (work tree)" if rev is None else f"{files}@{rev[:12]}{shown}"


def load_policy_spec(root: str, spec: str) -> tuple[Policy, str]:
    """``--against REF|PATH``: a policy file, else the policy a commit has; with where it was
    read. Neither is a ``UsageError`` saying what to give."""
    import os

    from vetgate.changes.repo import resolve_optional
    from vetgate.errors import UsageError

    if not spec.strip():
        raise UsageError("--against is empty; give a policy file or a commit (is a variable "
                         "unset?)")
    if os.path.isfile(spec):
        policy = load_policy_at(root, [spec], None)
        return policy, describe_policy(policy, None)
    sha = resolve_optional(root, spec)
    if sha is None:
        raise UsageError(f"--against {spec}: neither a policy file nor a commit; give a file "
                         "(e.g. old-policy.yaml) or a revision (e.g. HEAD, origin/main)")
    policy = load_policy_at(root, None, sha)
    return policy, describe_policy(policy, sha, spec)
