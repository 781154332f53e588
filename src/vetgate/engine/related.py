"""Related tests (SPEC 4.1): which test files are related to a source file, and the
``tests: related`` evaluator. Pure: test contents and the repository's file list arrive as
evidence (``EvaluationInputs``), read by ``vetgate.changes`` before evaluation.

A test is related to a source when, checked in this order (the first that holds decides):
1. ``name``: the naming conventions of the source's language put it in the same folder or a
   mirrored test tree (``RELATION_NAMES`` below; Rust also counts ``#[cfg(test)]`` in the file);
2. ``import``: the test imports the source module (Python ``import``/``from``; JS/TS
   ``import``/``require`` of the relative path) — or, for Go, sits in the same package folder;
3. ``mapping``: a ``related_tests:`` entry of the policy maps the source to the test.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence

from vetgate.changes.model import FileChange
from vetgate.policy.model import Policy, RelatedMapping
from vetgate.policy.patterns import fold
from vetgate.records import frozen

JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
LANGUAGES = {
    ".py": "python", ".go": "go", ".java": "jvm", ".kt": "jvm", ".rb": "ruby", ".rs": "rust",
    ".cs": "csharp", ".php": "php", **dict.fromkeys(JS_EXTS, "js"),
}
# Folders that hold a mirrored test tree (tests/pkg/test_x.py for src/pkg/x.py).
TEST_ROOTS = frozenset({"tests", "test", "spec", "__tests__", "testing"})
# A C# test project is named after the project it tests: Billing.Tests mirrors Billing.
_PROJECT_SUFFIXES = (".UnitTests", ".IntegrationTests", ".Tests", ".Test", "Tests", "Test")
RUST_TEST_MARK = "#[cfg(test)]"


@frozen
class Relation:
    """Why ``test`` counts for ``source``: ``how`` is name | import | mapping."""

    source: str
    test: str
    how: str
    why: str

    def line(self) -> str:
        """``src/x.py ← tests/test_x.py (name: ...)`` for reports."""
        if self.source == self.test:
            return f"{self.source}: its own {self.why} ({self.how})"
        return f"{self.source} ← {self.test} ({self.how}: {self.why})"


def language(path: str) -> str | None:
    """The language whose conventions apply to ``path``, or None."""
    return LANGUAGES.get(posixpath.splitext(path)[1].lower())


def _test_stems(lang: str, stem: str, ext: str) -> tuple[set[str], str]:
    """Test file names for a source named ``stem + ext``, and the convention's wording."""
    upper = stem[:1].upper() + stem[1:]
    if lang == "python":
        # A private module (_compat.py) is usually tested as test_compat.py.
        bare = stem.lstrip("_") or stem
        return ({f"test_{stem}.py", f"{stem}_test.py", f"test_{bare}.py", f"{bare}_test.py"},
                "test_x.py / x_test.py")
    if lang == "go":
        return {f"{stem}_test.go"}, "x_test.go"
    if lang == "js":
        names = {f"{stem}{kind}{e}" for kind in (".test", ".spec") for e in JS_EXTS}
        return names, "x.test.* / x.spec.* / __tests__/x.*"
    if lang == "jvm":
        return ({f"{upper}{suffix}{e}" for suffix in ("Test", "Tests", "IT")
                 for e in (".java", ".kt")}, "XTest / XTests / XIT under src/test")
    if lang == "ruby":
        return {f"{stem}_spec.rb", f"{stem}_test.rb"}, "x_spec.rb / x_test.rb"
    if lang == "rust":
        return {f"{stem}.rs"}, "tests/x.rs"
    if lang == "csharp":
        return {f"{upper}Tests.cs", f"{upper}Test.cs"}, "XTests.cs"
    if lang == "php":
        return {f"{upper}Test.php"}, "XTest.php"
    return set(), ""


def _strip_project(component: str) -> str:
    for suffix in _PROJECT_SUFFIXES:
        if component.endswith(suffix) and len(component) > len(suffix):
            return component[: -len(suffix)]
    return component


def _mirrors(source_dir: Sequence[str], test_dir: Sequence[str], lang: str) -> str | None:
    """How ``test_dir`` mirrors ``source_dir`` for ``lang``'s conventions, or None."""
    if list(test_dir) == list(source_dir):
        return None if lang == "rust" else "in the same folder"
    if lang == "js" and list(test_dir) == [*source_dir, "__tests__"]:
        return "in the folder's __tests__"
    if lang == "jvm":
        for i in range(len(source_dir) - 1):
            if source_dir[i] == "src" and source_dir[i + 1] == "main":
                mirrored = [*source_dir[:i + 1], "test", *source_dir[i + 2:]]
                if list(test_dir) == mirrored:
                    return "under src/test mirroring src/main"
        return None
    for i, component in enumerate(test_dir):
        if component not in TEST_ROOTS:
            continue
        prefix, rest = list(test_dir[:i]), [_strip_project(c) for c in test_dir[i + 1:]]
        if list(source_dir[:len(prefix)]) != prefix:
            continue
        remaining = [_strip_project(c) for c in source_dir[len(prefix):]]
        if lang == "rust":
            # Integration tests: <crate>/tests/x.rs beside <crate>/src/.../x.rs.
            if not rest and remaining[:1] == ["src"]:
                return f"in the crate's {component}/ folder"
            continue
        if not rest or remaining[-len(rest):] == rest:
            return f"in the mirrored {'/'.join(test_dir)}/ tree"
    return None


def name_relation(source: str, test: str) -> str | None:
    """Why ``test`` is ``source``'s test by its language's naming conventions, or None.
    Canonically equivalent spellings (NFC/NFD) are one name, as in path patterns."""
    source, test = fold(source), fold(test)
    lang = language(source)
    if lang is None:
        return None
    source_dir, source_name = posixpath.split(source)
    test_dir, test_name = posixpath.split(test)
    stem, ext = posixpath.splitext(source_name)
    names, convention = _test_stems(lang, stem, ext)
    in_tests_folder = lang == "js" and posixpath.basename(test_dir) == "__tests__" and \
        posixpath.splitext(test_name)[0] == stem and language(test_name) == "js"
    if test_name not in names and not in_tests_folder:
        return None
    where = _mirrors(_parts(source_dir), _parts(test_dir), lang)
    if where is None:
        return None
    return f"{convention} {where}"


def _parts(folder: str) -> list[str]:
    return [p for p in folder.split("/") if p]


# --- tests: which files are tests -----------------------------------------------------------

_TEST_NAME = re.compile(
    r"(^test_.*\.py$|_test\.py$|_test\.go$|\.(test|spec)\.[cm]?[jt]sx?$|(Test|Tests|IT)\.(java|kt)$"
    r"|_spec\.rb$|_test\.rb$|Tests?\.cs$|Test\.php$)"
)


def looks_like_test(path: str) -> bool:
    """Whether ``path`` is a test file by name or by folder (``tests/``, ``__tests__/``, …)."""
    name = posixpath.basename(path)
    if _TEST_NAME.search(name):
        return True
    folders = _parts(posixpath.dirname(path))
    if any(part in TEST_ROOTS for part in folders):
        return language(path) is not None
    return "src/test" in posixpath.dirname(path) and language(path) == "jvm"


# --- imports --------------------------------------------------------------------------------

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w., \t]+)", re.MULTILINE)
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)",
                      re.MULTILINE)
_JS_SPEC = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\bjest\.mock\s*\(\s*)['"]([^'"\n]+)['"]"""
)


def _python_module_names(path: str) -> set[str]:
    """Dotted names a Python source can be imported as: every suffix of its path."""
    parts = _parts(posixpath.splitext(path)[0])
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return {".".join(parts[i:]) for i in range(len(parts))}


def _python_imports(test: str, content: str) -> set[str]:
    """Absolute dotted names ``content`` imports (relative ones resolved from ``test``)."""
    names: set[str] = set()
    for match in _PY_IMPORT.finditer(content):
        for item in match.group(1).split(","):
            words = item.split()
            if words:
                names.add(words[0])
    package = _parts(posixpath.dirname(test))
    for match in _PY_FROM.finditer(content):
        module, imported = match.group(1), match.group(2).strip("() \t")
        dots = len(module) - len(module.lstrip("."))
        if dots:
            base = package[: len(package) - (dots - 1)] if dots - 1 <= len(package) else []
            module = ".".join([*base, *_parts(module[dots:].replace(".", "/"))])
        if module:
            names.add(module)
        for item in imported.replace("\n", ",").split(","):
            words = item.split()
            if words and words[0] != "*":
                names.add(f"{module}.{words[0]}" if module else words[0])
    return names


def _js_targets(test: str, content: str) -> set[str]:
    """Repository paths (without extension) that ``content`` imports by relative path."""
    folder = posixpath.dirname(test)
    targets: set[str] = set()
    for match in _JS_SPEC.finditer(content):
        spec = match.group(1)
        if spec.startswith("./") or spec.startswith("../"):
            target = posixpath.normpath(posixpath.join(folder, spec))
            stem, ext = posixpath.splitext(target)
            targets.add(stem if ext in JS_EXTS else target)
    return targets


def import_relation(source: str, test: str, content: str | None) -> str | None:
    """Why ``test`` imports ``source`` (or shares its Go package folder), or None."""
    source, test = fold(source), fold(test)
    content = fold(content) if content is not None else None
    lang = language(source)
    if lang == "go":
        if test.endswith("_test.go") and posixpath.dirname(test) == posixpath.dirname(source):
            return "a test of the same Go package (same folder)"
        return None
    if content is None:
        return None
    if lang == "python" and language(test) == "python":
        hit = sorted(_python_module_names(source) & _python_imports(test, content))
        if hit:
            return f"imports {max(hit, key=len)}"
    if lang == "js" and language(test) == "js":
        stem = posixpath.splitext(source)[0]
        targets = _js_targets(test, content)
        for target in (stem, posixpath.dirname(source) if stem.endswith("/index") else None):
            if target and target in targets:
                return f"imports {posixpath.relpath(stem, posixpath.dirname(test))}"
    return None


def mapping_relation(mappings: Sequence[RelatedMapping], source: str, test: str) -> str | None:
    """The ``related_tests:`` entry that maps ``test`` to ``source``, or None."""
    for entry in mappings:
        if entry.source_matcher is None or entry.tests_matcher is None:
            continue
        if entry.source_matcher.match(source) and entry.tests_matcher.match(test):
            return f"related_tests at {entry.source}"
    return None


def relations(policy: Policy, source: str, tests: Iterable[str],
              contents: Mapping[str, str], *, names_of: Sequence[str] = ()
              ) -> list[Relation]:
    """The tests among ``tests`` related to ``source``, by the first kind of relation that finds
    any (names, then imports, then the policy's mapping). ``names_of``: further names the source
    had (a rename), which count for naming too."""
    tests = [t for t in tests if t != source]
    own = contents.get(source)
    found: list[Relation] = []
    if language(source) == "rust" and own is not None and RUST_TEST_MARK in own:
        found.append(Relation(source, source, "name", f"{RUST_TEST_MARK} module"))
    for test in tests:
        for name in (source, *names_of):
            why = name_relation(name, test)
            if why:
                found.append(Relation(source, test, "name", why))
                break
    if found:
        return found
    for test in tests:
        why = import_relation(source, test, contents.get(test))
        if why:
            found.append(Relation(source, test, "import", why))
    if found:
        return found
    for test in tests:
        why = mapping_relation(policy.related_tests, source, test)
        if why:
            found.append(Relation(source, test, "mapping", why))
    return found


def no_related_test(source: str, where: str) -> str:
    """What to do when the repository has no test related to ``source`` by name (or Go
    package, or mapping). For Python and JS/TS a test that imports it counts too, and which
    tests import it is read only from the tests a change touches: never claim there is none."""
    if language(source) in ("python", "js"):
        return (f"no test named after it in the repository; add one, e.g. {where}, or change a "
                "test that imports it")
    return f"no related test in the repository; add one, e.g. {where}"


def suggested_test(source: str, repo_files: Sequence[str] = (),
                   tests: TestIndex | None = None) -> str:
    """Where a new test for ``source`` would go: where the tests of its neighbours live (a
    sibling file's test, renamed), else by its language's first convention. A package's
    ``__init__.py`` is tested under the package's name."""
    folder, name = posixpath.split(source)
    stem, ext = posixpath.splitext(name)
    lang = language(source)
    if lang == "python" and stem == "__init__" and folder:
        stem = posixpath.basename(folder)
        name = f"{stem}{ext}"
        source = posixpath.join(folder, name)
    if tests is not None:
        beside = _beside_sibling(source, repo_files, tests)
        if beside:
            return beside
    join = posixpath.join
    if lang == "python":
        return join("tests", *[p for p in _parts(folder) if p != "src"],
                    f"test_{name.lstrip('_') or name}")
    if lang == "go":
        return join(folder, f"{stem}_test.go")
    if lang == "js":
        return join(folder, f"{stem}.test{ext}")
    if lang == "jvm" and "/main/" in f"/{folder}/":
        return join(f"/{folder}/".replace("/main/", "/test/", 1).strip("/"),
                    f"{stem}Test{ext}")
    if lang == "rust":
        return f"a #[cfg(test)] module in {source}"
    if lang == "ruby":
        return join("spec", *[p for p in _parts(folder) if p not in ("lib", "app")],
                    f"{stem}_spec.rb")
    if lang in ("csharp", "php", "jvm"):
        return join(folder, f"{stem}Test{ext}" if lang != "csharp" else f"{stem}Tests{ext}")
    return f"a test for {source} (or map one with related_tests: in the policy)"


# --- the repository's tests -----------------------------------------------------------------


def is_test_for(policy: Policy, path: str, patterns: Sequence[str] = (),
                matches: bool | None = None) -> bool:
    """Whether ``path`` counts as a test: it matches the requirement's ``paths`` when given
    (``matches``), else it looks like a test or a ``related_tests:`` entry names it."""
    if patterns:
        return bool(matches)
    if looks_like_test(path):
        return True
    return any(m.tests_matcher is not None and m.tests_matcher.match(path)
               for m in policy.related_tests)


def is_source(policy: Policy, path: str) -> bool:
    """Whether ``path`` is source code a related test can exist for."""
    if language(path) is not None:
        return True
    return any(m.source_matcher is not None and m.source_matcher.match(path)
               for m in policy.related_tests)


def _beside_sibling(source: str, repo_files: Sequence[str], tests: TestIndex) -> str | None:
    folder, name = posixpath.split(source)
    stem = posixpath.splitext(name)[0]
    lang = language(source)
    if lang == "python":  # tests name a private module without its underscores
        stem = stem.lstrip("_") or stem
    for sibling in repo_files:
        if sibling == source or posixpath.dirname(sibling) != folder or language(sibling) != lang:
            continue
        sibling_stem = posixpath.splitext(posixpath.basename(sibling))[0]
        if lang == "python":
            sibling_stem = sibling_stem.lstrip("_") or sibling_stem
        for test in tests.candidates(sibling):
            test_folder, test_name = posixpath.split(test)
            if name_relation(sibling, test) and sibling_stem in test_name:
                return posixpath.join(test_folder, test_name.replace(sibling_stem, stem, 1))
    return None


def repository_tests(policy: Policy, repo_files: Iterable[str],
                     patterns: Sequence[str] = ()) -> list[str]:
    """The files of the repository that count as tests (see ``is_test_for``)."""
    from vetgate.policy.patterns import PatternSet

    tests_set = PatternSet(tuple(patterns), policy.case_sensitive) if patterns else None
    return [p for p in repo_files if is_test_for(
        policy, p, patterns, tests_set.match(p) if tests_set else None)]


class TestIndex:
    """A repository's tests, indexed by file name and folder, so finding the tests related to a
    source by name or Go package costs a few lookups, not a pass over every test."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, tests: Iterable[str]) -> None:
        self.tests = list(tests)
        self._by_name: dict[str, list[str]] = {}
        self._by_folder: dict[str, list[str]] = {}
        for test in self.tests:
            folder, name = posixpath.split(fold(test))
            self._by_name.setdefault(name, []).append(test)
            self._by_folder.setdefault(folder, []).append(test)

    def candidates(self, source: str) -> list[str]:
        """Tests that may be related to ``source`` by name or package (a superset)."""
        lang = language(source)
        if lang is None:
            return []
        folder, name = posixpath.split(fold(source))
        stem, ext = posixpath.splitext(name)
        names, _ = _test_stems(lang, stem, ext)
        if lang == "js":
            names |= {f"{stem}{e}" for e in JS_EXTS}  # __tests__/x.*
        found: dict[str, None] = {}
        for candidate in names:
            found.update(dict.fromkeys(self._by_name.get(candidate, ())))
        if lang == "go":
            found.update(dict.fromkeys(t for t in self._by_folder.get(folder, ())
                                       if t.endswith("_test.go")))
        return list(found)


def existing_related(policy: Policy, source: str, repo_files: Iterable[str],
                     patterns: Sequence[str] = (), *, tests: TestIndex | None = None
                     ) -> list[Relation]:
    """Tests in the repository that would count for ``source`` today (by name, Go package or
    mapping; imports are read only from the tests a change touches). ``tests``: the
    repository's tests when already indexed (``TestIndex(repository_tests(...))``)."""
    if tests is None:
        tests = TestIndex(repository_tests(policy, repo_files, patterns))
    found = relations(policy, source, tests.candidates(source), {})
    if found or not policy.related_tests:
        return found
    return relations(policy, source, tests.tests, {})


def needs_contents(policy: Policy, sources: Sequence[FileChange],
                   tests: Sequence[FileChange]) -> list[FileChange]:
    """The files whose content at head a related-tests check must read: the changed tests of a
    language related by import, when names did not already relate every source to a test
    (and Rust sources, whose own ``#[cfg(test)]`` module counts)."""
    wanted = [s for s in sources if language(s.path) == "rust"]
    test_paths = [t.path for t in tests]
    undecided = [s for s in sources if language(s.path) in ("python", "js") and not any(
        name_relation(name, t) for t in test_paths for name in s.paths)]
    if undecided:
        wanted.extend(t for t in tests if language(t.path) in ("python", "js"))
    return wanted
