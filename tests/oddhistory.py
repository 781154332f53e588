"""Histories with every odd commit kind real repositories hold, built with real git.

Used by the log-stream tests and the audit's robustness tests: empty commits, mode-only changes,
submodule-only changes, octopus merges, a commit of 10,000+ files, non-UTF-8 messages and paths,
encoding headers, signatures, binary files, symlinks, renames, copies and deletions.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from conftest import GitRepo

_counter = [0]


def _tick() -> dict[str, str]:
    _counter[0] += 1
    ts = 1_700_000_000 + _counter[0] * 3_600
    return {"GIT_AUTHOR_DATE": f"{ts} +0000", "GIT_COMMITTER_DATE": f"{ts} +0000"}


def _n() -> int:
    _counter[0] += 1
    return _counter[0]


def _raw_commit(repo: GitRepo, headers: bytes, message: bytes) -> str:
    """Write a commit object by hand (git commit would repair what we want to keep odd)."""
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    parent = repo.head()
    ts = 1_700_000_000 + _n() * 3_600
    body = (f"tree {tree}\nparent {parent}\nauthor A <a@example.com> {ts} +0000\n"
            f"committer A <a@example.com> {ts} +0000\n").encode() + headers + b"\n" + message
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=body).strip()
    repo.git("update-ref", "HEAD", sha)
    return sha


def empty(repo: GitRepo) -> None:
    repo.commit("chore: empty", allow_empty=True, env=_tick())


def plain(repo: GitRepo) -> None:
    n = _n()
    repo.commit(f"feat: plain {n}", {f"src/m{n % 5}.py": f"x = {n}\ny = {n}\n"}, env=_tick())


def fix(repo: GitRepo) -> None:
    n = _n()
    repo.commit(f"fix: plain {n}", {f"src/m{n % 5}.py": f"x = {n}\ny = 0\n"}, env=_tick())


def mode_only(repo: GitRepo) -> None:
    path = repo.path / "tool.sh"
    if not path.exists():
        repo.commit("feat: tool", {"tool.sh": "echo hi\n"}, env=_tick())
    path.chmod(path.stat().st_mode ^ 0o111)
    repo.commit("chore: mode only", env=_tick())


def submodule_only(repo: GitRepo) -> None:
    sha = f"{_n():040x}"
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/sub")
    repo.git("commit", "-q", "--no-verify", "-m", "chore: bump submodule", env=_tick())


def octopus(repo: GitRepo) -> None:
    n = _n()
    base = repo.head()
    heads = []
    for arm in range(3):
        repo.git("checkout", "-q", "-b", f"arm{n}-{arm}", base)
        heads.append(repo.commit(f"feat: arm {n}.{arm}", {f"arms/{n}-{arm}.py": f"a = {arm}\n"},
                                 env=_tick()))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"Merge octopus {n}", *heads, env=_tick())


def many_files(repo: GitRepo, count: int = 10_001) -> None:
    """One commit adding ``count`` files, written by one ``git fast-import`` (not ``count`` file
    writes and an ``add -A``), then checked out so the work tree and index match HEAD."""
    n = _n()
    ts = _tick()["GIT_COMMITTER_DATE"]
    who = f"{os.environ['GIT_COMMITTER_NAME']} <{os.environ['GIT_COMMITTER_EMAIL']}> {ts}"
    message = f"chore: {count} files\n".encode()
    branch = repo.git("symbolic-ref", "HEAD").strip()
    stream = [f"commit {branch}\n".encode(), f"author {who}\n".encode(),
              f"committer {who}\n".encode(), b"data %d\n" % len(message), message,
              f"from {repo.head()}\n".encode()]
    for i in range(count):
        data = f"{i}\n".encode()
        stream.append(f"M 100644 inline bulk{n}/f{i}.txt\ndata {len(data)}\n".encode() + data)
    repo.git("fast-import", "--quiet", "--force", input=b"".join(stream) + b"\n")
    repo.git("reset", "-q", "--hard", "HEAD")


def latin1_message(repo: GitRepo) -> None:
    _raw_commit(repo, b"", b"feat: caf\xe9 au lait (no encoding header)\n")


def encoding_header(repo: GitRepo) -> None:
    _raw_commit(repo, b"encoding ISO-8859-1\n", b"fix: d\xe9j\xe0 vu\n")


def signed(repo: GitRepo) -> None:
    signature = (b"gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n"
                 b" -----END PGP SIGNATURE-----\n")
    _raw_commit(repo, signature, b"feat: signed\n")


def odd_paths(repo: GitRepo) -> None:
    n = _n()
    names = [f"My App {n}/x.swift", f"tab\t{n}.py", f"new\nline{n}.py", f'"q{n}".py',
             os.fsdecode(b"caf\xe9" + str(n).encode() + b".py"), f"-dash{n}.py",
             f"\x01mark{n}.py", f"0\t0\tnumstat{n}.py"]
    repo.commit("feat: odd paths", dict.fromkeys(names, "a = 1\nb = 1\n"), env=_tick())
    repo.commit("fix: odd paths", dict.fromkeys(names, "a = 1\nb = 2\n"), env=_tick())


def binary_and_symlink(repo: GitRepo) -> None:
    n = _n()
    repo.write(f"bin{n}.dat", bytes(range(256)))
    link = repo.path / f"link{n}"
    os.symlink("src", link)
    repo.commit("feat: binary and symlink", env=_tick())


def rename_and_copy(repo: GitRepo) -> None:
    n = _n()
    content = "".join(f"line {i}\n" for i in range(40))
    repo.commit("feat: source", {f"r{n}.py": content}, env=_tick())
    repo.git("mv", f"r{n}.py", f"moved{n}.py")
    repo.write(f"copy{n}.py", content)
    repo.commit("refactor: move and copy", env=_tick())
    repo.commit("chore: delete copy", remove=[f"copy{n}.py"], env=_tick())


def revert(repo: GitRepo) -> None:
    n = _n()
    sha = repo.commit(f"feat: to revert {n}", {f"rv{n}.py": "r = 1\n"}, env=_tick())
    repo.git("revert", "--no-edit", sha, env=_tick())


KINDS: dict[str, Callable[[GitRepo], None]] = {
    "empty": empty, "plain": plain, "fix": fix, "mode_only": mode_only,
    "submodule_only": submodule_only, "octopus": octopus, "latin1_message": latin1_message,
    "encoding_header": encoding_header, "signed": signed, "odd_paths": odd_paths,
    "binary_and_symlink": binary_and_symlink, "rename_and_copy": rename_and_copy,
    "revert": revert,
}


def build(repo: GitRepo, kinds: list[str]) -> None:
    """Start with one plain commit, then one of each named kind in order."""
    plain(repo)
    for kind in kinds:
        KINDS[kind](repo)
