"""The hook path stays lean: no GitPython, no asyncio, no report formats it does not print.

Speed itself is measured by benchmarks/, never asserted here; what is asserted is which modules
a commit-msg hook run loads, since each heavy import is paid on every commit."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import GitRepo

PROBE = """
import json, sys
from vetgate.main import main
code = main(["hook", "commit-msg", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HEAVY = ("git", "asyncio", "jsonschema", "vetgate.audit", "vetgate.hosts.github",
         "vetgate.hosts.gitlab", "vetgate.report.sarif", "vetgate.report.markdown")


def test_commit_msg_hook_imports_nothing_heavy(in_repo: GitRepo) -> None:
    in_repo.commit("init", {".vetgate.yaml": "version: 1\nrules:\n  - id: auth\n"
                            "    paths: [\"auth/**\"]\n    require:\n      tests: [\"t/**\"]\n",
                            "auth/a.py": "a\n"})
    in_repo.write("auth/a.py", "b\n")
    in_repo.git("add", "-A")
    message = in_repo.path / "MSG"
    message.write_text("by hand\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", PROBE, str(message)], cwd=in_repo.path,
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["code"] == 0
    loaded = set(data["modules"])
    assert not [name for name in HEAVY if name in loaded]


# What a hook run needs no more once the compiled policy and catalog are stored (vetgate.compiled).
COMPILED_AWAY = ("yaml", "pathspec", "vetgate.policy.loader", "vetgate.policy.schema",
                 "vetgate.policy.yamlload")


def test_second_commit_msg_run_parses_nothing(in_repo: GitRepo) -> None:
    in_repo.commit("init", {".vetgate.yaml": "version: 1\nrules:\n  - id: auth\n"
                            "    paths: [\"auth/**\"]\n    require:\n      tests: [\"t/**\"]\n",
                            "auth/a.py": "a\n"})
    in_repo.write("auth/a.py", "b\n")
    in_repo.write("t/test_a.py", "t\n")
    in_repo.git("add", "-A")
    message = in_repo.path / "MSG"
    message.write_text("Change a\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
                       encoding="utf-8")
    runs = [subprocess.run([sys.executable, "-c", PROBE, str(message)], cwd=in_repo.path,
                           capture_output=True, text=True, check=True) for _ in range(2)]
    first, second = (json.loads(run.stdout.strip().splitlines()[-1]) for run in runs)
    assert first["code"] == second["code"] == 0
    assert {"yaml", "vetgate.policy.loader"} <= set(first["modules"])
    assert [name for name in COMPILED_AWAY if name in second["modules"]] == []
