"""Property test: any file name git accepts round-trips exactly through ``staged_change``."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import make_repo
from vetgate.changes.pending import staged_change

# One path segment: any Unicode text without NUL and '/' (git's separators) and without lone
# surrogates (not encodable as UTF-8, so not a name git could be given).
segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/"),
    min_size=1, max_size=12,
).filter(lambda s: s not in (".", "..") and s.lower().rstrip(" .") not in (".git", "git~1"))
path = st.lists(segment, min_size=1, max_size=3).map("/".join)


def _no_file_dir_clash(paths: list[str]) -> bool:
    return not any(other.startswith(p + "/") for p in paths for other in paths)


def test_any_name_round_trips_through_staged_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "names")
    blob = repo.git("hash-object", "-w", "--stdin", input=b"content\n").strip()

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(path, min_size=1, max_size=4, unique=True).filter(_no_file_dir_clash))
    def check(names: list[str]) -> None:
        repo.git("read-tree", "--empty")
        info = b"".join(b"100644 " + blob.encode() + b"\t" + name.encode() + b"\0"
                        for name in names)
        repo.git("update-index", "--add", "-z", "--index-info", input=info, check=False)
        listed = repo.git("ls-files", "-z").split("\0")[:-1]
        assume(sorted(listed) == sorted(names))  # git refused none of them
        change = staged_change(str(repo.path))
        assert sorted(f.path for f in change.files) == sorted(names)
        assert {f.status for f in change.files} == {"A"}
        assert change.commits[0].paths == frozenset(names)

    check()
