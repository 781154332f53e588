"""The policy that judges: the work tree's (``.vetgate.yaml`` or explicit files) or a commit's
(``--policy-ref``, the base of a range; HEAD's for history commands in a bare repository), or the
packaged default when there is none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from vetgate.policy.model import Policy

if TYPE_CHECKING:
    from vetgate.changes.git import HistoryRoot
    from vetgate.policy.files import GitSource


def discover_at(root: str, rev: str | None, source: GitSource | None = None
                ) -> list[str] | None:
    """The policy files of commit ``rev`` (None: the index): ``[".vetgate.yaml"]`` when git
    records anything at that path (the reader refuses what is not a regular file: a directory
    or a submodule there is exit 2, never the default policy), else None; a look-alike name
    (``.vetgate.yml`` ...) is an error, as in the work tree. One git process; what it learns is
    kept in ``source`` (which then need not ask again)."""
    from vetgate.changes.entries import entries
    from vetgate.policy.files import DEFAULT_POLICY_FILE, NEAR_MISS_POLICY_FILES, near_miss_error

    names = _discovered_names()
    found = entries(root, rev, names)
    if source is not None:
        source.entries.update({name: found.get(name) for name in names})
    if DEFAULT_POLICY_FILE in found:
        return [DEFAULT_POLICY_FILE]
    for near_miss in NEAR_MISS_POLICY_FILES:
        if near_miss in found:
            where = " in the index" if rev is None else f" in commit {rev[:12]}"
            raise near_miss_error(near_miss, where)
    return None


def _discovered_names() -> list[str]:
    from vetgate.policy.files import DEFAULT_POLICY_FILE, NEAR_MISS_POLICY_FILES

    return [DEFAULT_POLICY_FILE, *NEAR_MISS_POLICY_FILES]


def start_discovery(root: str) -> None:
    """Start the git process ``discover_at(root, None)`` (the index's policy) will wait for."""
    from vetgate.changes.entries import start_entries

    start_entries(root, None, _discovered_names())


def load_policy_at(root: str, explicit: Sequence[str] | None, rev: str | None, *,
                   index: bool = False, differs: list[str] | None = None,
                   work_tree: bool = True) -> Policy:
    """Load the policy: ``explicit`` files or the discovered one, from the work tree (``rev``
    None), from the index (``index``: what the pending commit will carry) or from commit
    ``rev``; the packaged default policy when there is none there. Every file is read through
    ``vetgate.policy.files`` (regular files only, size-capped). From the index, the files whose
    work tree copy differs are added to ``differs``. Without a ``work_tree`` (``root`` is a bare
    repository's git directory) explicit files keep their absolute paths."""
    from vetgate.policy.files import GitSource

    if rev is None and (explicit or not index):
        from vetgate.policy.files import discover

        # Explicit files (`--policy`) are the caller's choice, read where they are.
        files = discover(root, explicit, within=work_tree)
        if files is None:
            return default_policy()  # the loader (yaml, schema) not even imported when stored
        from vetgate.policy.loader import WorkTreeSource, load_policy

        return load_policy(files, WorkTreeSource(root), root=root if work_tree else None)
    source = GitSource(root, rev)
    if explicit:
        from vetgate.policy.files import discover

        files = discover(root, explicit)
        if files is None:  # pragma: no cover - discover raises for missing explicit files
            return default_policy()
        _inside_repository(files, rev)
    else:
        found = discover_at(root, rev, source)
        if found is None:
            if index:
                _unstaged_policy(root)
            return default_policy()
        files = found
    key = None if explicit else _compiled_key(source, files)
    if key is not None:
        cached = _compiled_policy(key)
        if cached is not None:
            if rev is None and differs is not None and not source.work_tree_matches(files[0]):
                differs.append(files[0])
            return cached
    from vetgate.policy.loader import load_policy

    try:
        policy = load_policy(files, source, root=root)
    finally:
        if differs is not None:
            differs.extend(source.work_tree_differs)
    if key is not None and len(policy.files) == 1:
        # One file, no includes: the key (its object id) names everything the policy is made of.
        _store_policy(key, policy)
    return policy


def load_history_policy(root: HistoryRoot, explicit: Sequence[str] | None,
                        rev_range: str | None, command: str) -> tuple[Policy, str]:
    """The policy a history command (``origin RANGE``, ``audit``) counts by, and where it was
    read (``describe_policy``): ``explicit`` files as given, else the work tree's. Without a
    work tree (a bare or mirror clone) the one committed at HEAD, or, while HEAD is unborn, at
    the commit ``rev_range`` ends at; a commit without one is the built-in default saying so,
    never the default for want of a work tree. ``command`` names the command in the remedy."""
    if root.work_tree or explicit:
        policy = load_policy_at(root.path, explicit, None, work_tree=root.work_tree)
        return policy, describe_policy(policy, None)
    from vetgate.changes.history import range_end
    from vetgate.changes.repo import head_sha, resolve

    head = head_sha(root.path)
    if head is not None:
        policy = load_policy_at(root.path, None, head)
        return policy, describe_policy(policy, head, "HEAD")
    end = range_end(rev_range) if rev_range else "HEAD"
    if end == "HEAD":
        from vetgate.errors import UsageError

        raise UsageError(
            f"{root.path} has no work tree and its HEAD names no commit (an unborn branch), so "
            f"there is no policy to read at HEAD: name a range, e.g. `vetgate {command} main` "
            "(the policy is then the one committed where the range ends), or pass --policy FILE")
    sha = resolve(root.path, end)
    policy = load_policy_at(root.path, None, sha)
    return policy, describe_policy(policy, sha, end)


def _compiled_key(source: GitSource, files: Sequence[str]) -> str | None:
    """The compiled-policy key of a policy read from git: where it is read (the commit's id is
    in every rule's source), and the file's mode and object id; None when there is no store or
    the file is not a regular one (the loader then says what is wrong)."""
    from vetgate import compiled

    if compiled.directory() is None or len(files) != 1:
        return None
    entry = source.entries.get(files[0])
    if entry is None or not entry.regular:
        return None
    return f"{source.rev or ':index'}|{files[0]}|{entry.mode}|{entry.oid}"


def _compiled_policy(key: str) -> Policy | None:
    """The stored policy for ``key``, its patterns' translations remembered (so matching needs
    no pathspec), or None."""
    from vetgate import compiled

    value = compiled.load("policy", key)
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Policy)):
        return None
    from vetgate.policy.patterns import remember_translations

    remember_translations(value[1])
    return value[0]


def _store_policy(key: str, policy: Policy) -> None:
    """Store ``policy`` with the translations of its patterns (``_compiled_policy``)."""
    from vetgate import compiled
    from vetgate.engine.kinds import requirement_index
    from vetgate.policy.patterns import translations

    requirement_index(policy)  # kept with the policy: built once, not on every run
    compiled.store("policy", key, (policy, translations()))


def default_policy() -> Policy:
    """The packaged default policy (compiled once per installed vetgate when a store is in use:
    ``vetgate.compiled``)."""
    from vetgate import compiled

    cached = _compiled_policy("default") if compiled.directory() else None
    if cached is not None:
        return cached
    from vetgate.policy.loader import load_default_policy

    policy = load_default_policy()
    if compiled.directory():
        _store_policy("default", policy)
    return policy


def _inside_repository(files: Sequence[str], rev: str | None) -> None:
    """A policy read from a commit (or the index) must be a file of the repository: one from
    elsewhere cannot be there, and the gate never falls back to the work tree for it.
    ``files`` are as ``discover`` gives them: repository-relative, absolute only outside it."""
    import os

    from vetgate.errors import UsageError

    for name in files:
        if not os.path.isabs(name):
            continue
        where = "the index" if rev is None else f"commit {rev[:12]}"
        raise UsageError(
            f"--policy {name} is outside the repository, and here the policy is read from "
            f"{where} (so a change cannot weaken its own gate); to judge this history by a file "
            f"that is not committed, run `vetgate replay BASE..HEAD --policy {name}`; to gate "
            "by it, commit it and pass its path in the repository")


def _unstaged_policy(root: str) -> None:
    """The index has no policy: refuse when the work tree has one (a policy meant to apply
    must not be skipped in silence; the commit would carry none)."""
    import os

    from vetgate.errors import UsageError
    from vetgate.policy.files import DEFAULT_POLICY_FILE

    if os.path.lexists(os.path.join(root, DEFAULT_POLICY_FILE)):
        raise UsageError(f"the work tree has {DEFAULT_POLICY_FILE} but the index does not: the "
                         "hooks judge the policy the commit will carry; stage it (`git add "
                         f"{DEFAULT_POLICY_FILE}`) or move it away")


def default_source(where: str) -> str:
    """What every report says when the built-in default policy judged: where vetgate looked
    (``the index``, ``the work tree``, ``commit 1a2b3c4d5e6f (HEAD)``) had none."""
    return f"built-in default: {where} has no .vetgate.yaml"


def describe_policy(policy: Policy, rev: str | None, name: str | None = None) -> str:
    """Where ``policy`` was read, for reports: ``.vetgate.yaml (work tree)``,
    ``.vetgate.yaml@1a2b3c4d5e6f (HEAD)``, or the built-in default."""
    shown = f" ({name})" if name and rev and not rev.startswith(name) else ""
    if not policy.files:
        return default_source("the work tree" if rev is None else f"commit {rev[:12]}{shown}")
    files = ", ".join(policy.files)
    if rev is None:
        # A file outside the repository (an absolute path) is no part of the work tree.
        where = "work tree" if not any(f.startswith("/") for f in policy.files) else "file"
        return f"{files} ({where})"
    return f"{files}@{rev[:12]}{shown}"


def load_policy_spec(root: str, spec: str, *, work_tree: bool = True) -> tuple[Policy, str]:
    """``--against REF|PATH``: a policy file, else the policy a commit has; with where it was
    read (``work_tree`` False: ``root`` is a bare repository's git directory). Neither is a
    ``UsageError`` saying what to give."""
    import os

    from vetgate.changes.repo import resolve_optional
    from vetgate.errors import UsageError

    if not spec.strip():
        raise UsageError("--against is empty; give a policy file or a commit (is a variable "
                         "unset?)")
    if os.path.isfile(spec):
        policy = load_policy_at(root, [spec], None, work_tree=work_tree)
        return policy, describe_policy(policy, None)
    sha = resolve_optional(root, spec)
    if sha is None:
        raise UsageError(f"--against {spec}: neither a policy file nor a commit; give a file "
                         "(e.g. old-policy.yaml) or a revision (e.g. HEAD, origin/main)")
    policy = load_policy_at(root, None, sha)
    return policy, describe_policy(policy, sha, spec)


def policy_source(policy: Policy, mode: str, rev: str | None, explicit: bool,
                  policy_ref: str | None = None) -> str:
    """The one line every report prints about the policy that judged: its files and where
    they were read (a commit, the index, the work tree), or the built-in default and why."""
    files = ", ".join(policy.files)
    if mode == "staged" and rev is None and not explicit:
        return (f"{files} (index: the policy the commit will carry)" if files else
                default_source("the index"))
    if rev is None:  # the files as describe_policy says them: a work tree's, or given as is
        return (describe_policy(policy, None) if files else
                default_source("the work tree"))
    role = "base" if mode in ("range", "ci") and not policy_ref else "--policy-ref"
    shown = rev[:12] if len(rev) in (40, 64) and all(c in "0123456789abcdef" for c in rev) else rev
    if not files:
        return default_source(f"the {role} commit {shown}")
    return f"{files}@{shown} ({role})"


def head_policy_note(policy: Policy, changed: Sequence[str]) -> str | None:
    """One line when the change edits the policy (a file the built-in ``vetgate-policy`` rule
    covers, or a policy look-alike): the base's policy judged, the head's applies after merge."""
    from vetgate.policy.model import BUILTIN_POLICY_RULE_ID

    touched = [path for path in changed
               if path.rsplit("/", 1)[-1].lower().startswith(".vetgate") or (
                   policy.matcher is not None
                   and BUILTIN_POLICY_RULE_ID in policy.matcher.rules_for(path))]
    if not touched:
        return None
    shown = ", ".join(touched[:3]) + (f" and {len(touched) - 3} more" if len(touched) > 3 else "")
    return (f"the head changes {shown}; the base's policy judged this change, the head's "
            "applies after merge")


def work_tree_note(differs: Sequence[str]) -> str | None:
    """One line when the work tree's policy files are not what the index holds."""
    if not differs:
        return None
    return (f"the work tree's {', '.join(differs)} differs from the index; the index's copy "
            "(what the commit will carry) judged")
