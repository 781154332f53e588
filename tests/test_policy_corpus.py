"""The policy corpus: broken policies fail `vetgate validate` with exactly the messages written
beside them; good ones, the examples, the default and the project's own policy pass. The JSON
Schema agrees with the loader on all of them, except where a check is beyond JSON Schema (those
entries say ``# loader-only: why``).

A bad entry is a file (copied in as ``.vetgate.yaml``) or a directory (copied as the repository,
its ``.vetgate.yaml`` the root). Its root file starts with ``# expect: LINE:COL: message`` lines
(``# expect: FILE:LINE:COL: message`` for another file), in the order vetgate prints them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import GitRepo
from vetgate.main import main

TESTS = Path(__file__).parent
PROJECT = TESTS.parent
CORPUS = TESTS / "policy_corpus"
BAD = sorted(CORPUS.joinpath("bad").iterdir())
GOOD = sorted(CORPUS.joinpath("good").iterdir())
EXAMPLES = sorted(PROJECT.joinpath("policies").glob("*.yaml"))
PACKAGED_SCHEMA = PROJECT / "src" / "vetgate" / "policy" / "vetgate.schema.json"
PUBLISHED_SCHEMA = PROJECT / "schema" / "vetgate.schema.json"
DEFAULT_POLICY = PROJECT / "src" / "vetgate" / "policy" / "default.yaml"


def _root_file(entry: Path) -> Path:
    return entry / ".vetgate.yaml" if entry.is_dir() else entry


def _header(entry: Path) -> tuple[list[str], str | None]:
    """The expected error lines and the loader-only reason of a bad entry."""
    expected: list[str] = []
    loader_only = None
    for raw in _root_file(entry).read_bytes().split(b"\n"):
        line = raw.decode("utf-8", "replace")
        if line.startswith("# expect: "):
            body = line[len("# expect: "):]
            where, message = body.split(": ", 1)
            if where[0].isdigit():
                where = f".vetgate.yaml:{where}"
            expected.append(f"{where}: error: {message}")
        elif line.startswith("# loader-only: "):
            loader_only = line[len("# loader-only: "):]
        else:
            break
    return expected, loader_only


def _install(entry: Path, repo: GitRepo) -> None:
    if entry.is_dir():
        shutil.copytree(entry, repo.path, dirs_exist_ok=True)
    else:
        shutil.copyfile(entry, repo.path / ".vetgate.yaml")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(PACKAGED_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_accepts(validator: jsonschema.Draft202012Validator, path: Path) -> bool | None:
    """True/False as the schema judges the file's data; None when YAML cannot even load it."""
    try:
        data: Any = yaml.safe_load(path.read_bytes())
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    return validator.is_valid(data)


def test_corpus_is_big_enough() -> None:
    assert len(BAD) >= 25
    assert len(GOOD) >= 8


@pytest.mark.parametrize("entry", BAD, ids=lambda p: p.name)
def test_bad_policy_fails_with_the_expected_messages(
        entry: Path, repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    expected, _ = _header(entry)
    assert expected, f"{entry.name}: no '# expect:' line"
    _install(entry, repo)
    code = main(["validate", "-C", str(repo.path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines() == expected
    assert captured.out == ""


@pytest.mark.parametrize("entry", BAD, ids=lambda p: p.name)
def test_schema_rejects_bad_policy_unless_loader_only(
        entry: Path, validator: jsonschema.Draft202012Validator) -> None:
    _, loader_only = _header(entry)
    verdict = _schema_accepts(validator, _root_file(entry))
    if loader_only:
        # The mark must be honest: JSON Schema really cannot catch this one.
        assert verdict is not False, f"{entry.name} is caught by the schema; drop loader-only"
    else:
        assert verdict is False, f"the schema accepts {entry.name}"


@pytest.mark.parametrize("entry", GOOD, ids=lambda p: p.name)
def test_good_policy_validates(entry: Path, repo: GitRepo,
                               capsys: pytest.CaptureFixture[str]) -> None:
    _install(entry, repo)
    code = main(["validate", "-C", str(repo.path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "error:" not in captured.err
    assert captured.out.startswith(".vetgate.yaml: ok (")


@pytest.mark.parametrize("entry", GOOD, ids=lambda p: p.name)
def test_schema_accepts_good_policy(entry: Path,
                                    validator: jsonschema.Draft202012Validator) -> None:
    assert _schema_accepts(validator, _root_file(entry)) is True


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_policy_validates(example: Path, validator: jsonschema.Draft202012Validator,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-C", str(PROJECT), str(example)]) == 0
    captured = capsys.readouterr()
    assert "error:" not in captured.err
    assert captured.out.startswith(f"policies/{example.name}: ok (")
    assert _schema_accepts(validator, example) is True
    first_line = example.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# yaml-language-server: $schema=")


def test_the_named_examples_exist() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"auth.yaml", "payments.yaml", "data-access.yaml", "strict-origin.yaml",
            "monorepo.yaml"} <= names


def test_project_policy_and_default_pass_the_schema(
        validator: jsonschema.Draft202012Validator) -> None:
    assert _schema_accepts(validator, PROJECT / ".vetgate.yaml") is True
    assert _schema_accepts(validator, DEFAULT_POLICY) is True


def test_project_policy_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-C", str(PROJECT), str(PROJECT / ".vetgate.yaml")]) == 0
    assert capsys.readouterr().out.startswith(".vetgate.yaml: ok (")


def test_published_schema_is_the_packaged_one() -> None:
    assert PUBLISHED_SCHEMA.read_bytes() == PACKAGED_SCHEMA.read_bytes()


def test_bad_policy_through_the_console_script(repo: GitRepo) -> None:
    _install(CORPUS / "bad" / "bad-level.yaml", repo)
    proc = subprocess.run([sys.executable, "-m", "vetgate", "validate"], cwd=repo.path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == _header(CORPUS / "bad" / "bad-level.yaml")[0]
    assert "Traceback" not in proc.stderr
