"""`vetgate audit` end to end: the real Classifier, the real policy loader, exit codes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from conftest import GitRepo
from conftest import at_day as _at
from vetgate.audit.progress import Progress, format_duration
from vetgate.commands.audit import parse_window
from vetgate.errors import UsageError
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
POLICY = """\
version: 1
rules:
  - id: auth
    paths: ["src/auth/**"]
    require: {review: {count: 1}}
"""


@pytest.fixture
def history(repo: GitRepo) -> dict[str, str]:
    repo.write(".vetgate.yaml", POLICY)
    shas = {"base": repo.commit("chore: policy and base", {"src/auth/a.py": "a = 1\nb = 2\n"},
                                env=_at(0))}
    shas["ai"] = repo.commit(f"feat: auth tweak\n\n{CLAUDE}", {"src/auth/a.py": "a = 1\nb = 3\n"},
                             env=_at(1))
    shas["declared"] = repo.commit("feat: by hand\n\nAI-Assisted: no", {"src/x.py": "x = 1\n"},
                                   env=_at(2))
    shas["fix"] = repo.commit("fix: b must be 2 again", {"src/auth/a.py": "a = 1\nb = 2\n"},
                              env=_at(3))
    return shas


def test_json_report_with_the_real_classifier(history: dict[str, str], repo: GitRepo,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "audit.json"
    code = main(["audit", "-C", str(repo.path), "--format", "json", "--output", str(out),
                 "--progress", "never"])
    assert code == 0
    assert capsys.readouterr().err == ""
    data = json.loads(out.read_text())
    assert data["commits"] == 4
    assert data["origins"]["ai"]["commits"] == 1 and data["origins"]["ai"]["fix_inducing"] == 1
    assert data["origins"]["human"]["commits"] == 1  # the explicit declaration
    assert data["origins"]["unknown"]["commits"] == 2
    assert data["failures"] == [{"sha": history["ai"], "origin": "ai", "signal": "fix_inducing",
                                 "by": history["fix"], "hours": 48.0, "rules": ["auth"]}]
    assert data["rules"]["auth"]["ai"]["failed"] == 1
    assert data["counted"]["human"]["commits"] == 3
    assert data["policy_files"] == [".vetgate.yaml"]


def test_html_report_is_self_contained(history: dict[str, str], repo: GitRepo,
                                       tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    assert main(["audit", "-C", str(repo.path), "--format", "html", "--output", str(out)]) == 0
    page = out.read_text()
    assert "<svg" in page and "</html>" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower()


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_formats_to_stdout(history: dict[str, str], repo: GitRepo, fmt: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(repo.path), "--format", fmt, "--szz", "b"]) == 0
    out = capsys.readouterr().out
    assert "B-SZZ" in out and "proxy for DORA" in out


def test_empty_repository_exits_2(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert err == ("vetgate: error: this repository has no commits yet (HEAD is unborn): there "
                   "is no history to audit; commit something first\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch..HEAD"], "bad revision range 'nosuch..HEAD'"),
        (["--window", "soon"], "--window 'soon': give a number of days or weeks"),
        (["--fix-pattern", "(unclosed"], "--fix-pattern '(unclosed' is not a valid regular"),
        (["--since", "whenever"], "--since 'whenever' is not a date vetgate reads; use "
                                  "YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], @UNIX-SECONDS, "
                                  "now, or 'N seconds|minutes|hours|days|weeks|months|years ago'"),
        (["--since", "2026-13-45"], "--since '2026-13-45' is not a date (month must be in 1..12)"),
        (["--until", "2026-02-30"], "--until '2026-02-30' is not a date (day is out of range"),
        (["--since", "2026-01-01T25:00"], "--since '2026-01-01T25:00' is not a date (hour must"),
        (["--since", "2026-01-01T10:00+25:00"], "the time zone '+25:00' is not a UTC offset"),
        (["--since", "3 fortnights ago"], "--since '3 fortnights ago' is not a date vetgate reads"),
        (["--since", "2024-02-01", "--until", "2024-01-01"],
         "--since '2024-02-01' is after --until '2024-01-01': no commit can lie between them"),
        (["--window", "99999999d"], "--window '99999999d': the window may be at most 36,500 days"),
        (["--policy", "missing.yaml"], "missing.yaml"),
    ],
)
def test_bad_input_exits_2_with_one_line(history: dict[str, str], repo: GitRepo,
                                         args: list[str], message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(repo.path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_not_a_repository_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(tmp_path)]) == 2
    assert ("is not inside a git repository; run vetgate from a repository, or a bare or mirror "
            "clone") in capsys.readouterr().err


def test_since_until_select_history(history: dict[str, str], repo: GitRepo,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(repo.path), "--format", "json",
                 "--since", "2023-11-15T12:00:00Z", "--until", "2023-11-16T23:00:00Z"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["commits"] == 2 and data["since"] == "2023-11-15T12:00:00Z"


def test_progress_always_off_a_terminal_writes_plain_lines(history: dict[str, str],
                                                          repo: GitRepo,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    assert main(["audit", "-C", str(repo.path), "--progress", "always", "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err
    assert "vetgate audit: blaming fixes: 1/1 fixes (100%" in err
    assert all(line.startswith("vetgate") for line in err.splitlines())
    assert main(["audit", "-C", str(repo.path), "--format", "json"]) == 0  # auto, not a tty
    assert capsys.readouterr().err == ""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_modes() -> None:
    assert Progress("auto", Tty()).enabled
    assert not Progress("auto", io.StringIO()).enabled
    assert not Progress("never", Tty()).enabled
    assert Progress("always", io.StringIO()).enabled
    stream = Tty()
    progress = Progress("always", stream, columns=80)
    progress.update("one", force=True)
    progress.update("two words", force=True)
    progress.update("x", force=True)
    progress.done()
    assert stream.getvalue() == ("\rvetgate audit: one\rvetgate audit: two words"
                                 "\rvetgate audit: x        \n")


def test_terminal_bar_shows_rate_and_eta() -> None:
    stream, clock = Tty(), Clock()
    progress = Progress("auto", stream, clock=clock, columns=120)
    progress.step("classifying", 0, 10_000)
    clock.now += 4.0
    progress.step("classifying", 4_000, 10_000)
    clock.now += 0.05  # throttled: within a tenth of a second
    progress.step("classifying", 4_100, 10_000)
    clock.now += 6.0
    progress.step("classifying", 10_000, 10_000)
    progress.done()
    frames = stream.getvalue().split("\r")[1:]
    assert [f.rstrip() for f in frames] == [
        "vetgate audit: classifying [....................]   0% 0/10,000 commits",
        "vetgate audit: classifying [########............]  40% 4,000/10,000 commits  1,000/s"
        "  ETA 0:06",
        "vetgate audit: classifying [####################] 100% 10,000/10,000 commits  995/s"
        "  ETA 0:00",
    ]
    assert stream.getvalue().endswith("\n")


def test_terminal_bar_fits_the_terminal_and_counts_without_a_total() -> None:
    stream, clock = Tty(), Clock()
    progress = Progress("auto", stream, clock=clock, columns=40)
    progress.step("scanning history", 100)
    clock.now += 2.0
    progress.step("scanning history", 5_000)
    frames = stream.getvalue().split("\r")[1:]
    assert frames[0] == "vetgate audit: scanning history 100 com"
    assert all(len(f) <= 39 for f in frames)


def test_plain_lines_start_every_ten_seconds_and_end_each_phase() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("always", stream, clock=clock)
    for second in range(25):
        progress.step("classifying", second * 100, 2_500)
        clock.now += 1.0
    progress.step("blaming fixes", 1, 3, unit="fixes")
    clock.now += 1.0
    progress.step("blaming fixes", 3, 3, unit="fixes")
    progress.done()
    assert stream.getvalue() == (
        "vetgate audit: classifying: 0/2,500 commits (0%)\n"
        "vetgate audit: classifying: 1,000/2,500 commits (40%, 100 commits/s, ETA 0:15)\n"
        "vetgate audit: classifying: 2,000/2,500 commits (80%, 100 commits/s, ETA 0:05)\n"
        "vetgate audit: classifying: 2,400/2,500 commits (96%, 100 commits/s, ETA 0:01)\n"
        "vetgate audit: blaming fixes: 1/3 fixes (33%)\n"
        "vetgate audit: blaming fixes: 3/3 fixes (100%, 3 fixes/s)\n"
    )


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 4.6, 65, 3723)] == ["0:00", "0:05", "1:05",
                                                                "1:02:03"]


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("90", 90), ("12w", 84), ("7 days", 7),
                                            (None, None)])
def test_parse_window(text: str | None, days: int | None) -> None:
    assert parse_window(text) == days


@pytest.mark.parametrize("text", ["0d", "-5d", "3m", "d", "1.5d"])
def test_parse_window_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="--window"):
        parse_window(text)


def test_audit_never_writes_git_config(history: dict[str, str], repo: GitRepo) -> None:
    config = repo.path / ".git" / "config"
    before = config.read_bytes()
    assert main(["audit", "-C", str(repo.path), "--format", "json", "--output", "/dev/null"]) == 0
    assert config.read_bytes() == before
    assert not (repo.path / ".git" / "objects" / "info" / "commit-graph").exists()


def test_shallow_clone_is_refused_with_the_remedy(history: dict[str, str], repo: GitRepo,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    clone = tmp_path / "depth1"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    assert main(["audit", "-C", str(clone), "--format", "json"]) == 2
    assert capsys.readouterr().err == (
        "vetgate: error: this clone is shallow (its history is cut off at 1 commit): fixes of "
        "older code cannot be blamed and the figures would be too low; fetch the whole history "
        "(`git fetch --unshallow`; in CI `fetch-depth: 0` for actions/checkout or `GIT_DEPTH: 0` "
        "on GitLab), or pass --allow-shallow to audit only the history in hand\n"
    )


def test_shallow_clone_on_request_is_said(history: dict[str, str], repo: GitRepo,
                                          tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone))
    assert main(["audit", "-C", str(clone), "--format", "json", "--allow-shallow"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["commits"] == 2 and data["method"]["shallow"] is True
    assert any("Shallow clone" in note for note in data["method"]["notes"])


@pytest.mark.parametrize(
    ("since", "until", "commits"),
    [("2023-11-15", None, 3), (None, "2023-11-16", 3), ("@1700086400", "@1700172800", 2),
     ("2023-11-15T22:13:20+00:00", "2023-11-16T23:13:20+01:00", 2), ("now", None, 0),
     ("100 years ago", None, 4), ("100.years.ago", None, 4)],
)
def test_accepted_date_forms(history: dict[str, str], repo: GitRepo, since: str | None,
                             until: str | None, commits: int,
                             capsys: pytest.CaptureFixture[str]) -> None:
    args = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    assert main(["audit", "-C", str(repo.path), "--format", "json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["commits"] == commits and data["since"] == since and data["until"] == until


def test_commit_graph_is_offered_and_written_only_when_asked(
        history: dict[str, str], repo: GitRepo, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vetgate.audit import pipeline

    monkeypatch.setattr(pipeline, "MANY_FIXES", 1)
    graph = repo.path / ".git" / "objects" / "info" / "commit-graph"
    # The forward pass settles every fix, with a window or without: no blame for a commit-graph
    # to speed.
    for window in ([], ["--window", "90d"]):
        assert main(["audit", "-C", str(repo.path), "--format", "json", "--jobs", "1",
                     *window]) == 0
        assert "commit-graph" not in capsys.readouterr().err
    # A shallow clone: every fix is blamed with git blame.
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone))
    assert main(["audit", "-C", str(clone), "--format", "json", "--jobs", "1",
                 "--allow-shallow"]) == 0
    err = capsys.readouterr().err
    assert "one with changed-path filters made blame about 2x faster" in err
    assert "add --write-commit-graph" in err and not graph.exists()
    assert main(["audit", "-C", str(repo.path), "--format", "json",
                 "--write-commit-graph"]) == 0
    assert "wrote a commit-graph" in capsys.readouterr().err and graph.exists()
    assert main(["audit", "-C", str(repo.path), "--jobs", "0"]) == 2
    assert "--jobs 0: give 1 (serial) to 256 blame workers" in capsys.readouterr().err


def test_shallow_fix_at_the_cut_counts_as_without_parent(repo: GitRepo, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """The fix whose parent a shallow clone cut off is shown by git as a root commit: it cannot
    be blamed, and the audit says so instead of asking git for the missing parent."""
    repo.commit("add f", {"f.py": "a = 1\nb = 2\n"})
    repo.commit("fix: b in f", {"f.py": "a = 1\nb = 3\n"})
    clone = tmp_path / "cut-at-the-fix"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    assert main(["audit", "-C", str(clone), "--format", "json", "--allow-shallow"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["commits"] == 1
    assert data["method"]["fixes"] == {"total": 1, "blamed": 0, "ghost": 0, "data_only": 0,
                                       "without_parent": 1}
