"""Typed dispatch and `-C` without a global chdir (issue 12 item 6): one table of commands and one
of report formats; `-C DIR` takes relative file arguments from DIR and leaves the process's
working directory alone."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
from pathlib import Path

import pytest

from adversarial.harness import CLAUDE_TRAILER as CLAUDE
from adversarial.harness import PAYMENTS_POLICY as POLICY
from conftest import GitRepo
from vetgate import cli, report
from vetgate.main import main


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_has_a_runner_and_every_option_a_parameter() -> None:
    commands = _commands()
    assert set(commands) == set(cli.COMMANDS)
    for name, parser in commands.items():
        module = importlib.import_module(f"vetgate.commands.{name.replace('-', '_')}")
        parameters = set(inspect.signature(module.run).parameters)
        dests = {a.dest for a in parser._actions
                 if a.dest != "help" and not isinstance(a, argparse._SubParsersAction)}
        if name == "hook":
            dests |= {"hook_name", "hook_args"}
        assert dests <= parameters, (name, dests - parameters)
        assert set(cli.PATH_OPTIONS.get(name, ())) <= dests, name


def test_report_formats_are_one_table() -> None:
    assert tuple(report.RENDERERS) == report.FORMATS
    check = _commands()["check"]
    (fmt,) = [a for a in check._actions if a.dest == "format"]
    assert tuple(fmt.choices or ()) == report.FORMATS


def test_no_string_lookup_of_modules_in_dispatch() -> None:
    for module in (cli, report):
        assert "importlib" not in Path(inspect.getfile(module)).read_text(encoding="utf-8")


@pytest.fixture
def blocked(repo: GitRepo) -> str:
    base = repo.commit("init", {".vetgate.yaml": POLICY, "README": "x\n",
                                "loose.yaml": POLICY.replace("payments/**", "docs/**")})
    repo.commit(f"charge\n\n{CLAUDE}\n", {"payments/a.py": "a = 1\n"})
    return base


def test_dash_c_takes_relative_files_from_dir_and_keeps_the_cwd(
        repo: GitRepo, blocked: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code = main(["-C", str(repo.path), "check", "--base", blocked, "--policy", "loose.yaml",
                 "--format", "json", "--output", "out.json", "--report", "sarif=out.sarif"])
    assert code == 0  # the loose policy from DIR judged, not a file of the cwd
    assert os.getcwd() == str(elsewhere)
    data = json.loads((repo.path / "out.json").read_text(encoding="utf-8"))
    assert data["policy_files"] == ["loose.yaml"]
    assert (repo.path / "out.sarif").is_file()
    assert not (elsewhere / "out.json").exists()

    assert main(["check", "-C", str(repo.path), "--base", blocked]) == 1
    assert os.getcwd() == str(elsewhere)
    capsys.readouterr()


def test_dash_c_twice_is_the_second_seen_from_the_first(repo: GitRepo, blocked: str,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.path.parent)
    (repo.path / "sub").mkdir()
    code = main(["-C", repo.path.name, "check", "-C", "sub", "--base", blocked, "--format",
                 "json", "--output", "r.json"])
    assert code == 1
    assert (repo.path / "sub" / "r.json").is_file()


def test_missing_dash_c_directory_is_one_clean_error(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main(["-C", str(missing), "check"]) == 2
    assert capsys.readouterr().err == f"vetgate: error: -C {missing}: no such directory\n"


def test_hook_message_file_is_taken_from_dash_c(repo: GitRepo, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("init", {".vetgate.yaml": POLICY, "README": "x\n"})
    repo.write("payments/a.py", "a = 1\n")
    repo.git("add", "-A")
    (repo.path / "MSG").write_text(f"charge\n\n{CLAUDE}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["hook", "-C", str(repo.path), "commit-msg", "MSG"]) == 1
    assert "payments" in capsys.readouterr().out
