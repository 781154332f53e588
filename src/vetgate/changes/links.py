"""Link a changed file to the AI commits of its range by content, not only by name.

git's rename and copy detection only sees a move inside one diff. Content an AI commit wrote can
reach a protected path without git ever recording a rename: copied by a later commit and the
original deleted by the next one, or moved and edited in a commit with more files than
``diff.renameLimit``. So after provenance has found the AI commits of a range, each file the
range diff adds or changes is compared with what those commits wrote:

1. the same object id (cheap, exact, any file kind) links the file to the commit that wrote it;
2. for text files still unlinked: when most of the significant lines the file brings (those its
   old content lacked) are lines one AI commit brought to a blob at another path, the file is
   linked to that commit.

Bounded: only when an AI commit of the range wrote files, one ``git diff-tree --stdin`` for the
AI commits and one ``git cat-file --batch`` for the contents, blobs above ``MAX_BLOB_BYTES``
skipped and at most ``MAX_TOTAL_BYTES`` read. Links only ever add AI commits to a file, so a
wrong link makes the gate stricter, never more permissive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from vetgate.changes._parse import decode_path
from vetgate.changes.git import missing_object_message, run_git
from vetgate.changes.model import ChangeSet, ContentLink, FileChange
from vetgate.errors import GitError
from vetgate.records import frozen

MAX_BLOB_BYTES = 1 << 20  # larger files are linked by object id only
MAX_TOTAL_BYTES = 64 << 20  # what one evaluation reads at most for line comparison
MIN_SHARED_LINES = 3  # fewer shared significant lines never link (boilerplate)
SHARE = 0.5  # "most of the lines": more than this share of the file's significant lines
_COMMON = 50  # a line found in more AI blobs than this is boilerplate, not evidence
_CONTENT_MODES = (b"100644", b"100755", b"120000")
_TEXT_MODES = (b"100644", b"100755")
_SHA = re.compile(rb"\A(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")
_PUNCTUATION = b"".join(bytes([c]) for c in range(33, 127) if not chr(c).isalnum())
# The empty file (SHA-1, SHA-256): many commits write one; it carries nobody's content.
_EMPTY_BLOBS = frozenset({
    "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
    "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813",
})


@frozen
class _Wrote:
    """One blob an AI commit wrote."""

    commit: str
    path: str
    text: bool  # a regular file (not a symlink): its lines can be compared
    old: str | None  # the blob it replaced at that path (None: the file was added)


def _written(root: str, shas: Sequence[str]) -> dict[str, _Wrote]:
    """object id -> what wrote it, for every blob ``shas`` wrote against their first parent
    (merges are skipped: what they bring in is judged through their own commits)."""
    proc = run_git(["diff-tree", "--stdin", "-r", "-z", "--raw", "--no-renames", "--root",
                    "--no-abbrev", "--no-ext-diff", "--no-textconv", "--no-relative"], root,
                   input="".join(f"{sha}\n" for sha in shas).encode("ascii"))
    written: dict[str, _Wrote] = {}
    tokens = iter(proc.stdout.split(b"\0"))
    commit = ""
    for token in tokens:
        token = token.strip(b"\n")
        if _SHA.match(token):
            commit = token.decode("ascii")
            continue
        if not token.startswith(b":"):
            continue
        fields = token[1:].split(b" ")
        path = decode_path(next(tokens, b""))
        if len(fields) != 5 or fields[4][:1] == b"D" or fields[1] not in _CONTENT_MODES:
            continue
        new, old = fields[3].decode("ascii"), fields[2].decode("ascii")
        if new in _EMPTY_BLOBS:
            continue
        replaced = old if old.strip("0") and fields[0] in _TEXT_MODES else None
        written.setdefault(new, _Wrote(commit, path, fields[1] in _TEXT_MODES, replaced))
    return written


def _significant(content: bytes) -> set[bytes]:
    """The distinct lines that say something: stripped, 4+ bytes, more than punctuation."""
    return {line for line in (raw.strip() for raw in content.split(b"\n"))
            if len(line) >= 4 and line.strip(_PUNCTUATION)}


def _read(root: str, blobs: Iterable[str]) -> dict[str, bytes]:
    """Contents of ``blobs`` (one ``git cat-file --batch``); oversized ones are left out."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    sizes = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
                    root, input="".join(f"{b}\n" for b in wanted).encode("ascii")).stdout
    chosen: list[str] = []
    budget = MAX_TOTAL_BYTES
    for line in sizes.decode("ascii", "replace").splitlines():
        parts = line.split()
        if parts[1:] == ["missing"]:
            # A blob an AI commit wrote, or one it is compared with, that is not here: the
            # comparison cannot be made, and skipping it could miss a move (fail closed).
            raise GitError(missing_object_message(
                parts[0], "cannot compare the content a commit of the change wrote"))
        if len(parts) == 3 and parts[1] == "blob" and int(parts[2]) <= min(MAX_BLOB_BYTES,
                                                                           budget):
            chosen.append(parts[0])
            budget -= int(parts[2])
    if not chosen:
        return {}
    output = run_git(["cat-file", "--batch"], root,
                     input="".join(f"{b}\n" for b in chosen).encode("ascii")).stdout
    contents: dict[str, bytes] = {}
    position = 0
    for blob in chosen:
        end = output.index(b"\n", position)
        size = int(output[position:end].split()[2])
        contents[blob] = output[end + 1:end + 1 + size]
        position = end + 1 + size + 1
    return contents


def _new_lines(contents: dict[str, bytes], new: str, old: str | None) -> set[bytes]:
    """The significant lines of blob ``new`` that blob ``old`` (what it replaced) lacks."""
    content = contents.get(new)
    if content is None:
        return set()
    lines = _significant(content)
    if old is not None and old in contents:
        lines -= _significant(contents[old])
    return lines


def _by_lines(root: str, candidates: Sequence[FileChange],
              written: dict[str, _Wrote]) -> list[ContentLink]:
    """Link each candidate to the AI blob that holds most of the lines it brings.

    Only lines new on each side count: a line the candidate already had at the base (or in the
    source of its rename or copy) says nothing about who wrote it now, and neither does a line
    an AI commit merely kept in a file it edited.
    """
    sources = [blob for blob, wrote in written.items() if wrote.text]
    if not candidates or not sources:
        return []
    contents = _read(root, [
        *(f.new_blob or "" for f in candidates),
        *(f.old_blob for f in candidates if f.old_blob),
        *sources,
        *(old for old in (written[b].old for b in sources) if old),
    ])
    wanted: list[tuple[FileChange, set[bytes]]] = []
    union: set[bytes] = set()
    for file in candidates:
        lines = _new_lines(contents, file.new_blob or "", file.old_blob)
        if len(lines) >= MIN_SHARED_LINES:
            wanted.append((file, lines))
            union |= lines
    if not wanted:
        return []
    # Only the AI blobs' new lines that some candidate brings are indexed.
    index: dict[bytes, list[int]] = {}
    source_ids = [blob for blob in sources if blob in contents]
    for number, blob in enumerate(source_ids):
        lines = {raw.strip() for raw in contents[blob].split(b"\n")} & union
        old = written[blob].old
        if lines and old is not None and old in contents:
            lines -= {raw.strip() for raw in contents[old].split(b"\n")}
        for line in lines:
            index.setdefault(line, []).append(number)
    links: list[ContentLink] = []
    for file, lines in wanted:
        hits: dict[int, int] = {}
        for line in lines & index.keys():
            found = index[line]
            if len(found) > _COMMON:
                continue
            for number in found:
                hits[number] = hits.get(number, 0) + 1
        best = max(hits, key=lambda n: hits[n], default=None)
        if best is None:
            continue
        shared = hits[best]
        wrote = written[source_ids[best]]
        if shared >= MIN_SHARED_LINES and shared > SHARE * len(lines) and wrote.path != file.path:
            links.append(ContentLink(
                path=file.path, sha=wrote.commit, source=wrote.path,
                how=f"{shared} of the {len(lines)} significant lines it brings",
            ))
    return links


def content_links(root: str, change: ChangeSet, ai_shas: Iterable[str],
                  judged: Callable[[str], bool] | None = None) -> tuple[ContentLink, ...]:
    """Links from the files of ``change`` to the commits among ``ai_shas`` that wrote their
    content under another path (see the module doc). Empty when no AI commit wrote a file.

    ``judged`` (a path -> bool) limits the line comparison to files whose origin can change a
    verdict (a rule matches them, or coverage is checked); object ids are compared for all.
    """
    wanted = set(ai_shas)
    shas = [c.sha for c in change.commits if c.sha in wanted and not c.is_merge and c.sha]
    if not shas:
        return ()
    written = _written(root, shas)
    if not written:
        return ()
    links: list[ContentLink] = []
    candidates: list[FileChange] = []
    for file in change.files:
        if file.new_blob is None or file.kind == "submodule":
            continue
        source = written.get(file.new_blob)
        if source is not None:
            if source.path != file.path:
                links.append(ContentLink(path=file.path, sha=source.commit, source=source.path,
                                         how="the same content"))
            continue
        if file.kind == "file" and not file.binary and (
                judged is None or any(judged(path) for path in file.paths)):
            candidates.append(file)
    links.extend(_by_lines(root, candidates, written))
    return tuple(links)
