"""The command line explains itself: every command has a description, every option and
positional has help text, the top-level help gives the exit codes, `hook NAME --help` works, and
an option before the command gets one clean error (issue 14)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

from vetgate.cli import build_parser
from vetgate.main import main


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse._SubParsersAction]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield action


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
          ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the command line with the words that reach it."""
    yield path, parser
    for action in _subparsers(parser):
        for name, child in action.choices.items():
            yield from _walk(child, (*path, name))


COMMANDS = [words for words, _ in _walk(build_parser()) if words]


def test_the_walk_reaches_every_command_and_hook() -> None:
    assert ("check",) in COMMANDS and ("audit",) in COMMANDS
    assert {w for w in COMMANDS if w[0] == "hook" and len(w) == 2} == {
        ("hook", "prepare-commit-msg"), ("hook", "commit-msg"), ("hook", "pre-push")}


@pytest.mark.parametrize("words", [(), *COMMANDS], ids=lambda w: " ".join(w) or "vetgate")
def test_every_argument_has_help_and_every_command_a_description(words: tuple[str, ...]) -> None:
    parser = dict(_walk(build_parser()))[words]
    if words:
        assert parser.description, f"`vetgate {' '.join(words)}` has no description"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"{' '.join(words)} {choice.dest}: no help"
        name = "/".join(action.option_strings) or str(action.metavar or action.dest)
        assert action.help and action.help != argparse.SUPPRESS, (
            f"`vetgate {' '.join(words)}`: {name} has no help text")


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_of_every_command_exits_0(words: tuple[str, ...],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*words, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: vetgate {' '.join(words)}")


def test_top_level_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for line in ("  0  pass (warnings allowed)", "  1  the policy blocks the change",
                 "  2  vetgate could not decide", "  3  a bug in vetgate"):
        assert line in out


@pytest.mark.parametrize("name", ["prepare-commit-msg", "commit-msg", "pre-push"])
def test_hook_help_describes_the_hook(name: str, tmp_path: object) -> None:
    # Outside any repository and with no message file: --help must not try to run the hook.
    proc = subprocess.run([sys.executable, "-m", "vetgate", "hook", name, "--help"],
                          capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: vetgate hook {name}")
    assert proc.stderr == ""
    assert "FILE" in proc.stdout or "REMOTE" in proc.stdout


def test_option_before_the_command_is_one_clean_error(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert main(["--policy", "x.yaml", "check"]) == 2
    err = capsys.readouterr().err
    assert err == ("vetgate: error: --policy goes after the command, e.g. `vetgate check "
                   "--policy ...`: only -C, --version and --help come before it (see `vetgate "
                   "--help`)\n")


def test_argparse_errors_carry_one_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vetgate: error: argument --format: invalid choice: 'pdf'")
    assert err.count("vetgate: error:") == 1 and "vetgate: error: vetgate" not in err
    assert err.rstrip().endswith("(see `vetgate check --help`)")
    assert main(["-C", ".", "frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
