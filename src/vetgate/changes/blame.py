"""One fix commit's git work for SZZ: its diff against its parent, and the blame of what it removed.

Each call is one short git process (a fix is diffed once and each of its files blamed once, with
every range as an ``-L``), so fixes can be blamed in parallel. Paths come back exactly as git
stores them: C-quoted names are unquoted, the tab git appends to a name with a space is dropped,
and undecodable bytes survive as surrogates so they can be handed back to git intact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from vetgate.changes.git import missing_object, run_git
from vetgate.errors import GitError
from vetgate.records import frozen

_SHA_RE = re.compile(rb"\A[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_HUNK_RE = re.compile(rb"\A@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _path(raw: bytes) -> str:
    # Paths keep undecodable bytes (surrogateescape) so they can be handed back to git intact.
    return raw.decode("utf-8", "surrogateescape")


@frozen
class RemovedLines:
    """The lines a commit removed or changed in one file, numbered as in its parent."""

    path: str  # the path in the parent (the old path of a rename)
    lines: tuple[tuple[int, str], ...]  # (1-based line number in the parent, line text)



_C_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12,
              ord("r"): 13, ord('"'): 34, ord("\\"): 92}


def unquote_path(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a path in a patch header (``"a/t\\303\\251st"``)."""
    if not (raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2):
        return raw
    body = raw[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        byte = body[i]
        if byte != 0x5C or i + 1 >= len(body):  # not a backslash
            out.append(byte)
            i += 1
            continue
        nxt = body[i + 1]
        if 0x30 <= nxt <= 0x37:  # \ooo octal byte
            out.append(int(body[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_C_ESCAPES.get(nxt, nxt))
            i += 2
    return bytes(out)


def patch_header_path(raw: bytes, prefix: bytes) -> bytes | None:
    """The path of a ``--- a/PATH`` / ``+++ b/PATH`` patch header; None for ``/dev/null``.

    git C-quotes a path with a tab, newline, quote, backslash or control byte; an unquoted path
    that contains a space gets a tab appended (GNU patch's convention), which is not part of it
    (``--- a/My App/x.swift`` and a tab). Any other byte, non-UTF-8 ones included, is the
    path's own.
    """
    if raw.startswith(b'"'):
        raw = unquote_path(raw)
    elif raw.endswith(b"\t"):
        raw = raw[:-1]
    return raw[len(prefix):] if raw.startswith(prefix) else None


def removed_lines(root: str, fix: str, parent: str,
                  exclude: Sequence[str] = ()) -> tuple[RemovedLines, ...]:
    """The lines ``fix`` removed or changed, per file, numbered as in ``parent``.

    One ``git diff-tree -p -U0 -M -w``: whitespace-only changes are no change, renames keep the
    old path, binary files are left out, and ``exclude`` (pathspecs such as
    ``:(exclude,glob)**/*.json``) keeps data files out before git even diffs them.
    """
    args = ["diff-tree", "-r", "-p", "-U0", "-M", "-w", "--no-color", "--no-ext-diff",
            "--no-textconv", "--no-relative", "--src-prefix=a/", "--dst-prefix=b/", parent, fix,
            "--", ".", *exclude]
    return parse_removed(run_git(args, root).stdout.split(b"\n"))


def parse_removed(lines: Sequence[bytes]) -> tuple[RemovedLines, ...]:
    """The removed lines of a ``-U0`` patch (the lines of one commit's diff), per file."""
    files: list[RemovedLines] = []
    old_path: bytes | None = None
    current: list[tuple[int, str]] = []
    not_text = False  # a symlink (its "line" is the target) or a submodule ("Subproject commit")
    i = 0

    def flush() -> None:
        if old_path is not None and current and not not_text:
            files.append(RemovedLines(_path(old_path), tuple(current)))

    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith(b"diff --git "):
            flush()
            old_path, current, not_text = None, [], False
        elif line.startswith((b"index ", b"old mode ", b"deleted file mode ")):
            not_text = not_text or line.endswith((b" 120000", b" 160000"))
        elif line.startswith(b"--- "):
            old_path = patch_header_path(line[4:], b"a/")
        elif line.startswith(b"@@ "):
            match = _HUNK_RE.match(line)
            if match is None:
                continue
            start = int(match.group(1))
            old_count = 1 if match.group(2) is None else int(match.group(2))
            new_count = 1 if match.group(3) is None else int(match.group(3))
            seen_old = seen_new = 0
            # Consume exactly the hunk's lines, so a removed "-- comment" line ("--- comment" in
            # the patch) is never taken for a file header.
            while (seen_old < old_count or seen_new < new_count) and i < len(lines):
                body = lines[i]
                i += 1
                if body.startswith(b"-"):
                    current.append((start + seen_old, _text(body[1:])))
                    seen_old += 1
                elif body.startswith(b"+"):
                    seen_new += 1
                elif body.startswith(b"\\"):
                    continue  # "\ No newline at end of file"
                else:
                    break
    flush()
    return tuple(files)


def file_at(root: str, revision: str, path: str) -> bytes:
    """The bytes of ``path`` as of ``revision`` (empty when it is not a file there)."""
    proc = run_git(["cat-file", "blob", f"{revision}:{path}"], root, check=False)
    return proc.stdout if proc.returncode == 0 else b""


def files_at(root: str, requests: Sequence[tuple[str, str]]) -> list[bytes]:
    """The bytes of each ``(revision, path)`` (empty when it is not a file there), in order,
    from one ``git cat-file --batch``."""
    lines = [f"{revision}:{path}\n".encode("utf-8", "surrogateescape")
             for revision, path in requests if "\n" not in path]
    output = run_git(["cat-file", "--batch"], root, input=b"".join(lines)).stdout if lines else b""
    out: list[bytes] = []
    at = 0
    for revision, path in requests:
        if "\n" in path:  # a request is one line: such a name goes to git on its own
            out.append(file_at(root, revision, path))
            continue
        end = output.index(b"\n", at)
        header = output[at:end].split()
        at = end + 1
        if len(header) == 3 and header[2].isdigit() and _SHA_RE.match(header[0]):
            size = int(header[2])
            out.append(output[at:at + size] if header[1] == b"blob" else b"")
            at += size + 1
        else:  # "NAME missing", "NAME ambiguous"
            out.append(b"")
    return out


def changed_paths(root: str, parent: str, commit: str,
                  exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """Paths ``commit`` changed against ``parent``, without those ``exclude`` pathspecs drop."""
    proc = run_git(["diff-tree", "-r", "--no-renames", "--name-only", "-z", "--no-relative", parent,
                    commit, "--", ".", *exclude], root)
    return tuple(_path(name) for name in proc.stdout.split(b"\0") if name)


@frozen
class BlameLine:
    """Which commit last touched one line, as of the blamed revision."""

    line: int  # line number in the blamed revision
    sha: str
    boundary: bool = False  # the history stops here (shallow clone or a root commit)


def blame_ranges(root: str, revision: str, path: str, ranges: Sequence[tuple[int, int]], *,
                 since: int | None = None) -> tuple[BlameLine, ...]:
    """One ``git blame -w --porcelain`` over ``path`` at ``revision`` with every range as -L.

    ``since`` (unix time) stops the walk there: older lines go to a ``boundary`` commit.
    """
    if not ranges:
        return ()
    # --root: a root commit is blamed like any other (not a "boundary" to ignore).
    args = ["blame", "-w", "--porcelain", "--root"]
    if since is not None:
        args.append(f"--max-age={since}")
    for start, end in ranges:
        args += ["-L", f"{start},{end}"]
    args += [revision, "--", path]
    proc = run_git(args, root, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1].removeprefix("fatal: ") if message else f"exit {proc.returncode}"
        if "could not open object name list" in detail:
            name = detail.rsplit(":", 1)[-1].strip()
            raise GitError(
                f"git blame cannot run here: blame.ignoreRevsFile names {name!r}, which this "
                "repository does not have; create it (an empty file will do) or remove that "
                "setting, then run the audit again"
            )
        raise GitError(missing_object(proc.stderr.decode("utf-8", "replace"))
                       or f"`git blame` of {path!r} at {revision[:12]} failed: {detail}")
    output = proc.stdout
    result: list[BlameLine] = []
    boundaries: set[bytes] = set()
    current: bytes | None = None
    line_no = 0
    for raw in output.split(b"\n"):
        if not raw:
            continue
        if raw.startswith(b"\t"):
            if current is not None:
                result.append(BlameLine(line_no, current.decode("ascii"), current in boundaries))
            current = None
            continue
        head = raw.split(b" ", 3)
        if len(head) >= 3 and len(head[0]) in (40, 64) and _SHA_RE.match(head[0]):
            current = head[0]
            line_no = int(head[2])
        elif raw == b"boundary" and current is not None:
            boundaries.add(current)
    return tuple(result)


def to_ranges(line_numbers: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Collapse line numbers into sorted inclusive ranges: [1, 2, 3, 7] → ((1, 3), (7, 7))."""
    out: list[tuple[int, int]] = []
    for number in sorted(set(line_numbers)):
        if out and number == out[-1][1] + 1:
            out[-1] = (out[-1][0], number)
        else:
            out.append((number, number))
    return tuple(out)
