"""The hook path stays lean: no GitPython, no asyncio, no report formats it does not print.

Speed itself is measured by benchmarks/, never asserted here; what is asserted is which modules
a commit-msg hook run loads, since each heavy import is paid on every commit."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from conftest import GitRepo

PROBE = """
import json, sys
from vetgate.main import main
code = main(["hook", "commit-msg", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HEAVY = ("git", "asyncio", "jsonschema", "vetgate.audit", "vetgate.hosts.github",
         "vetgate.hosts.gitlab", "vetgate.report.sarif", "vetgate.report.markdown")


POLICY = ("version: 1\nrules:\n  - id: auth\n    paths: [\"auth/**\"]\n    require:\n"
          "      tests: [\"t/**\"]\n")


def hook_runs(repo: GitRepo, message: str, runs: int = 1) -> list[dict[str, Any]]:
    """A staged change to auth/ under POLICY; ``runs`` commit-msg hook processes, each
    reporting its exit code and every module it loaded."""
    repo.commit("init", {".vetgate.yaml": POLICY, "auth/a.py": "a\n"})
    repo.write("auth/a.py", "b\n")
    repo.write("t/test_a.py", "t\n")
    repo.git("add", "-A")
    path = repo.path / "MSG"
    path.write_text(message, encoding="utf-8")
    return [json.loads(subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=repo.path,
                                      capture_output=True, text=True, check=True)
                       .stdout.strip().splitlines()[-1]) for _ in range(runs)]


def test_commit_msg_hook_imports_nothing_heavy(in_repo: GitRepo) -> None:
    (data,) = hook_runs(in_repo, "by hand\n")
    assert data["code"] == 0
    loaded = set(data["modules"])
    assert not [name for name in HEAVY if name in loaded]


# What a hook run needs no more once the compiled policy and catalog are stored (vetgate.compiled).
COMPILED_AWAY = ("yaml", "pathspec", "vetgate.policy.loader", "vetgate.policy.schema",
                 "vetgate.policy.yamlload", "dataclasses", "inspect", "argparse")


def test_second_commit_msg_run_parses_nothing(in_repo: GitRepo) -> None:
    first, second = hook_runs(
        in_repo, "Change a\n\nCo-authored-by: Claude <noreply@anthropic.com>\n", runs=2)
    assert first["code"] == second["code"] == 0
    assert {"yaml", "vetgate.policy.loader"} <= set(first["modules"])
    assert [name for name in COMPILED_AWAY if name in second["modules"]] == []
