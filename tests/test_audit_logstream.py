"""The one parser of git's ``-z`` log streams, on every odd commit kind, the real bundle and
random sequences of odd commits; and the audit on all of them (issue 17, item 14)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oddhistory
from conftest import GitRepo, make_repo
from vetgate.changes import history
from vetgate.changes._parse import LogStreamError, log_format, parse_log_stream
from vetgate.changes.commits import log_commits
from vetgate.changes.history import RevisionSelection
from vetgate.errors import VetgateError
from vetgate.main import main

ALL = RevisionSelection()


def _rev_list(repo: GitRepo, *args: str) -> list[str]:
    return repo.git("rev-list", *args, "HEAD").split()


def _check_streams(repo: GitRepo) -> None:
    """Every stream vetgate parses names exactly the commits git names, with the right files."""
    root = str(repo.path)
    non_merges = _rev_list(repo, "--no-merges")
    assert [e.sha for e in history.iter_log(root, ALL)] == non_merges
    assert [e.sha for e in history.iter_log(root, ALL, merges=True)] == _rev_list(repo)
    streamed = list(history.iter_history(root, ALL))
    assert [c.commit.sha for c in streamed] == non_merges
    for item in streamed:
        names = subprocess.run(
            ["git", "diff-tree", "-r", "-z", "--root", "-M", "--name-only", "--no-commit-id",
             item.commit.sha or ""], cwd=root, capture_output=True, check=True).stdout
        expected = [os.fsdecode(name) for name in names.split(b"\0") if name]
        assert sorted(f.path for f in item.files) == sorted(expected)
    facts = history.commit_facts(root, _rev_list(repo))
    assert set(facts) == set(_rev_list(repo))
    assert [c.sha for c in log_commits(root, ["HEAD"])] == _rev_list(repo)


def _audit_ok(repo: GitRepo, *args: str) -> dict[str, object]:
    out = repo.path.parent / "audit.json"
    assert main(["audit", "-C", str(repo.path), "--format", "json", "--output", str(out),
                 "--progress", "never", *args]) == 0
    data: dict[str, object] = json.loads(out.read_text())
    return data


def test_every_odd_commit_kind(repo: GitRepo) -> None:
    oddhistory.build(repo, list(oddhistory.KINDS))
    _check_streams(repo)
    data = _audit_ok(repo)
    assert data["commits"] == len(_rev_list(repo, "--no-merges"))
    first_parent = len(_rev_list(repo, "--first-parent"))
    for n in range(1, first_parent):
        _audit_ok(repo, f"HEAD~{n}..HEAD")


def test_a_commit_of_ten_thousand_files(repo: GitRepo) -> None:
    oddhistory.plain(repo)
    oddhistory.many_files(repo, 10_001)
    oddhistory.fix(repo)
    streamed = list(history.iter_history(str(repo.path), ALL))
    assert [len(c.files) for c in streamed] == [1, 10_001, 1]
    assert _audit_ok(repo)["commits"] == 3


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(oddhistory.KINDS)), min_size=1, max_size=8))
def test_random_sequences_of_odd_commits(tmp_path: Path, kinds: list[str]) -> None:
    folder = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    repo = make_repo(folder)
    oddhistory.build(repo, kinds)
    _check_streams(repo)
    _audit_ok(repo)


@pytest.mark.parametrize("stream", [
    [b"junk"],
    [b"\x01" + b"a" * 40, b"\nZZ", b"path"],
    [b"\x01not-a-sha"],
    [b"\x01" + b"a" * 40, b"\n1\t2\t", b"old"],  # a rename whose new path never came
    [b"\x01" + b"a" * 40, b"\nM", b"p", b""],  # an empty record that follows no header
])
def test_an_unexpected_token_is_a_bug_not_undecided(stream: list[bytes]) -> None:
    with pytest.raises(LogStreamError, match="bug in vetgate"):
        list(parse_log_stream(stream))
    assert not issubclass(LogStreamError, VetgateError)  # main() ends it with exit 3


def test_header_fields() -> None:
    sha = "b" * 40
    records = list(parse_log_stream([f"\x01{sha}\x02{'c' * 40}\x021700000000".encode(),
                                     b"\n3\t1\ta b.py", b"-\t-\tbin", b"0\t0\t", b"old",
                                     b"new"], width=2))
    assert records[0].sha == sha and records[0].fields == ("c" * 40, "1700000000")
    assert [(f.path, f.old_path, f.added, f.removed, f.binary) for f in records[0].files] == [
        ("a b.py", None, 3, 1, False), ("bin", None, 0, 0, True), ("new", "old", 0, 0, False)]
    assert log_format("%P") == "--format=%x01%H%x02%P"


def test_damaged_clone_names_the_missing_object(repo: GitRepo, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    oddhistory.plain(repo)
    oddhistory.fix(repo)
    clone = tmp_path / "damaged"
    repo.git("clone", "-q", "--no-local", str(repo.path), str(clone))
    damaged = GitRepo(clone)
    blob = damaged.git("rev-parse", "HEAD~1:src/m" + _m(damaged) + ".py").strip()
    _drop_object(clone, blob)
    assert main(["audit", "-C", str(clone), "--progress", "never"]) == 2
    err = capsys.readouterr().err
    assert f"this repository lacks the object {blob} that git needs here" in err
    assert "git fetch --refetch" in err and "Traceback" not in err


def test_partial_clone_whose_remote_is_gone(repo: GitRepo, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    oddhistory.plain(repo)
    oddhistory.fix(repo)
    oddhistory.fix(repo)
    repo.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    repo.git("clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{repo.path}",
             str(clone))
    shutil.rmtree(repo.path)
    assert main(["audit", "-C", str(clone), "--progress", "never"]) == 2
    err = capsys.readouterr().err
    assert "this repository lacks the object " in err and "partial clone" in err


def _m(repo: GitRepo) -> str:
    names = repo.git("show", "--name-only", "--format=", "HEAD~1").split()
    return names[0].removeprefix("src/m").removesuffix(".py")


def _drop_object(clone: Path, sha: str) -> None:
    """Remove one object from a clone: unpack everything loose, then delete that file."""
    objects = clone / ".git" / "objects"
    packs = list((objects / "pack").glob("*.pack"))
    for pack in packs:
        data = pack.read_bytes()
        for item in (objects / "pack").glob(pack.stem + ".*"):
            item.chmod(0o644)
            item.unlink()
        subprocess.run(["git", "unpack-objects", "-q"], cwd=clone, input=data, check=True)
    (objects / sha[:2] / sha[2:]).chmod(0o644)
    (objects / sha[:2] / sha[2:]).unlink()


def _corpus() -> Path | None:
    override = os.environ.get("VETGATE_SHARED_DIR")
    shared = Path(override) if override else Path(__file__).resolve().parents[1].parent / "shared"
    bundle = shared / "corpus" / "claude-code-action.bundle"
    return bundle if bundle.is_file() else None


@pytest.fixture(scope="module")
def bundle_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bundle = _corpus()
    if bundle is None:
        pytest.skip("../shared/corpus/claude-code-action.bundle is absent (a fresh clone of the "
                    "project has no shared corpus beside it)")
    clone = tmp_path_factory.mktemp("bundle") / "cca"
    subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True)
    return clone


def test_streams_on_the_real_bundle(bundle_clone: Path) -> None:
    _check_streams(GitRepo(bundle_clone))


@pytest.mark.parametrize("n", [1, 2, 7, 50, 200, 400, 741])
def test_audit_of_the_real_bundle(bundle_clone: Path, n: int,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(bundle_clone), f"HEAD~{n}..HEAD", "--format", "json",
                 "--progress", "never"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = subprocess.run(["git", "rev-list", "--no-merges", "--count", f"HEAD~{n}..HEAD"],
                              cwd=bundle_clone, capture_output=True, text=True, check=True)
    assert data["commits"] == int(expected.stdout)
