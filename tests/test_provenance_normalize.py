"""Folding defeats look-alike and invisible-character evasions without merging real names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetgate.provenance.normalize import fold, fold_email, is_disguised


@pytest.mark.parametrize("disguised, plain", [
    ("Сlaude", "claude"),  # Cyrillic С
    ("nоreply@аnthropic.com", "noreply@anthropic.com"),  # Cyrillic о, а
    ("noreply@anth\u200bropic.com", "noreply@anthropic.com"),  # zero-width space
    ("no\u200creply@anthropic\u2060.com", "noreply@anthropic.com"),  # ZWNJ, word joiner
    ("\ufeffnoreply@anthropic.com", "noreply@anthropic.com"),  # BOM
    ("cursor\u00adagent@cursor.com", "cursoragent@cursor.com"),  # soft hyphen
    ("ｃｕｒｓｏｒａｇｅｎｔ", "cursoragent"),  # full-width
    ("CODEX", "codex"),
    ("Cla\u0301ude", "claude"),  # combining acute
    ("\u202eclaude\u202c", "claude"),  # bidi override
    ("dev\u0456n", "devin"),  # Cyrillic і
    ("c\u043ep\u0456l\u043et", "copilot"),
    ("\U0001d41c\U0001d425\U0001d41a\U0001d42e\U0001d41d\U0001d41e", "claude"),  # math bold
    ("ai\u3164der", "aider"),  # Hangul filler
])
def test_evasions_fold_to_plain(disguised: str, plain: str) -> None:
    assert fold(disguised) == plain


def test_real_names_stay_distinct() -> None:
    assert fold("Claude Dupont") == "claude dupont"
    assert fold("Claude Dupont") != fold("Claude")
    assert fold_email(" <Jane@Anthropic.com> ") == "jane@anthropic.com"


def test_ascii_fast_path_is_lower() -> None:
    assert fold("Co-Authored-By: X") == "co-authored-by: x"
    assert not is_disguised("plain")
    assert is_disguised("Сlaude")


@settings(max_examples=300)
@given(st.text())
def test_fold_is_idempotent_and_total(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert "\u200b" not in folded and "\ufeff" not in folded


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_is_only_lowercased(text: str) -> None:
    assert fold(text) == text.lower()
