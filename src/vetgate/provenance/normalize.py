"""Text folding that defeats cheap evasions of the provenance catalog.

Every comparison between a commit's text and the catalog goes through :func:`fold`: both sides
are folded the same way, so "Сlaude <noreply@аnthropic.com>" written with Cyrillic letters, a
zero-width space in an address, full-width letters, a Unicode hyphen in a trailer key or a colon
look-alike as its separator all compare equal to the plain ASCII mark. Look-alikes come from
Unicode's confusables data (UTS #39), reduced to the characters the matchers use by
``tools/gen_confusables.py`` into ``confusables.json``, and applied *before* NFKD (which would
otherwise turn some of them into other non-ASCII letters: Greek lunate sigma ``ϲ`` → ``ς``).
Folding is deliberately lossy: it is only ever used for matching, never for display (evidence
always shows the exact original text).

The ASCII fast path matters: almost every commit is pure ASCII, and then folding is just
``str.lower``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters that render as nothing (or as blank space that looks like nothing) but are not
# removed by NFKD or by dropping the Unicode "format" and "mark" categories below. Cf (format:
# U+200B..U+200F, U+2060..U+2064, U+FEFF, U+00AD, bidi controls, tags) and Mn/Me (combining
# marks, variation selectors) are dropped by category.
_EXTRA_INVISIBLE = frozenset(
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers (category Lo, render blank)
    "\u2800"  # braille pattern blank (So)
    "\u180e"  # Mongolian vowel separator (Cf in new Unicode, Zs in old)
    "\u034f"  # combining grapheme joiner
)
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc"})

# Letters from other scripts that look like Latin letters, beyond or instead of what UTS #39
# lists; applied before NFKD and again after casefolding. Mapping the lower-case forms also
# covers upper-case look-alikes (casefold runs first): Cyrillic "С" → "с" → "c". Where upper and
# lower case look different we follow the lower case, because the marks that matter are e-mail
# addresses, which are written in lower case.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i",
    "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
    "т": "t", "у": "y", "ү": "y", "х": "x", "ԝ": "w", "ѵ": "v", "ɡ": "g", "ԍ": "g", "ь": "b",
    # Greek
    "α": "a", "β": "b", "ϲ": "c", "ε": "e", "η": "n", "ι": "i", "ϳ": "j", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u",
    # Armenian
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "զ": "q", "ց": "g",
    # Latin letters that look like other Latin letters
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ʋ": "u", "ɒ": "a",
}
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=1)
def confusables() -> dict[str, str]:
    """{character: the ASCII text it looks like}: Unicode's confusables data (UTS #39, reduced
    to what the matchers use in ``confusables.json``), and where the hand-made list above
    disagrees, its choice (small palochka ``ӏ``: UTS #39 says ``i``, it is drawn as ``l``)."""
    import json
    from importlib import resources

    data = json.loads(resources.files(__package__).joinpath("confusables.json")
                      .read_text(encoding="utf-8"))
    table = {ch: target for target, chars in data["map"].items() for ch in chars}
    table.update(_CONFUSABLES)
    return table


@functools.lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    return str.maketrans(confusables())


def _fold_run(text: str) -> str:
    table = _table()
    decomposed = unicodedata.normalize("NFKD", text.translate(table))
    category = unicodedata.category
    kept = "".join(
        ch for ch in decomposed
        if ch.isascii() or (ch not in _EXTRA_INVISIBLE and category(ch) not in _DROPPED_CATEGORIES)
    )
    return kept.casefold().translate(table)


def _fold_match(match: re.Match[str]) -> str:
    return _fold_run(match.group())


def fold(text: str) -> str:
    """Fold ``text`` for matching: NFKD, drop invisible and combining characters, casefold,
    map confusable letters to Latin.

    ASCII text is only lower-cased (the common case, and fast). In mixed text only the
    non-ASCII runs take the slow path: every step is per character (a combining mark after an
    ASCII letter is simply dropped), so folding runs separately gives the same result.
    """
    if text.isascii():
        return text.lower()
    return _NON_ASCII_RUN.sub(_fold_match, text).lower()


def fold_email(email: str) -> str:
    """Fold an address for exact lookup: :func:`fold`, then trim blanks and angle brackets."""
    return fold(email).strip().strip("<>").strip()


def is_disguised(text: str) -> bool:
    """True when ``text`` has characters folding would remove or rewrite (non-ASCII)."""
    return not text.isascii()
