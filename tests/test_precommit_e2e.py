"""End to end through the real pre-commit framework: `pre-commit install`, then real `git commit`
and `git push` to a local bare repository, with vetgate's hooks deciding."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from conftest import GitRepo, make_repo
from conftest import agent_declaration as _declaration

CHECKOUT = Path(__file__).resolve().parent.parent
AI_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"

POLICY = """\
version: 1
rules:
  - id: payments
    description: Money movement
    paths: ["payments/**"]
    require:
      forbid: "AI-written changes are not accepted in payments/; write this by hand."
  - id: auth
    paths: ["src/auth/**"]
    require:
      tests: ["tests/auth/**"]
      review: {count: 1}
"""


def _manifest() -> list[dict[str, object]]:
    with open(CHECKOUT / ".pre-commit-hooks.yaml", encoding="utf-8") as handle:
        hooks = yaml.safe_load(handle)
    assert isinstance(hooks, list)
    return hooks


# The configuration docs/hooks.md recommends: one hooked stage per commit (commit-msg marks and
# judges) plus pre-push.
RECOMMENDED = ("vetgate", "vetgate-push")


def local_config(ids: tuple[str, ...] | None = None) -> str:
    """`repo: local` hooks that mirror the published manifest (all of it, or the hooks ``ids``),
    run by this interpreter (`language: system`: no virtualenv to build)."""
    hooks = []
    for hook in _manifest():
        if ids is not None and hook["id"] not in ids:
            continue
        mirrored = {key: value for key, value in hook.items()
                    if key not in ("language", "entry", "minimum_pre_commit_version")}
        entry = str(hook["entry"]).removeprefix("vetgate ")
        mirrored["entry"] = f"{shlex.quote(sys.executable)} -m vetgate {entry}"
        mirrored["language"] = "system"
        hooks.append(mirrored)
    config: dict[str, object] = {"minimum_pre_commit_version": "3.2.0"}
    if ids is not None:
        config["default_install_hook_types"] = ["commit-msg", "pre-push"]
    config["repos"] = [{"repo": "local", "hooks": hooks}]
    return yaml.safe_dump(config, sort_keys=False)


def run(repo: GitRepo, *args: str, env: Mapping[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command in the repository; stdout and stderr together (git sends hook output to
    stderr, pre-commit writes to stdout)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(list(args), cwd=repo.path, env=full_env, input=input, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)


def install_pre_commit(repo: GitRepo) -> None:
    proc = run(repo, sys.executable, "-m", "pre_commit", "install", "--hook-type", "commit-msg",
               "--hook-type", "prepare-commit-msg", "--hook-type", "pre-push")
    assert proc.returncode == 0, proc.stdout


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository with a policy, pre-commit installed with vetgate's hooks, and `origin`, a
    bare repository that has main."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    repo = make_repo(tmp_path / "project")
    repo.commit("Initial layout", {
        ".vetgate.yaml": POLICY,
        ".pre-commit-config.yaml": local_config(),
        "payments/charge.py": "def charge(): ...\n",
        "src/auth/login.py": "def login(): ...\n",
        "docs/index.md": "# Docs\n",
    })
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "--no-verify", "-u", "origin", "main")
    repo.git("remote", "set-head", "origin", "main")
    install_pre_commit(repo)
    return repo


def commit(repo: GitRepo, message: str, files: Mapping[str, str], *extra: str,
           env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    for path, content in files.items():
        repo.write(path, content)
    repo.git("add", "-A")
    return run(repo, "git", "commit", "-m", message, *extra, env=env)


def remote_head(repo: GitRepo, branch: str = "main") -> str:
    return repo.git("ls-remote", "origin", f"refs/heads/{branch}").split("\t")[0]


# --- commit-msg ---------------------------------------------------------------------------------


def test_blocked_commit_leaves_no_commit(project: GitRepo) -> None:
    before = project.head()
    proc = commit(project, f"Speed up charging\n\n{AI_TRAILER}",
                  {"payments/charge.py": "def charge(): return 1\n"})
    assert proc.returncode != 0, proc.stdout
    assert project.head() == before
    assert "payments" in proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout
    assert "vetgate (policy gate)" in proc.stdout and "Failed" in proc.stdout


def test_allowed_commit_lands_quietly(project: GitRepo) -> None:
    before = project.head()
    proc = commit(project, "Tidy the charge code", {"payments/charge.py": "def charge(): 2\n"})
    assert proc.returncode == 0, proc.stdout
    assert project.git("rev-parse", "HEAD~1").strip() == before
    assert "vetgate (policy gate)" in proc.stdout and "Passed" in proc.stdout
    assert "AI-written" not in proc.stdout


def test_ai_change_outside_risky_paths_lands(project: GitRepo) -> None:
    proc = commit(project, f"Document charging\n\n{AI_TRAILER}", {"docs/index.md": "# Money\n"})
    assert proc.returncode == 0, proc.stdout


def test_commit_a_temporary_index(project: GitRepo) -> None:
    """`git commit FILE` commits through a temporary index (GIT_INDEX_FILE): judged all the
    same."""
    project.write("payments/charge.py", "def charge(): 3\n")
    before = project.head()
    proc = run(project, "git", "commit", "-m", f"Charge\n\n{AI_TRAILER}", "payments/charge.py")
    assert proc.returncode != 0, proc.stdout
    assert project.head() == before


# --- prepare-commit-msg -------------------------------------------------------------------------


def test_mark_adds_trailer_in_agent_shell(project: GitRepo) -> None:
    proc = commit(project, "Document the login flow", {"docs/index.md": "# Login\n"},
                  env={"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    message = project.git("log", "-1", "--format=%B")
    assert message == f"Document the login flow\n\n{_declaration()}\n\n"


def test_mark_leaves_human_commits_alone(project: GitRepo) -> None:
    proc = commit(project, "Document the login flow", {"docs/index.md": "# Login\n"})
    assert proc.returncode == 0, proc.stdout
    assert project.git("log", "-1", "--format=%B") == "Document the login flow\n\n"


def test_agent_shell_commit_to_forbidden_path_is_blocked(project: GitRepo) -> None:
    """No trailer in the message: the agent's environment alone makes it AI-origin."""
    before = project.head()
    proc = commit(project, "Speed up charging", {"payments/charge.py": "def charge(): 4\n"},
                  env={"CLAUDECODE": "1"})
    assert proc.returncode != 0, proc.stdout
    assert project.head() == before
    assert "payments" in proc.stdout


def test_no_verify_skips_commit_msg_but_not_the_mark(project: GitRepo) -> None:
    proc = commit(project, "Speed up charging", {"payments/charge.py": "def charge(): 5\n"},
                  "--no-verify", env={"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout  # the documented bypass: CI is the authority
    # prepare-commit-msg runs even with --no-verify: the commit still declares its agent.
    assert _declaration() in project.git("log", "-1", "--format=%B")


def test_skip_variable_bypasses_the_gate(project: GitRepo) -> None:
    proc = commit(project, f"Charge\n\n{AI_TRAILER}", {"payments/charge.py": "def charge(): 6\n"},
                  env={"SKIP": "vetgate"})
    assert proc.returncode == 0, proc.stdout
    assert "Skipped" in proc.stdout


def test_verbose_commit_ignores_the_diff_below_scissors(project: GitRepo, tmp_path: Path
                                                        ) -> None:
    """`git commit -v`: the diff below the scissors line quotes an AI trailer; it is not part
    of the message, so the human change to payments/ lands, and the mark (in an agent's shell)
    goes above the scissors line."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "open(path, 'w', encoding='utf-8').write('Update the payment notes\\n' + text)\n",
        encoding="utf-8",
    )
    project.write("payments/NOTES.md", f"Reviewed.\n{AI_TRAILER}\n")
    project.git("add", "-A")
    env = {"GIT_EDITOR": f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}"}
    proc = run(project, "git", "commit", "-v", env=env)
    assert proc.returncode == 0, proc.stdout
    assert project.git("log", "-1", "--format=%B") == "Update the payment notes\n\n"

    project.write("docs/index.md", "# Notes\n")
    project.git("add", "-A")
    proc = run(project, "git", "commit", "-v", env={**env, "CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    assert project.git("log", "-1", "--format=%B") == (
        f"Update the payment notes\n\n{_declaration()}\n\n"
    )


def test_merge_bringing_in_ai_work_is_judged_at_commit(project: GitRepo) -> None:
    """A merge is judged like any commit: the AI commit it brings in to payments/ blocks it."""
    project.git("switch", "-q", "-c", "side")
    proc = commit(project, f"Charge\n\n{AI_TRAILER}", {"payments/charge.py": "def charge(): 7\n"},
                  "--no-verify")
    assert proc.returncode == 0, proc.stdout
    project.git("switch", "-q", "main")
    commit(project, "Docs", {"docs/index.md": "# More\n"})
    before = project.head()
    proc = run(project, "git", "merge", "--no-ff", "--no-edit", "side")
    assert proc.returncode != 0, proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout
    assert project.head() == before


def test_merge_of_human_work_lands(project: GitRepo) -> None:
    project.git("switch", "-q", "-c", "side")
    assert commit(project, "Charge", {"payments/charge.py": "def charge(): 8\n"}).returncode == 0
    project.git("switch", "-q", "main")
    commit(project, "Docs", {"docs/index.md": "# More\n"})
    proc = run(project, "git", "merge", "--no-ff", "--no-edit", "side")
    assert proc.returncode == 0, proc.stdout
    assert len(project.git("log", "-1", "--format=%P").split()) == 2


# --- the recommended configuration: commit-msg marks and judges ----------------------------------


@pytest.fixture
def recommended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository with the recommended configuration installed by a plain `pre-commit
    install` (default_install_hook_types)."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    repo = make_repo(tmp_path / "recommended")
    repo.commit("Initial layout", {
        ".vetgate.yaml": POLICY,
        ".pre-commit-config.yaml": local_config(RECOMMENDED),
        "payments/charge.py": "def charge(): ...\n",
        "docs/index.md": "# Docs\n",
    })
    proc = run(repo, sys.executable, "-m", "pre_commit", "install")
    assert proc.returncode == 0, proc.stdout
    return repo


def test_recommended_config_hooks_one_stage_per_commit(recommended: GitRepo) -> None:
    hooks = recommended.path / ".git" / "hooks"
    assert (hooks / "commit-msg").exists() and (hooks / "pre-push").exists()
    assert not (hooks / "prepare-commit-msg").exists()
    assert not (hooks / "pre-commit").exists()


def test_recommended_config_marks_agent_commits(recommended: GitRepo, tmp_path: Path) -> None:
    proc = commit(recommended, "Document charging", {"docs/index.md": "# Money\n"},
                  env={"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    assert recommended.git("log", "-1", "--format=%B") == (
        f"Document charging\n\n{_declaration()}\n\n")
    # An editor commit with `git commit -v`: the trailer goes above the comments and the diff.
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "open(path, 'w', encoding='utf-8').write('Update the notes\\n' + text)\n",
        encoding="utf-8",
    )
    recommended.write("docs/index.md", f"# Notes\n{AI_TRAILER}\n")
    recommended.git("add", "-A")
    proc = run(recommended, "git", "commit", "-v", env={
        "GIT_EDITOR": f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}",
        "CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    assert recommended.git("log", "-1", "--format=%B") == (
        f"Update the notes\n\n{_declaration()}\n\n")


def test_recommended_config_judges(recommended: GitRepo) -> None:
    before = recommended.head()
    proc = commit(recommended, "Speed up charging", {"payments/charge.py": "def charge(): 4\n"},
                  env={"CLAUDECODE": "1"})
    assert proc.returncode != 0, proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout
    assert recommended.head() == before
    recommended.git("reset", "-q", "--hard")
    proc = commit(recommended, "Tidy the charge code", {"payments/charge.py": "def charge(): 5\n"})
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("Passed") == 1  # one hooked stage ran
    assert recommended.git("log", "-1", "--format=%B") == "Tidy the charge code\n\n"


# --- pre-push -----------------------------------------------------------------------------------


def test_push_blocked(project: GitRepo) -> None:
    before = remote_head(project)
    proc = commit(project, f"Charge\n\n{AI_TRAILER}", {"payments/charge.py": "def charge(): 8\n"},
                  "--no-verify")
    assert proc.returncode == 0, proc.stdout
    proc = run(project, "git", "push", "origin", "main")
    assert proc.returncode != 0, proc.stdout
    assert remote_head(project) == before
    assert "payments" in proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout


def test_push_allowed(project: GitRepo) -> None:
    proc = commit(project, "Tidy", {"payments/charge.py": "def charge(): 9\n"})
    assert proc.returncode == 0, proc.stdout
    proc = run(project, "git", "push", "origin", "main")
    assert proc.returncode == 0, proc.stdout
    assert remote_head(project) == project.head()


def test_push_shows_what_ci_will_ask(project: GitRepo) -> None:
    proc = commit(project, f"Harden login\n\n{AI_TRAILER}",
                  {"src/auth/login.py": "def login(): 1\n", "tests/auth/test_login.py": "x = 1\n"})
    assert proc.returncode == 0, proc.stdout
    proc = run(project, "git", "push", "origin", "main")
    assert proc.returncode == 0, proc.stdout
    assert "review will be needed in CI" in proc.stdout
    assert "auth" in proc.stdout


def test_push_new_branch_blocked_then_deleted(project: GitRepo) -> None:
    project.git("switch", "-q", "-c", "feature")
    commit(project, "Human docs", {"docs/index.md": "# Feature\n"})
    proc = run(project, "git", "push", "origin", "feature")
    assert proc.returncode == 0, proc.stdout
    commit(project, f"Charge\n\n{AI_TRAILER}", {"payments/charge.py": "def charge(): 10\n"},
           "--no-verify")
    proc = run(project, "git", "push", "origin", "feature:feature2")
    assert proc.returncode != 0, proc.stdout
    assert remote_head(project, "feature2") == ""
    # Deleting a remote branch adds no change: it always passes.
    proc = run(project, "git", "push", "origin", ":feature")
    assert proc.returncode == 0, proc.stdout
    assert remote_head(project, "feature") == ""


def test_push_no_verify_bypasses(project: GitRepo) -> None:
    commit(project, f"Charge\n\n{AI_TRAILER}", {"payments/charge.py": "def charge(): 11\n"},
           "--no-verify")
    proc = run(project, "git", "push", "--no-verify", "origin", "main")
    assert proc.returncode == 0, proc.stdout


# --- the published manifest, installed the way users install it ---------------------------------


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """Let pre-commit build its virtualenv without a network: the venv sees this interpreter's
    site-packages (vetgate's dependencies are installed there) and pip neither downloads nor
    builds in isolation."""
    return {
        "VIRTUALENV_SYSTEM_SITE_PACKAGES": "true",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip reads "0" for --no-build-isolation as "true"
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }


def _snapshot_of_checkout(tmp_path: Path) -> tuple[Path, str]:
    """A throwaway repository holding this checkout's files as one commit (the working tree as it
    is, committed or not), so `repo:`/`rev:` can point at it."""
    snapshot = make_repo(tmp_path / "vetgate-snapshot")
    for name in ("src", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        source = CHECKOUT / name
        if source.is_dir():
            shutil.copytree(source, snapshot.path / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.egg-info", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, snapshot.path / name)
    return snapshot.path, snapshot.commit("snapshot")


@pytest.mark.slow
def test_published_hooks_install_and_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _offline_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    source, rev = _snapshot_of_checkout(tmp_path)
    repo = make_repo(tmp_path / "user-project")
    config = {"default_install_hook_types": ["commit-msg", "pre-push"],
              "repos": [{"repo": str(source), "rev": rev,
                         "hooks": [{"id": "vetgate"}, {"id": "vetgate-push"}]}]}
    repo.commit("Initial", {".vetgate.yaml": POLICY, "payments/charge.py": "x = 1\n",
                            ".pre-commit-config.yaml": yaml.safe_dump(config)})
    proc = run(repo, sys.executable, "-m", "pre_commit", "install-hooks")
    if proc.returncode != 0 and "No matching distribution" in proc.stdout:
        pytest.skip("pre-commit could not build the hook's virtualenv offline: "
                    + proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0, proc.stdout
    proc = run(repo, sys.executable, "-m", "pre_commit", "install")  # the default types
    assert proc.returncode == 0, proc.stdout

    before = repo.head()
    proc = commit(repo, f"Charge\n\n{AI_TRAILER}", {"payments/charge.py": "x = 2\n"})
    assert proc.returncode != 0, proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout
    assert repo.head() == before

    repo.git("reset", "-q", "--hard")
    proc = commit(repo, "Human docs", {"docs/a.md": "a\n"}, env={"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    assert _declaration() in repo.git("log", "-1", "--format=%B")
