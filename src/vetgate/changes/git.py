"""Running git. Every git process vetgate starts goes through ``run_git``."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO

from vetgate.errors import GitError
from vetgate.records import frozen

# Settings that keep git's output machine-readable whatever the user's config says.
_NO_GIT = "git is not installed or not on PATH; install git and try again"

_STABLE_CONFIG = (
    "-c", "core.quotepath=false",
    "-c", "color.ui=false",
    "-c", "diff.noprefix=false",
    "-c", "log.showSignature=false",
    "-c", "i18n.logOutputEncoding=UTF-8",
)


# What git says when an object it needs is not in the repository (a damaged clone, or a partial
# clone whose promisor remote cannot supply it).
_MISSING_OBJECT = re.compile(
    r"(?:unable to read|bad object|could not read|missing (?:blob|tree|commit) object|"
    r"could not fetch|bad tree object|invalid object|did not find object)\s+'?"
    r"([0-9a-f]{40}(?:[0-9a-f]{24})?)",
    re.IGNORECASE,
)


def missing_object_id(stderr: str) -> str | None:
    """The id of the object git complains the repository lacks; None for any other failure."""
    match = _MISSING_OBJECT.search(stderr)
    return match.group(1) if match else None


def missing_object(stderr: str) -> str | None:
    """The message for git's complaint about an object the repository lacks; None otherwise."""
    oid = missing_object_id(stderr)
    return None if oid is None else missing_object_message(oid)


def missing_object_message(oid: str, reading: str = "") -> str:
    """The one wording for an object the repository lacks (``reading``: what vetgate was
    reading when it found out, said first)."""
    return (
        f"{reading + ': ' if reading else ''}this repository lacks the object {oid} that git "
        "needs here (a partial clone whose remote cannot supply it, or a damaged clone); fetch "
        "it in full (`git fetch --refetch`, or clone without --filter) or run `git fsck` to see "
        "what is lost"
    )


def _failure(args: Sequence[str], stderr: bytes, returncode: int) -> GitError:
    text = stderr.decode("utf-8", "replace").strip()
    lines = text.splitlines()
    detail = lines[-1] if lines else f"exit code {returncode}"
    return GitError(missing_object(text) or f"`git {' '.join(args)}` failed: {detail}")


def _cannot_run(cwd: str, exc: OSError) -> GitError:
    """Why starting git failed: git missing, or a directory (cwd, GIT_WORK_TREE) that is gone."""
    import shutil

    if shutil.which("git") is None:
        return GitError(_NO_GIT)
    if not os.path.isdir(cwd):
        return GitError(f"cannot run git in {cwd}: no such directory")
    work_tree = os.environ.get("GIT_WORK_TREE")
    if work_tree and not os.path.isdir(work_tree):
        return GitError(f"GIT_WORK_TREE is {work_tree}, which does not exist; unset it or "
                        "point it at the work tree")
    return GitError(f"cannot run git in {cwd}: {exc.strerror or exc}")


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    # Never let a pager, an editor or a locale change what git prints. GIT_DIR and
    # GIT_INDEX_FILE are kept: inside a hook they point at the repository and index in use.
    env.update({"GIT_PAGER": "cat", "PAGER": "cat", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
                # `git replace` could swap an AI commit for a human-looking copy in everything
                # git shows; vetgate always reads the objects as they are.
                "GIT_NO_REPLACE_OBJECTS": "1"})
    if extra:
        env.update(extra)
    return env


# Processes started ahead (``start_git``), by what ``run_git`` will be asked: (args, cwd, env).
_started: dict[tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]],
               subprocess.Popen[bytes]] = {}


def _key(args: Sequence[str], cwd: str, env: Mapping[str, str] | None
         ) -> tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]]:
    return tuple(args), cwd, tuple(sorted((env or {}).items()))


def start_git(args: Sequence[str], cwd: str, *, env: Mapping[str, str] | None = None) -> None:
    """Start ``git ARGS`` now, so that git works while this process does other work; the
    ``run_git`` call with the same arguments (no input) takes its result. A hook asks git for
    three independent things at start (the index's policy, the identities, the staged diff):
    started together they cost one wait, not three."""
    key = _key(args, cwd, env)
    if key in _started:
        return
    try:
        _started[key] = subprocess.Popen(
            ["git", *_STABLE_CONFIG, *args], cwd=cwd, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=_env(env))
    except OSError:
        return  # run_git will start it and say what is wrong


def forget_started() -> None:
    """Reap what ``start_git`` started and nobody asked for (a run that ended early)."""
    while _started:
        _, proc = _started.popitem()
        proc.kill()
        proc.communicate()


def run_git(
    args: Sequence[str],
    cwd: str,
    *,
    input: bytes | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd`` and return the completed process (stdout/stderr as bytes);
    one ``start_git`` started with the same arguments is waited for instead.

    With ``check`` (the default) a non-zero exit raises ``GitError`` naming the command and
    git's own message.
    """
    cmd = ["git", *_STABLE_CONFIG, *args]
    started = _started.pop(_key(args, cwd, env), None) if input is None and _started else None
    try:
        if started is not None:
            out, err = started.communicate()
            proc = subprocess.CompletedProcess(cmd, started.returncode, out, err)
        else:
            proc = subprocess.run(
                cmd, cwd=cwd, input=input, capture_output=True, env=_env(env), check=False,
            )
    except FileNotFoundError as exc:
        raise _cannot_run(cwd, exc) from exc
    if check and proc.returncode != 0:
        raise _failure(args, proc.stderr, proc.returncode)
    return proc


@contextmanager
def _spawn(args: Sequence[str], cwd: str
           ) -> Iterator[tuple[subprocess.Popen[bytes], IO[bytes]]]:
    """Start ``git ARGS`` with stdout as a pipe to read while it runs; stderr goes to a file, not
    a pipe: a pipe nobody reads while stdout streams would fill up (about 64 KiB) and hang git."""
    cmd = ["git", *_STABLE_CONFIG, *args]
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(
                cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=errors, env=_env(None),
            )
        except FileNotFoundError as exc:
            raise _cannot_run(cwd, exc) from exc
        yield proc, errors


# A pipe holds 64 KiB by default (Linux): git stops writing once it is full.
_PIPE_SIZE = 1 << 16


def _widen_pipe(descriptor: int, size: int) -> None:
    """Let the pipe hold ``size`` bytes where the platform allows it (Linux ``F_SETPIPE_SZ``):
    git then writes ahead while Python parses what it read, instead of the two taking turns."""
    try:
        import fcntl

        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError):
        pass  # the default pipe: slower, the same output


def git_stream(args: Sequence[str], cwd: str, *, sep: bytes | None = b"\0",
               chunk_size: int = 1 << 16, warnings: list[str] | None = None
               ) -> Generator[bytes, None, None]:
    """Run ``git ARGS`` and yield its stdout split on ``sep`` as it arrives (constant memory);
    with ``sep`` None, the pieces as they were read.

    Raises ``GitError`` if git exits non-zero once the stream is drained; with ``warnings``,
    what git wrote on stderr while succeeding is appended there.
    """
    with _spawn(args, cwd) as (proc, errors):
        assert proc.stdout is not None
        descriptor = proc.stdout.fileno()
        if chunk_size > _PIPE_SIZE:
            _widen_pipe(descriptor, chunk_size)
        pending = b""
        try:
            while True:
                # What the pipe holds now, up to chunk_size: waiting for a full chunk would make
                # git and this parser take turns instead of working at once.
                chunk = os.read(descriptor, chunk_size)
                if not chunk:
                    break
                if sep is None:
                    yield chunk
                    continue
                pending += chunk
                *records, pending = pending.split(sep)
                yield from records
            if pending:
                yield pending
        finally:
            if proc.poll() is None:
                proc.stdout.close()
                proc.kill()
            returncode = proc.wait()
            proc.stdout.close()  # also when git had already exited (no ResourceWarning)
        errors.seek(0)
        stderr = errors.read()
    if returncode != 0:
        raise _failure(args, stderr, returncode)
    if warnings is not None and stderr.strip():
        warnings.append(stderr.decode("utf-8", "replace"))


class GitPipe:
    """``git FIRST | git SECOND`` started at once and read later (:meth:`output`): a caller
    does its own work while git walks and reads. Each process writes its errors to a file, not
    a pipe nobody reads. Use as a context manager: leaving it stops whatever still runs."""

    def __init__(self, first: Sequence[str], second: Sequence[str], cwd: str) -> None:
        self._args = (first, second)
        # Closed by close() (the context manager's exit), like the processes.
        self._errors = (tempfile.TemporaryFile(), tempfile.TemporaryFile())  # noqa: SIM115
        env = _env(None)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            procs.append(subprocess.Popen(["git", *_STABLE_CONFIG, *first], cwd=cwd,
                                          stdout=subprocess.PIPE, stderr=self._errors[0],
                                          env=env))
            procs.append(subprocess.Popen(["git", *_STABLE_CONFIG, *second], cwd=cwd,
                                          stdin=procs[0].stdout, stdout=subprocess.PIPE,
                                          stderr=self._errors[1], env=env))
        except FileNotFoundError as exc:
            self._procs = tuple(procs)
            self.close()
            raise _cannot_run(cwd, exc) from exc
        finally:
            if procs and procs[0].stdout is not None:
                procs[0].stdout.close()  # SECOND holds it; FIRST then stops if SECOND does
        self._procs = tuple(procs)

    def output(self) -> bytes:
        """SECOND's whole stdout, once both exited; ``GitError`` naming the first that failed
        (FIRST's failure is the cause when both did)."""
        return b"".join(self.chunks())

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """SECOND's stdout as it arrives (to work on while git still writes), then, once both
        exited, ``GitError`` naming the first that failed (FIRST's, when both did)."""
        first, second = self._procs
        assert second.stdout is not None
        descriptor = second.stdout.fileno()
        while True:
            chunk = os.read(descriptor, size)
            if not chunk:
                break
            yield chunk
        codes = (first.wait(), second.wait())
        for args, errors, code in zip(self._args, self._errors, codes, strict=True):
            if code != 0:
                errors.seek(0)
                raise _failure(args, errors.read(), code)

    def close(self) -> None:
        """Stop what still runs and drop the error files."""
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        for errors in self._errors:
            errors.close()

    def __enter__(self) -> GitPipe:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def repo_root(cwd: str) -> str:
    """The work tree's top level; ``GitError`` with the remedy when ``cwd`` is not in a work
    tree (commands that read or write files there: check, the hooks, init, validate, explain,
    ``origin --staged``). History commands use ``history_root``."""
    proc = run_git(["rev-parse", "--show-toplevel"], cwd, check=False)
    if proc.returncode != 0:
        raise GitError(_no_work_tree(cwd))
    return proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n")


def _no_work_tree(cwd: str) -> str:
    """Why ``cwd`` has no work tree, and what to do (asked only once that is known)."""
    where = os.path.abspath(cwd)
    proc = run_git(["rev-parse", "--is-bare-repository"], cwd, check=False)
    flag = proc.stdout.strip() if proc.returncode == 0 else b""
    if flag == b"true":
        return (f"{where} is a bare repository: this command needs a work tree; run it in a "
                f"clone with one (`git clone {where} DIR`); the history commands (`vetgate "
                "origin RANGE`, `vetgate audit`, `vetgate replay --policy FILE`) read a bare "
                "repository as it is")
    if flag == b"false":
        return (f"{where} is inside a git directory, not a work tree: this command needs a "
                "work tree; run vetgate from the work tree (or pass -C DIR)")
    return (f"{where} is not inside a git work tree; run vetgate from a repository (or pass "
            "-C DIR)")


@frozen
class HistoryRoot:
    """Where a history command (``origin RANGE``, ``audit``, ``replay``) works: the work
    tree's top level, or, where git sees no work tree (a bare or mirror clone, or inside a
    ``.git`` directory), the absolute git directory (``work_tree`` False: nothing is read from
    files there; the policy is the one committed at HEAD, ``gate.policy``)."""

    path: str
    work_tree: bool


# What ``history_root`` asks git, first in any ``git rev-parse`` that wants the root too
# (``--show-toplevel`` fails without a work tree; ``--show-cdup`` prints nothing then).
WHERE_ARGS = ("--is-bare-repository", "--is-inside-work-tree", "--absolute-git-dir",
              "--show-cdup")


def parse_where(lines: Sequence[str], cwd: str) -> tuple[HistoryRoot, int] | None:
    """The root that ``git rev-parse WHERE_ARGS ...`` printed (its output split into lines) and
    how many lines that took; None where the count is not certain (a repository seen from
    outside its work tree: ``history_root`` sorts that out)."""
    if len(lines) < 3 or not lines[2]:
        return None
    bare, inside, git_dir = lines[:3]
    if bare == "true":  # no work tree at all: --show-cdup printed nothing
        return HistoryRoot(git_dir, False), 3
    if inside == "true" and len(lines) > 3:
        # The way git finds its top level: up from the real current directory.
        top = os.path.normpath(os.path.join(os.path.realpath(cwd), lines[3]))
        return HistoryRoot(top, True), 4
    return None


def history_root(cwd: str) -> HistoryRoot:
    """The root a history command works in (``HistoryRoot``), from one ``git rev-parse``;
    ``GitError`` with the remedy when ``cwd`` is in no repository at all."""
    proc = run_git(["rev-parse", *WHERE_ARGS], cwd, check=False)
    lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    found = parse_where(lines, cwd) if proc.returncode == 0 else None
    if found is not None:
        return found[0]
    if proc.returncode == 0 and len(lines) > 2 and lines[2]:
        # Outside the work tree: --show-cdup names it when git knows one (GIT_WORK_TREE,
        # core.worktree), else nothing (inside a .git directory): read it as a bare one.
        if len(lines) > 4 and os.path.isabs(lines[3]):
            return HistoryRoot(lines[3], True)
        return HistoryRoot(lines[2], False)
    raise GitError(f"{os.path.abspath(cwd)} is not inside a git repository; run vetgate from a "
                   "repository, or a bare or mirror clone (or pass -C DIR)")


def repository_name(root: str) -> str:
    """The repository's name for reports: the work tree's folder, or a git directory's
    without ``.git`` (``name.git`` and ``name/.git`` are ``name``), so a mirror and a clone
    of the same repository agree."""
    path = os.path.normpath(os.path.abspath(root))
    name = os.path.basename(path)
    if name == ".git":
        return os.path.basename(os.path.dirname(path))
    return name.removesuffix(".git") or name


def run_git_capped(args: Sequence[str], cwd: str, limit: int) -> bytes:
    """Run ``git ARGS`` and return at most ``limit`` bytes of its stdout; git is stopped once
    that much has arrived, so an object of any size costs at most ``limit`` bytes of memory.

    Raises ``GitError`` when git fails before ``limit`` bytes were read.
    """
    with _spawn(args, cwd) as (proc, errors):
        assert proc.stdout is not None
        chunks: list[bytes] = []
        size = 0
        try:
            while size < limit:
                chunk = proc.stdout.read(min(1 << 16, limit - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            cut = size >= limit and proc.poll() is None
            if cut:
                proc.kill()
            returncode = proc.wait()
            proc.stdout.close()
        errors.seek(0)
        stderr = errors.read()
    if returncode != 0 and not cut:
        raise _failure(args, stderr, returncode)
    return b"".join(chunks)
