"""Read commits from their raw objects, so that no header can change what vetgate sees.

``git log --format=%an…%B`` re-encodes the *whole* commit buffer, headers included, from the
encoding its ``encoding`` header declares to UTF-8. A commit made with
``git -c i18n.commitEncoding=IBM037 commit`` (or CP1026, UTF-16, any encoding that is not
ASCII-compatible) has ASCII bytes that git then "decodes" as EBCDIC: the author, the
``Co-Authored-By`` trailer and every other field come back empty or garbled. Here the object's
bytes are read as they are (``git cat-file --batch``, one process for any number of commits)
and decoded twice when the header declares an encoding: as UTF-8 (what the bytes say to
everything that ignores the header) and as declared (what ``git log`` shows when the encoding is
honest). The reading that decodes cleanly becomes the commit; the other is kept in
``Commit.other_readings`` so provenance takes evidence from either.

A commit whose author or committer header is missing or has no ``<address>`` cannot be read:
``Commit.unreadable`` says why, and provenance keeps such a commit undecided, never human.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence

from vetgate.changes._parse import LOG_ARGS, LoggedPaths, parse_log
from vetgate.changes.git import GitPipe, git_stream, run_git
from vetgate.changes.model import Commit, CommitReading, Identity
from vetgate.errors import GitError
from vetgate.records import frozen, replace

# Decoding names that mean "no re-encoding needed": the bytes are read as UTF-8 already.
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
# Commits per ``git cat-file --batch`` process: bounds the memory one answer takes (the input
# and output are exchanged by ``communicate``, so no pipe can fill up and block).
_BATCH = 16384


@frozen
class _Fields:
    """A commit object's fields as bytes."""

    parents: tuple[str, ...]
    author: bytes | None
    committer: bytes | None
    encoding: str | None
    message: bytes


def _split_object(data: bytes) -> _Fields:
    head, sep, message = data.partition(b"\n\n")
    if not sep:  # no message at all (git never writes this, but an object may say so)
        head, message = data.rstrip(b"\n"), b""
    parents: list[str] = []
    author = committer = None
    encoding: str | None = None
    for line in head.split(b"\n"):
        if line.startswith(b" "):
            continue  # continuation of a multi-line header (gpgsig, mergetag)
        key, _, value = line.partition(b" ")
        if key == b"parent":
            parents.append(value.decode("ascii", "replace"))
        elif key == b"author" and author is None:
            author = value
        elif key == b"committer" and committer is None:
            committer = value
        elif key == b"encoding" and encoding is None:
            encoding = value.decode("latin-1").strip()
    return _Fields(tuple(parents), author, committer, encoding, message)


def _split_ident(value: bytes | None) -> tuple[bytes, bytes, int] | None:
    """``(name, email, unix time)`` of an ``author``/``committer`` header value, as git splits
    it (name before the first ``<``, address up to the next ``>``); None when there is none."""
    if value is None:
        return None
    opening = value.find(b"<")
    closing = value.find(b">", opening + 1) if opening >= 0 else -1
    if closing < 0:
        return None
    fields = value[closing + 1:].split()
    try:
        when = int(fields[0]) if fields else 0
    except ValueError:
        when = 0
    return value[:opening].strip(b" "), value[opening + 1:closing], when


def _codec(encoding: str | None) -> codecs.CodecInfo | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding)
    except LookupError:
        return None


def _decode_all(parts: Sequence[bytes], codec: str, fallback: Sequence[str] = ()
                ) -> tuple[list[str], bool]:
    """Every part decoded with ``codec`` and whether the message (the last part) was clean.

    A part that does not decode takes its ``fallback`` text when one is given (UTF-8 header
    fields of a UTF-16 message), else has its invalid bytes replaced.
    """
    texts: list[str] = []
    clean = True
    for number, part in enumerate(parts):
        try:
            texts.append(part.decode(codec))
        except UnicodeDecodeError:
            if number == len(parts) - 1:
                clean = False
            texts.append(fallback[number] if fallback else part.decode(codec, "replace"))
    return texts, clean


def _reading(texts: Sequence[str], how: str) -> CommitReading:
    author_name, author_email, committer_name, committer_email, message = texts
    return CommitReading(Identity(author_name, author_email),
                         Identity(committer_name, committer_email), message, how)


# The headers ``_split_object`` reads; any other header (gpgsig, mergetag, ...) is skipped.
_READ_HEADERS = frozenset({b"parent", b"author", b"committer", b"encoding"})
# The common head of a commit object: tree, parents, author and committer whose time is digits
# (what ``_split_ident`` reads as ``int`` of the first word after the address).
_PLAIN_HEAD = re.compile(
    rb"tree [^\n]*\n((?:parent [^\n]*\n)*)"
    rb"author ([^<\n]*)<([^>\n]*)>[ \t\r\x0b\x0c]*([0-9]+)(?:[ \t\r\x0b\x0c][^\n]*)?\n"
    rb"committer ([^<\n]*)<([^>\n]*)>[ \t\r\x0b\x0c]*([0-9]+)(?:[ \t\r\x0b\x0c][^\n]*)?\n")
_PARENT = re.compile(r"parent ([^\n]*)\n")


def _plain_commit(sha: str, data: bytes) -> Commit | None:
    """The common commit object read in a few steps, exactly as :func:`_read_commit` reads
    it: ``tree``, the ``parent`` lines, ``author``, ``committer``, then only headers vetgate
    does not read (a signature), no ``encoding``, UTF-8 throughout and no NUL in the message.
    None for anything else (the general path reads it). Histories are mostly such objects."""
    split = data.find(b"\n\n")
    if split < 0 or data.find(b"\0", split) >= 0:
        return None
    head = _PLAIN_HEAD.match(data, 0, split + 1)
    if head is None:
        return None
    if head.end() <= split:  # more headers: only those vetgate does not read
        for line in data[head.end():split].split(b"\n"):
            if not line.startswith(b" ") and line.partition(b" ")[0] in _READ_HEADERS:
                return None  # a second author, a late parent, an encoding: the general path
    parents, a_name, a_mail, a_time, c_name, c_mail, c_time = head.groups()
    try:
        return Commit(
            sha=sha, parents=tuple(_PARENT.findall(parents.decode("ascii", "replace"))),
            author=_identity(a_name, a_mail), committer=_identity(c_name, c_mail),
            author_time=int(a_time), commit_time=int(c_time),
            message=data[split + 2:].decode())
    except UnicodeDecodeError:
        return None


# One Identity for each distinct UTF-8 (name, address) read (histories repeat a few people);
# past this many the memory is dropped and refilled.
_IDENTITIES: dict[tuple[bytes, bytes], Identity] = {}
_IDENTITY_MEMORY = 4096


def _identity(name: bytes, email: bytes) -> Identity:
    """``Identity(name.strip(b" ").decode(), email.decode())``, the same object for the same
    bytes (``UnicodeDecodeError`` for bytes that are not UTF-8)."""
    key = (name, email)
    found = _IDENTITIES.get(key)
    if found is None:
        found = Identity(name.strip(b" ").decode(), email.decode())
        if len(_IDENTITIES) >= _IDENTITY_MEMORY:
            _IDENTITIES.clear()
        _IDENTITIES[key] = found
    return found


def parse_commit_object(sha: str, data: bytes) -> Commit:
    """A commit from the bytes of its object (``git cat-file commit SHA``); ``paths`` empty."""
    return _plain_commit(sha, data) or _read_commit(sha, data)


def _read_commit(sha: str, data: bytes) -> Commit:
    """:func:`parse_commit_object` for any object: every header, encoding and reading."""
    fields = _split_object(data)
    author = _split_ident(fields.author)
    committer = _split_ident(fields.committer)
    if author and committer and not fields.encoding and b"\0" not in fields.message:
        try:  # the common case: UTF-8 throughout, one reading
            return Commit(
                sha=sha, parents=fields.parents,
                author=Identity(author[0].decode(), author[1].decode()),
                committer=Identity(committer[0].decode(), committer[1].decode()),
                author_time=author[2], commit_time=committer[2],
                message=fields.message.decode())
        except UnicodeDecodeError:
            pass
    problems = [f"its {role} header {'is missing' if raw is None else 'has no <address>'}"
                for role, raw, parsed in (("author", fields.author, author),
                                          ("committer", fields.committer, committer))
                if parsed is None]
    author = author or (b"", b"", 0)
    committer = committer or (b"", b"", 0)
    parts = (author[0], author[1], committer[0], committer[1], fields.message)
    texts, utf8_clean = _decode_all(parts, "utf-8")
    primary = _reading(texts, "as UTF-8")
    others: tuple[CommitReading, ...] = ()
    encoding = fields.encoding
    if encoding and encoding.lower() not in _UTF8_NAMES:
        codec = _codec(encoding)
        if codec is None:
            problems.append(f"its encoding header names {encoding!r}, which vetgate cannot "
                            "decode (it was read as UTF-8)")
        elif codec.name not in ("utf-8",):
            declared_texts, declared_clean = _decode_all(parts, codec.name, texts)
            declared = _reading(declared_texts, f"as {encoding}, as its encoding header says")
            if declared_texts != texts:
                ignoring = _reading(texts, f"as UTF-8, ignoring its encoding header {encoding}")
                # A NUL in the message means UTF-16/32 text: UTF-8 "decodes" it, uselessly.
                if declared_clean and (not utf8_clean or b"\0" in fields.message):
                    primary, others = declared, (ignoring,)
                else:
                    primary, others = ignoring, (declared,)
    if "\0" in primary.message:
        # git shows a message only up to its first NUL byte; read what it shows, and the rest.
        whole = replace(primary, how=f"{primary.how}, past a NUL byte git does not show")
        primary = replace(primary, message=primary.message.split("\0", 1)[0])
        others = (*others, whole)
    return Commit(
        sha=sha,
        parents=fields.parents,
        author=primary.author,
        committer=primary.committer,
        author_time=author[2],
        commit_time=committer[2],
        message=primary.message,
        encoding=encoding,
        other_readings=others,
        unreadable="; ".join(problems),
    )


_OBJECT_HEADER = re.compile(rb"([0-9a-f]{40}|[0-9a-f]{64}) commit ([0-9]+)\n")


def _parse_batch(output: bytes, shas: Sequence[str] | None) -> list[Commit]:
    """The commits of one ``git cat-file --batch`` answer, in the order asked: ``shas``, or
    (None) every object the answer holds."""
    commits: list[Commit] = []
    position = 0
    asked = 0
    total = len(output) if shas is None else -1
    while position < total if shas is None else asked < len(shas):
        found = _OBJECT_HEADER.match(output, position)
        if found is not None:  # "<id> commit <size>": the common answer, read in one step
            sha, size = found.group(1).decode("ascii"), int(found.group(2))
            position = found.end() + size + 1  # the object is followed by a newline
            asked += 1
            data = output[found.end():position - 1]
            commits.append(_plain_commit(sha, data) or _read_commit(sha, data))
            continue
        end = output.find(b"\n", position)
        header = output[position:end if end >= 0 else len(output)].split()
        if end < 0 or len(header) != 3:
            what = header[1].decode("ascii", "replace") if len(header) == 2 else "unreadable"
            sha = shas[asked] if shas is not None else (
                header[0].decode("ascii", "replace") if header else "?")
            raise GitError(
                f"cannot read commit {sha}: the object is {what} in this repository; fetch it "
                "(`git fetch`), or in a partial or damaged clone run `git fsck` to find what "
                "is lost"
            )
        if header[1] != b"commit":
            sha = shas[asked] if shas is not None else header[0].decode("ascii", "replace")
            raise GitError(f"cannot read commit {sha}: it is a {header[1].decode()}, not a commit")
        size = int(header[2])
        data = output[end + 1:end + 1 + size]
        position = end + 1 + size + 1  # the object is followed by a newline
        asked += 1
        commits.append(parse_commit_object(header[0].decode("ascii"), data))
    return commits


def read_commits(root: str, shas: Iterable[str]) -> list[Commit]:
    """The commits named by full ``shas``, in that order, read from their objects.

    One ``git cat-file --batch`` (per 16,384 commits). ``GitError`` naming the object and the
    remedy when one is missing (a partial or damaged clone).
    """
    wanted = list(shas)
    commits: list[Commit] = []
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start:start + _BATCH]
        request = "".join(f"{sha}\n" for sha in chunk).encode("ascii")
        proc = run_git(["cat-file", "--batch"], root, input=request)
        commits.extend(_parse_batch(proc.stdout, chunk))
    return commits


def list_commits(root: str, rev_args: Sequence[str]) -> list[Commit]:
    """The commits ``git rev-list REV_ARGS`` names, in its order, without reading any tree or
    diff: what classifying needs (identities and messages), cheap on any history and possible
    in a clone that lacks blobs. ``paths`` are empty."""
    with start_listing(root, rev_args) as listing:
        return listed_commits(listing)


def start_listing(root: str, rev_args: Sequence[str]) -> GitPipe:
    """Start reading what :func:`list_commits` returns (``git rev-list REV_ARGS | git cat-file
    --batch``, the object ids never passing through Python); :func:`listed_commits` takes the
    commits once the caller has done its own work. Use the result as a context manager."""
    return GitPipe(["rev-list", *rev_args], ["cat-file", "--batch"], root)


_READ_TO_THE_END = 1 << 62


def listed_commits(listing: GitPipe) -> list[Commit]:
    """The commits of a :func:`start_listing`, read as git writes them (waits for git)."""
    return list(iter_listed_commits(listing))


def iter_listed_commits(listing: GitPipe) -> Iterator[Commit]:
    """The commits of a :func:`start_listing`, one by one as git writes them: memory holds one
    pipe's worth of answers, never the whole list."""
    commits: list[Commit] = []
    pending = b""
    parts: list[bytes] = []
    have = need = 0  # bytes held; bytes the next answer needs (joined only once they are here)
    for chunk in listing.chunks():
        parts.append(chunk)
        have += len(chunk)
        if have < need:
            continue
        pending = b"".join([pending, *parts])
        parts.clear()
        pending = pending[_parse_complete(pending, commits):]
        yield from commits
        commits.clear()
        have = len(pending)
        found = _OBJECT_HEADER.match(pending)
        if found is not None:
            need = found.end() + int(found.group(2)) + 1
        else:  # a header still arriving, or an answer that is no commit: read on to the end
            need = have + 1 if b"\n" not in pending else _READ_TO_THE_END
    yield from _parse_batch(b"".join([pending, *parts]), None)  # the rest, and its faults


def _parse_complete(output: bytes, commits: list[Commit]) -> int:
    """Read the whole ``<id> commit <size>`` answers at the start of ``output`` into
    ``commits``; where the first incomplete (or other) answer starts."""
    position = 0
    total = len(output)
    match = _OBJECT_HEADER.match
    while True:
        found = match(output, position)
        if found is None:
            return position
        start = found.end()
        end = start + int(found.group(2))
        if end >= total:  # the object and its newline are not all here yet
            return position
        sha = found.group(1).decode("ascii")
        data = output[start:end]
        commits.append(_plain_commit(sha, data) or _read_commit(sha, data))
        position = end + 1


def log_commits(root: str, rev_args: Sequence[str]) -> list[Commit]:
    """The commits ``git log REV_ARGS`` names, in its order, each with the paths it touched
    (``--name-status``, renames and copies detected; a merge: its dense combined diff)."""
    logged = list(parse_log(git_stream([*LOG_ARGS, *rev_args], root)))
    commits = read_commits(root, [item.sha for item in logged])
    return _with_paths(commits, logged)


def with_logged_paths(root: str, commits: Sequence[Commit], rev_args: Sequence[str]
                      ) -> list[Commit]:
    """``commits``, as :func:`list_commits` read them for ``rev_args``, with the paths each
    touched (what :func:`log_commits` adds), their objects not read again."""
    return _with_paths(commits, list(parse_log(git_stream([*LOG_ARGS, *rev_args], root))))


def _with_paths(commits: Sequence[Commit], logged: Sequence[LoggedPaths]) -> list[Commit]:
    out = []
    for commit, item in zip(commits, logged, strict=True):
        if commit.sha != item.sha:  # pragma: no cover - git lists one range in one order
            raise GitError(f"git listed {item.sha} where {commit.sha} was expected; please "
                           "report this")
        out.append(replace(commit, paths=item.paths, renames=item.renames))
    return out
