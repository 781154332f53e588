"""Issue 17, class 10: a protected folder spelt in another Unicode normal form is the same folder.

macOS file systems hand back names decomposed (NFD: ``e`` + U+0301), most editors and Linux
tools write them composed (NFC: ``é``), and git stores whichever bytes it was given. A policy
written in one form must protect the folder in the other, with and without ``case_sensitive``.
Real repositories and real commits; the property over many names is in test_policy_patterns.py.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from adversarial.harness import ai_message, assert_decided, check, rule_result
from conftest import GitRepo

FOLDERS = ["données", "Zahlungsverkehr/Überweisung", "결제", "płatności", "Ελληνικά/ῷ"]


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("policy_form,path_form", [("NFC", "NFD"), ("NFD", "NFC")])
@pytest.mark.parametrize("case_sensitive", [True, False])
def test_protected_folder_in_the_other_normal_form_is_protected(
        repo: GitRepo, capsys: Any, folder: str, policy_form: str, path_form: str,
        case_sensitive: bool) -> None:
    pattern = unicodedata.normalize(policy_form, folder)
    policy = (f"version: 1\ncase_sensitive: {str(case_sensitive).lower()}\nrules:\n"
              f"  - id: protected\n    paths: [\"{pattern}/**\"]\n"
              "    require: {forbid: \"no AI-written changes here\"}\n")
    repo.commit("policy", {".vetgate.yaml": policy})
    base = repo.head()
    spelt = unicodedata.normalize(path_form, folder)
    if not case_sensitive:
        spelt = spelt.upper() if spelt.upper().lower() == spelt.lower() else spelt
    assert spelt.encode() != pattern.encode() or folder.isascii()
    repo.commit(ai_message("sneak in"), {f"{spelt}/charge.py": "steal = True\n"})
    outcome = check(repo.path, capsys, "--base", base)
    assert_decided(outcome, 1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "protected")["status"] == "fail"
