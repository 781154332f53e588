"""Two things at once on two cores: SZZ in a thread while the classifying pass runs, its counts
spooled to a temporary file until SZZ says which commits failed.

The classifying pass cannot count a commit before SZZ has said whether it failed, and keeping
every classified commit in memory would make memory grow with history. So the records go to an
unnamed temporary file (pickled 1,000 at a time; vetgate reads back only what it wrote) and are
counted once SZZ is done: memory stays flat, the disk holds about 100 bytes per commit while the
audit runs.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

_T = TypeVar("_T")
CHUNK = 1000


class Background(Generic[_T]):
    """``work()`` in a daemon thread (an interrupted audit does not wait for it)."""

    def __init__(self, work: Callable[[], _T]) -> None:
        self._work = work
        self._result: _T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="vetgate-szz", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> _T:
        """Wait for the work; its result, or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def spool(records: Iterable[_T]) -> IO[bytes]:
    """Write ``records`` to an unnamed temporary file, ``CHUNK`` at a time."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - replay() closes it
    try:
        batch: list[_T] = []
        for record in records:
            batch.append(record)
            if len(batch) >= CHUNK:
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def replay(spooled: IO[bytes]) -> Iterator[Any]:
    """The records ``spool`` wrote, in order; the file is closed (and gone) at the end."""
    with spooled:
        while True:
            try:
                batch = pickle.load(spooled)  # our own file, written just now
            except EOFError:
                return
            yield from batch
