"""The docs agree with the code: hook ids, commands and the README's two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from vetgate.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _hooks() -> list[dict[str, object]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def test_every_hook_id_is_in_the_readme_and_the_hooks_doc() -> None:
    hooks_doc = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    for hook in _hooks():
        assert f"id: {hook['id']}" in README, hook["id"]
        assert f"`{hook['id']}`" in hooks_doc, hook["id"]


def test_published_hooks_follow_the_mechanics() -> None:
    for hook in _hooks():
        assert hook["always_run"] is True
        assert hook["minimum_pre_commit_version"] == "3.2.0"
        assert str(hook["entry"]).startswith("vetgate hook ")
        # The message hooks need pre-commit's one filename (the message file); pre-push lists
        # the pushed commits from git, never from pre-commit's (working-tree) file list.
        expected = hook["stages"] != ["pre-push"]
        assert hook["pass_filenames"] is expected, hook["id"]


def test_the_project_runs_the_recommended_hooks_on_itself() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    local = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert {"vetgate", "vetgate-push"} <= set(local)
    assert "prepare-commit-msg" not in config["default_install_hook_types"]  # one stage
    for hook in _hooks():
        if hook["id"] not in local:
            continue
        mine = local[str(hook["id"])]
        assert mine["stages"] == hook["stages"]
        assert mine["pass_filenames"] == hook["pass_filenames"]
        assert str(mine["entry"]).endswith(str(hook["entry"]).removeprefix("vetgate"))


def test_readme_shows_the_two_setup_commands() -> None:
    assert "pip install . && vetgate check --base HEAD~1" in README
    assert "pip install -e '.[test]' && pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[test]'" in ci and "pytest" in ci


def test_every_command_is_documented_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        if name == "hook":
            continue  # called by the hooks, documented in docs/hooks.md
        assert re.search(rf"vetgate {re.escape(name)}\b", README), name


def test_documented_links_exist() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), target
