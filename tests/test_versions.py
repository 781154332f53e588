"""One version everywhere: the docs, examples, the action and the CI template pin the version the
package declares (vetgate.__version__, which pyproject reads), and none pins a moving major tag
such as `@v0` (issue 14)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from vetgate import __version__

if sys.version_info < (3, 11):  # pragma: no cover - tomllib is in the standard library from 3.11
    pytest.skip("reading pyproject.toml needs tomllib (Python 3.11+)", allow_module_level=True)
import tomllib

ROOT = Path(__file__).resolve().parent.parent
PINS = (
    re.compile(r"\brev:\s*v(?P<v>\d[\w.]*)"),  # pre-commit
    re.compile(r"vetgate/vetgate@v(?P<v>\d[\w.]*)"),  # the GitHub action
    re.compile(r"\bvetgate==(?P<v>\d[\w.]*)"),  # pip
    re.compile(r"/vetgate/vetgate/v(?P<v>\d[\w.]*)/"),  # raw URLs of a tag (GitLab include)
    re.compile(r"\bref:\s*v(?P<v>\d[\w.]*)"),  # GitLab include: project + ref
)


def _files() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "action.yml", ROOT / "SECURITY.md"]
    found += sorted((ROOT / "docs").glob("*.md"))
    found += sorted((ROOT / "examples").glob("*.y*ml"))
    found += sorted((ROOT / "ci").rglob("*.y*ml"))
    return [f for f in found if f.is_file()]


def test_pyproject_takes_the_version_from_the_package() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in data["project"]
    assert data["project"]["dynamic"] == ["version"]
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vetgate.__version__"}


def test_every_pin_in_docs_and_examples_is_the_package_version() -> None:
    pins: list[tuple[str, str]] = []
    for path in _files():
        text = path.read_text(encoding="utf-8")
        for pattern in PINS:
            pins += [(f"{path.relative_to(ROOT)}: {m.group(0)}", m.group("v"))
                     for m in pattern.finditer(text)]
    assert len(pins) >= 5, pins  # the patterns still find the pins
    wrong = [where for where, version in pins if version.rstrip(".") != __version__]
    assert not wrong, f"pins other than {__version__}: {wrong}"


def test_no_moving_major_tag() -> None:
    for path in _files():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"vetgate/vetgate@v\d+\b(?!\.)", text), path


def test_the_docs_say_how_to_pin_a_commit_until_a_release_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Until that release is published, pin a commit" in readme
    assert "uses: vetgate/vetgate@<sha>" in readme and "rev: <sha>" in readme


def test_the_license_is_an_spdx_expression_with_its_file() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    assert data["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    requires = data["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(7[7-9]|[89]\d)(\.\d+)*", r) for r in requires)
