"""Finding and loading the policy: discovery, includes, cross-file checks, the built-in rule.

``load_policy`` reads the root file and everything it includes through a ``PolicySource`` (the
work tree here; a git revision in ``vetgate.gate.policy``), checks each file with
``vetgate.policy.schema``, then checks what spans files (unique rule ids, group references,
include cycles), and raises one ``PolicyError`` carrying every problem found, in file order.
"""

from __future__ import annotations

import functools
import gc
import os
import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from vetgate.errors import Diagnostic, PolicyError, UsageError
from vetgate.policy.files import DEFAULT_POLICY_FILE as DEFAULT_POLICY_FILE
from vetgate.policy.files import NEAR_MISS_POLICY_FILES as NEAR_MISS_POLICY_FILES
from vetgate.policy.files import PolicyFileRefused, _inside, _real
from vetgate.policy.files import WorkTreeSource as WorkTreeSource
from vetgate.policy.files import discover as discover
from vetgate.policy.files import glob_paths as glob_paths
from vetgate.policy.files import missing_file_error as missing_file_error
from vetgate.policy.files import near_miss_error as near_miss_error
from vetgate.policy.model import (
    BUILTIN_POLICY_RULE_ID,
    Policy,
    RelatedMapping,
    Requirement,
    ReviewRequirement,
    Rule,
    SourceLocation,
    TestsRequirement,
)
from vetgate.policy.pattern_index import PathMatcher
from vetgate.policy.patterns import (
    PatternError,
    PatternSet,
    literal_pattern,
    pattern_problem,
)
from vetgate.policy.schema import FileChecker, FileDraft, did_you_mean
from vetgate.policy.yamlload import Mark, YamlFileError, parse_yaml
from vetgate.records import replace

# How the packaged default policy is named in messages and rule sources.
DEFAULT_POLICY_LABEL = "vetgate:default.yaml"
INCLUDE_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARS = re.compile(r"[*?\[]")
_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:")

BUILTIN_RULE_DESCRIPTION = (
    "The policy files themselves: a change to them needs a review from the policy owners"
)


class PolicySource(Protocol):
    """Where policy files are read from: the work tree, or a git revision."""

    def read(self, relpath: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""

    def glob(self, pattern: str) -> list[str]:
        """Repository-relative POSIX paths of the files matching ``pattern``, sorted."""

    def describe(self, relpath: str) -> str:
        """How to name the file in messages."""


class MemorySource:
    """Policy files held in memory (the packaged default, ``vetgate init``, tests)."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = dict(files)

    def read(self, relpath: str) -> bytes | None:
        return self.files.get(relpath)

    def glob(self, pattern: str) -> list[str]:
        return glob_paths(pattern, list(self.files))

    def describe(self, relpath: str) -> str:
        return relpath


def _location(file: str, mark: Mark) -> str:
    return f"{file}:{mark.line}"


class _PolicyLoader:
    def __init__(self, source: PolicySource) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.drafts: dict[str, FileDraft] = {}
        self.order: list[FileDraft] = []
        self.stack: list[str] = []
        self.include_globs: list[str] = []
        self.root_display = ""

    def error(self, draft: FileDraft, mark: Mark, message: str) -> None:
        self.diagnostics.append(Diagnostic(draft.display, mark.line, mark.column, message))

    # --- reading files ----------------------------------------------------------------------

    def visit(self, relpath: str, is_root: bool, via: tuple[FileDraft, Mark] | None) -> None:
        if relpath in self.stack:
            assert via is not None
            chain = " → ".join(self.source.describe(p) for p in
                               [*self.stack[self.stack.index(relpath):], relpath])
            self.error(via[0], via[1], f"include cycle: {chain}; remove one of the includes")
            return
        if relpath in self.drafts:
            return  # included twice (a diamond): read once
        display = self.source.describe(relpath)
        try:
            data = self.source.read(relpath)
        except PolicyFileRefused as exc:
            if via is not None:
                self.error(via[0], via[1], f"included file {display} {exc.reason}")
            else:
                self.diagnostics.append(Diagnostic(display, 1, 1, f"{display} {exc.reason}"))
            return
        if data is None:
            if via is not None:
                self.error(via[0], via[1], f"included file {display} does not exist")
            else:
                # A source may say where it looked (e.g. a commit) and what to do about it.
                message = getattr(self.source, "not_found_message", "policy file not found")
                self.diagnostics.append(Diagnostic(display, 1, 1, message))
            return
        draft = FileDraft(relpath, display, is_root)
        if is_root:
            self.root_display = display
        self.drafts[relpath] = draft
        self.order.append(draft)
        checker = FileChecker(display, self.diagnostics)
        try:
            tree, problems = parse_yaml(data)
        except YamlFileError as exc:
            for problem in exc.problems:
                checker.error(problem.mark, problem.message)
            return
        for problem in problems:
            checker.error(problem.mark, problem.message)
        checker.check_file(tree, draft, self.root_display)
        self.stack.append(relpath)
        for entry, mark in draft.includes:
            for target in self.resolve(draft, entry, mark):
                self.visit(target, False, (draft, mark))
        self.stack.pop()

    def resolve(self, draft: FileDraft, entry: str, mark: Mark) -> list[str]:
        """The files an ``include:`` entry names (errors reported at the entry)."""
        if entry.startswith("/") or _WINDOWS_ABSOLUTE.match(entry):
            self.error(draft, mark, f'include "{entry}" is absolute; include paths are relative '
                                    "to the including file's directory")
            return []
        if "\\" in entry:
            self.error(draft, mark, f'include "{entry}" contains "\\"; separate directories '
                                    'with "/"')
            return []
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(draft.relpath), entry))
        if not posixpath.isabs(joined) and (joined == ".." or joined.startswith("../")):
            self.error(draft, mark, f'include "{entry}" points outside the repository')
            return []
        if not _GLOB_CHARS.search(entry):
            return [joined]
        matches = [p for p in self.source.glob(joined) if p.endswith(INCLUDE_SUFFIXES)]
        if not matches:
            self.error(draft, mark, f'include "{entry}" matches no .yaml or .yml file '
                                    f"(looked for {joined})")
            return []
        self.include_globs.append(joined)
        return matches

    # --- checks across files ----------------------------------------------------------------

    def cross_check(self) -> None:
        groups: dict[str, tuple[FileDraft, Mark]] = {}
        for draft in self.order:
            for name, mark, _members in draft.groups:
                if name in groups:
                    first, first_mark = groups[name]
                    self.error(draft, mark, f'group "{name}" is already defined at '
                                            f"{_location(first.display, first_mark)}")
                else:
                    groups[name] = (draft, mark)
        rule_ids: dict[str, tuple[FileDraft, Mark]] = {}
        defined = sorted(groups)
        for draft in self.order:
            refs = [(name, mark, "policy_owners") for name, mark in draft.policy_owners]
            for rule in draft.rules:
                if rule.id is not None and rule.id_mark is not None:
                    if rule.id in rule_ids:
                        first, first_mark = rule_ids[rule.id]
                        self.error(draft, rule.id_mark,
                                   f'duplicate rule id "{rule.id}" (first defined at '
                                   f"{_location(first.display, first_mark)})")
                        rule.valid = False
                    else:
                        rule_ids[rule.id] = (draft, rule.id_mark)
                refs.extend((name, mark, "review.from") for name, mark in rule.group_refs)
            for name, mark, where in refs:
                if name in groups:
                    continue
                known = (f"defined groups: {', '.join(defined)}" if defined
                         else "no groups are defined; add them under groups:")
                self.error(draft, mark, f'unknown group "{name}" in {where}'
                                        f"{did_you_mean(name, defined)} ({known})")
            self._check_review_counts(draft)

    def _check_review_counts(self, draft: FileDraft) -> None:
        """A review no one can ever give (``vetgate.policy.reviewers``) is an error at its
        count; one that a team may make possible is left to ``review_warnings``."""
        from vetgate.policy.reviewers import review_count_problem

        members = {name: found for d in self.order for name, _mark, found in d.groups}
        for rule in draft.rules:
            for count, names, mark in rule.review_counts:
                problem = review_count_problem(rule.id or "?", count, names, members)
                if problem is not None and problem[0] == "error":
                    self.error(draft, mark, problem[1])

    # --- building the policy ----------------------------------------------------------------

    def build(self, protected: Sequence[str] | None, files: tuple[str, ...] | None) -> Policy:
        root = self.order[0]
        case_sensitive = root.case_sensitive
        rules: list[Rule] = []
        for draft in self.order:
            checker = FileChecker(draft.display, self.diagnostics)
            for rule_draft in draft.rules:
                if not rule_draft.valid or rule_draft.id is None:
                    continue
                requirements: list[Requirement] = []
                for requirement in rule_draft.requirements:
                    if isinstance(requirement, TestsRequirement) and requirement.patterns:
                        try:
                            tests_matcher = PatternSet(requirement.patterns, case_sensitive)
                        except PatternError as exc:
                            checker.error(rule_draft.mark, f'tests of rule "{rule_draft.id}": '
                                                           f"a pattern {exc}")
                            continue
                        requirement = replace(requirement, matcher=tests_matcher)
                    requirements.append(requirement)
                rules.append(Rule(
                    id=rule_draft.id,
                    paths=tuple(p for p, _ in rule_draft.paths),
                    source=SourceLocation(draft.relpath, rule_draft.mark.line,
                                          rule_draft.mark.column),
                    description=rule_draft.description,
                    origin=rule_draft.origin,  # type: ignore[arg-type]
                    level=rule_draft.level,  # type: ignore[arg-type]
                    requirements=tuple(requirements),
                ))
        rules.append(self.builtin_rule(root, protected))
        try:
            matcher = PathMatcher([(r.id, r.paths) for r in rules], case_sensitive=case_sensitive)
        except PatternError as exc:
            # Only case folding can break a pattern that passed the per-file checks.
            self.diagnostics.append(Diagnostic(root.display, 1, 1, f"a pattern {exc} once "
                                                                  "lower-cased (case_sensitive)"))
            raise PolicyError(self.sorted_diagnostics()) from None
        if self.diagnostics:
            raise PolicyError(self.sorted_diagnostics())
        groups = {name: members for draft in self.order for name, _, members in draft.groups}
        related = []
        for draft in self.order:
            for sources, tests, mark in draft.related:
                related.append(RelatedMapping(
                    sources, tests, SourceLocation(draft.relpath, mark.line, mark.column),
                    source_matcher=PatternSet(sources, case_sensitive),
                    tests_matcher=PatternSet(tests, case_sensitive)))
        return Policy(
            files=files if files is not None else tuple(d.relpath for d in self.order),
            rules=tuple(rules),
            origin=root.origin,
            groups=groups,
            policy_owners=tuple(name for name, _ in root.policy_owners),
            coverage=root.coverage,  # type: ignore[arg-type]
            case_sensitive=case_sensitive,
            coverage_source=SourceLocation(root.relpath, root.coverage_mark.line,
                                           root.coverage_mark.column)
            if root.coverage_mark else None,
            matcher=matcher,
            related_tests=tuple(related),
        )

    def builtin_rule(self, root: FileDraft, protected: Sequence[str] | None) -> Rule:
        if protected is None:
            paths = [literal_pattern(d.relpath) for d in self.order
                     if not posixpath.isabs(d.relpath)]
            # A file added where an include glob looks changes the policy too.
            for glob in self.include_globs:
                candidate = "/" + glob
                if not posixpath.isabs(glob) and pattern_problem(candidate) is None \
                        and candidate not in paths:
                    paths.append(candidate)
        else:
            paths = [literal_pattern(p) for p in protected]
        owners = tuple(name for name, _ in root.policy_owners)
        mark = root.policy_owners_mark or Mark(1, 1)
        return Rule(
            id=BUILTIN_POLICY_RULE_ID,
            paths=tuple(paths),
            source=SourceLocation(root.relpath, mark.line, mark.column),
            description=BUILTIN_RULE_DESCRIPTION,
            origin="any",
            level="block",
            requirements=(ReviewRequirement(count=1, groups=owners, fresh="content"),),
            builtin=True,
        )

    def sorted_diagnostics(self) -> list[Diagnostic]:
        rank = {draft.display: index for index, draft in enumerate(self.order)}
        return sorted(self.diagnostics,
                      key=lambda d: (rank.get(d.file, len(rank)), d.line, d.column))

    def load(self, files: Sequence[str], *, protected: Sequence[str] | None = None,
             files_override: tuple[str, ...] | None = None) -> Policy:
        if not files:
            raise UsageError("no policy file to load")
        # Loading allocates many long-lived small objects and no reference cycles; the cyclic
        # garbage collector would rescan them over and over (it doubles a 10,000-rule load).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._load(files, protected, files_override)
        finally:
            if collecting:
                gc.enable()

    def _load(self, files: Sequence[str], protected: Sequence[str] | None,
              files_override: tuple[str, ...] | None) -> Policy:
        self.visit(files[0], True, None)
        for extra in files[1:]:
            self.visit(extra, False, None)
        if not self.order:
            raise PolicyError(self.sorted_diagnostics())
        self.cross_check()
        if any(d.severity == "error" for d in self.diagnostics):
            raise PolicyError(self.sorted_diagnostics())
        return self.build(protected, files_override)


def load_policy(files: Sequence[str], source: PolicySource, *, root: str | None = None
                ) -> Policy:
    """Load ``files`` (the first is the root policy file; later ones are read as if the root
    included them) and everything they include, through ``source``.

    ``root``, when given, is the repository's top level: absolute paths inside it are turned
    into repository-relative ones. Raises ``PolicyError`` with every problem at once.
    """
    normalized = []
    for name in files:
        if root is not None and os.path.isabs(name):
            name = _inside(_real(name), os.path.realpath(root)) or name
        normalized.append(name)
    return _PolicyLoader(source).load(normalized)


def load_policy_bytes(data: bytes, name: str = DEFAULT_POLICY_FILE) -> Policy:
    """Load a single, self-contained policy held in memory (used by ``vetgate init``)."""
    return _PolicyLoader(MemorySource({name: data})).load([name])


@functools.lru_cache(maxsize=1)
def load_default_policy() -> Policy:
    """The packaged default policy, used when a repository has no policy of its own.

    Its ``files`` is empty (no repository file is loaded); its built-in ``vetgate-policy`` rule
    protects ``.vetgate.yaml``, so adding a policy to such a repository needs a review too.
    """
    from importlib import resources

    data = resources.files("vetgate.policy").joinpath("default.yaml").read_bytes()
    loader = _PolicyLoader(MemorySource({DEFAULT_POLICY_LABEL: data}))
    return loader.load([DEFAULT_POLICY_LABEL], protected=(DEFAULT_POLICY_FILE,),
                       files_override=())


def policy_warnings(policy: Policy, tracked_files: Sequence[str]) -> list[Diagnostic]:
    """Warnings for the team rules whose ``paths`` match none of ``tracked_files``."""
    matcher = policy.matcher or PathMatcher([(r.id, r.paths) for r in policy.rules],
                                            case_sensitive=policy.case_sensitive)
    matched: set[str] = set()
    for ids in matcher.match_many(tracked_files).values():
        matched.update(ids)
    return [
        Diagnostic(rule.source.file, rule.source.line, rule.source.column,
                   f'rule "{rule.id}" matches no tracked file; check its paths (fine if the '
                   "files are yet to be added)", severity="warning")
        for rule in policy.rules
        if not rule.builtin and rule.id not in matched
    ]
