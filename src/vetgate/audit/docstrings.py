"""Which of a fix's removed Python lines are docstrings, worked out beside the forward pass.

SZZ leaves docstrings out like comments (``szz.docstring_lines``), and telling them apart means
parsing the file as the fix's parent had it. On a real history that parsing is most of the
forward pass's own work (psf/requests: 500 files, 4.7 s of a 13.5 s pass) and none of it
depends on the pass: so the pass hands each fix's Python files over as it meets them, and a
forked worker reads and parses them while the pass goes on, each on its own core. The pass
takes the answers at its end.

With one job, or where the platform cannot fork (or another thread runs: forking a threaded
process can deadlock the child), the same work is done in place once the pass has ended. The
answer never depends on where it was computed: the same function, on the same bytes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Iterable, Mapping

from vetgate.audit.szz import docstring_lines
from vetgate.changes import blame

# (revision, path) → the line numbers asked about there / those of them that are docstrings.
Key = tuple[str, str]
# Files read and parsed per batch: bounds the bytes held at once (one ``git cat-file`` each).
BATCH = 32


def _answer(root: str, asked: Mapping[Key, Iterable[int]], answers: dict[Key, frozenset[int]]
            ) -> None:
    """Read the files of ``asked`` in one ``git cat-file`` and keep, per file, which of the
    asked lines are docstrings (only those: the answer stays as small as the question)."""
    keys = list(asked)
    for key, source in zip(keys, blame.files_at(root, keys), strict=True):
        docs = docstring_lines(source)
        found = frozenset(number for number in asked[key] if number in docs)
        answers[key] = answers[key] | found if key in answers else found


class DocstringLines:
    """``ask(revision, path, numbers)`` as the pass goes; ``answers()`` once it has ended:
    (revision, path) → the asked line numbers that are docstrings. ``close()`` stops a worker
    whose answers are no longer wanted."""

    def __init__(self, root: str, workers: int) -> None:
        self._root = root
        self._asked: dict[Key, set[int]] = {}  # not yet sent (or, in place: all of them)
        self._out = None
        self._worker = None
        from vetgate.audit.spool import Forked, can_fork

        if workers > 1 and can_fork():

            incoming, outgoing = os.pipe()

            def work() -> dict[Key, frozenset[int]]:  # pragma: no cover - the forked child
                os.close(outgoing)  # else the child would never see the end of its input
                answers: dict[Key, frozenset[int]] = {}
                with os.fdopen(incoming, "rb") as requests:
                    while True:
                        try:
                            batch = pickle.load(requests)  # from our own process, just now
                        except EOFError:
                            return answers
                        _answer(root, batch, answers)

            self._worker = Forked(work)
            os.close(incoming)
            self._out = os.fdopen(outgoing, "wb")

    def ask(self, revision: str, path: str, numbers: Iterable[int]) -> None:
        """Ask which of ``numbers`` are docstring lines of ``path`` at ``revision``."""
        self._asked.setdefault((revision, path), set()).update(numbers)
        if self._out is not None and len(self._asked) >= BATCH:
            self._send()

    def _send(self) -> None:
        assert self._out is not None
        try:
            pickle.dump(self._asked, self._out, protocol=pickle.HIGHEST_PROTOCOL)
            self._out.flush()
        except BrokenPipeError:
            # The worker stopped early: its own error (handed back by result()) says why.
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None
            worker, self._worker = self._worker, None
            assert worker is not None
            worker.result()
            raise  # pragma: no cover - a worker that ended early without an error
        self._asked = {}

    def answers(self) -> dict[Key, frozenset[int]]:
        """Every answer (waits for the worker); a (revision, path) asked in several batches is
        answered for the lines of each."""
        if self._worker is None:
            answers: dict[Key, frozenset[int]] = {}
            keys = list(self._asked)
            for start in range(0, len(keys), BATCH):
                _answer(self._root, {key: self._asked[key] for key in keys[start:start + BATCH]},
                        answers)
            self._asked = {}
            return answers
        if self._asked:
            self._send()
        assert self._out is not None
        with contextlib.suppress(BrokenPipeError):  # a worker that failed: result() says why
            self._out.close()
        self._out = None
        worker, self._worker = self._worker, None
        return worker.result()

    def close(self) -> None:
        """Stop the worker if its answers were not taken."""
        if self._out is not None:
            self._out.close()
            self._out = None
        if self._worker is not None:
            self._worker.close()
            self._worker = None
