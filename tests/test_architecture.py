"""The architecture's rules, checked on the source (docs/development.md, "Architecture").

Data flows one way: commands → gate/audit/replay → changes + policy + provenance + hosts → engine
→ result tree → report. These tests read the import statements of every module, so a shortcut
that breaks the flow fails here rather than in review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "vetgate"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (absolute names), with its line, lazy imports included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, node.lineno
            for alias in node.names:  # `from vetgate.changes import git`
                yield f"{module}.{alias.name}", node.lineno


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_git_runs_only_inside_changes() -> None:
    """`changes/` is the only home of git: no other module starts a process or calls
    run_git/git_stream (issue 12 item 3)."""
    offenders = [
        f"{_name(path)}:{line} imports {module}"
        for path in _modules() if not _in(_name(path), "vetgate.changes")
        for module, line in _imports(path)
        if module in ("subprocess", "vetgate.changes.git.run_git", "vetgate.changes.git.git_stream")
    ]
    # Also by name, for what an import check cannot see (os.system, a module attribute).
    offenders += [
        f"{_name(path)} uses {word}"
        for path in _modules() if not _in(_name(path), "vetgate.changes")
        for word in ("subprocess", "run_git", "git_stream", "os.system", "os.popen")
        if word in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_commands_do_not_import_each_other() -> None:
    offenders = [
        f"{_name(path)}:{line} imports {module}"
        for path in (PACKAGE / "commands").glob("*.py")
        for module, line in _imports(path)
        if _in(module, "vetgate.commands") and module != "vetgate.commands"
        and not _in(module, "vetgate.commands.common") and not _in(module, _name(path))
    ]
    assert offenders == []


# What the pure engine may read: its own modules, the policy, the error family, plain data models
# and git's trailer rules as text functions (changes/trailers.py runs no git). No git process, no
# network, no reports.
ENGINE_MAY_IMPORT = ("vetgate.engine", "vetgate.policy", "vetgate.errors", "vetgate.records",
                     "vetgate.changes.model",
                     "vetgate.changes.trailers", "vetgate.provenance.model", "vetgate.hosts.model")
# What a report may read: the result tree and plain data models; it never re-derives a verdict.
REPORT_MAY_IMPORT = ("vetgate.report", "vetgate.engine.result", "vetgate.errors", "vetgate.records",
                     "vetgate.provenance.model", "vetgate.provenance.serialize",
                     "vetgate.changes.model", "vetgate.policy.model", "vetgate.hosts.model",
                     "vetgate.replay.model")


@pytest.mark.parametrize(("package", "allowed"), [
    ("vetgate.engine", ENGINE_MAY_IMPORT),
    ("vetgate.report", REPORT_MAY_IMPORT),
])
def test_layers_import_only_what_is_below_them(package: str, allowed: tuple[str, ...]) -> None:
    folder = PACKAGE / package.split(".", 1)[1]
    offenders = [
        f"{_name(path)}:{line} imports {module}"
        for path in folder.rglob("*.py")
        for module, line in _imports(path)
        if _in(module, "vetgate") and module != "vetgate" and not _in(module, *allowed)
        and not module.startswith("vetgate.__")
    ]
    assert offenders == []


def test_modules_are_small_enough_to_read_or_say_why() -> None:
    """No module over 500 lines without a reason written at its top (issue 12)."""
    offenders = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if lines > 500 and "over 500 lines" not in docstring:
            offenders.append(f"{_name(path)}: {lines} lines and no 'Why over 500 lines:'")
    assert offenders == []
