"""Writing a file so that a reader sees the old one or the new one, never half of one."""

from __future__ import annotations

import os


def write_atomically(path: str, *chunks: bytes, prefix: str = ".vetgate-") -> None:
    """Write ``chunks`` to a temporary file beside ``path`` (named ``prefix``...), then rename it
    over ``path``. When anything fails the temporary file is removed and the error raised."""
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=prefix, dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
