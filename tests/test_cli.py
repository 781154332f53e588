from __future__ import annotations

import subprocess
import sys

import pytest

from vetgate.main import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("vetgate ")


def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vetgate: error: ")
    assert "--no-such-flag" in err
    assert "Traceback" not in err


def test_no_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "required" in capsys.readouterr().err


def test_python_dash_m() -> None:
    proc = subprocess.run([sys.executable, "-m", "vetgate", "--version"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.startswith("vetgate ")
