"""The layering the gate package promises: commands parse and print, the gate judges.

Checked on the source (imports), not by behaviour: the behaviour is the check, hook, origin and CI
tests' business."""

from __future__ import annotations

import ast
from pathlib import Path

import vetgate

SRC = Path(vetgate.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_commands_do_not_import_each_other() -> None:
    offenders = []
    for path in sorted((SRC / "commands").glob("*.py")):
        for name in _imports(path):
            if name.startswith("vetgate.commands.") and name != "vetgate.commands.common":
                offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_the_engine_imports_no_host_or_provenance_logic() -> None:
    """Host and provenance facts reach the engine as plain data gathered by the gate."""
    allowed = ("vetgate.engine", "vetgate.changes.model", "vetgate.hosts.model",
               "vetgate.policy.", "vetgate.provenance.model", "vetgate.provenance.trailers")
    offenders = []
    for path in sorted((SRC / "engine").glob("*.py")):
        for name in _imports(path):
            if name.startswith("vetgate.") and not name.startswith(allowed):
                offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_git_runs_only_in_changes() -> None:
    """`changes/` is the only home of git: no other module starts a process or calls
    run_git/git_stream (issue 12 item 3)."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.parent.name == "changes":
            continue
        text = path.read_text(encoding="utf-8")
        for word in ("subprocess", "run_git", "git_stream", "os.system", "os.popen"):
            if word in text:
                offenders.append(f"{path.relative_to(SRC)} uses {word}")
    assert offenders == []
