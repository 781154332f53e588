"""``check --reviews FILE``: the shapes it reads and the errors it names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vetgate.errors import UsageError
from vetgate.hosts.model import Review
from vetgate.hosts.reviewfile import load_reviews_file

SHA = "ab" * 20


def write(tmp_path: Path, data: Any, name: str = "reviews.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_list_form(tmp_path: Path) -> None:
    path = write(tmp_path, [
        {"user": "alice", "state": "approved", "commit_id": SHA.upper()},
        {"user": "bob", "state": "COMMENTED", "commit_id": None},
        {"user": "carol", "state": "APPROVED"},
    ])
    evidence = load_reviews_file(path)
    assert evidence.source == "file"
    assert evidence.pr_author is None
    assert evidence.reviews == (
        Review(user="alice", state="APPROVED", commit_id=SHA),
        Review(user="carol", state="APPROVED", commit_id=None),
    )


def test_object_form_with_author(tmp_path: Path) -> None:
    path = write(tmp_path, {"pr_author": "dave", "reviews": [
        {"user": "alice", "state": "APPROVED", "commit_id": SHA},
        {"user": "alice", "state": "DISMISSED", "commit_id": SHA},
    ]})
    evidence = load_reviews_file(path)
    assert evidence.pr_author == "dave"
    assert [r.state for r in evidence.reviews] == ["DISMISSED"]


def test_github_review_objects_pass_through(tmp_path: Path) -> None:
    path = write(tmp_path, [
        {"id": 1, "node_id": "PRR_1", "user": {"login": "alice", "type": "User"}, "body": "",
         "state": "APPROVED", "html_url": "https://github.com/x", "pull_request_url": "u",
         "author_association": "MEMBER", "_links": {}, "submitted_at": "2026-03-01T10:00:00Z",
         "commit_id": SHA},
        {"id": 2, "user": {"login": "helper", "type": "Bot"}, "state": "APPROVED",
         "commit_id": SHA},
        {"id": 3, "user": None, "state": "APPROVED", "commit_id": SHA},
    ])
    reviews = load_reviews_file(path).reviews
    assert [(r.user, r.is_bot, r.submitted_at) for r in reviews] == [
        ("alice", False, "2026-03-01T10:00:00Z"), ("helper", True, None)]


@pytest.mark.parametrize(("data", "message"), [
    ({"user": "a", "state": "APPROVED"}, "the object has no \"reviews\" list"),
    ({"reviews": [], "extra": 1}, "unknown key 'extra'"),
    ({"reviews": [], "pr_author": 5}, "\"pr_author\" must be a login"),
    ("approved", "expected a JSON list of reviews"),
    (["alice"], "item [0]: expected an object {user, state, commit_id}, got str"),
    ([{"user": "a", "state": "APPROVED"}, {"state": "APPROVED"}],
     "item [1]: \"user\" is missing; give the reviewer's login"),
    ([{"user": "", "state": "APPROVED"}], "item [0]: \"user\" must be a login"),
    ([{"user": "a", "state": "LGTM"}], "item [0]: \"state\" must be one of APPROVED, "
                                       "CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING "
                                       "(got \"LGTM\")"),
    ([{"user": "a", "state": "APPROVED", "commit_id": "abc123"}],
     "item [0]: \"commit_id\" must be a full commit id (40 hex digits) or null (got \"abc123\")"),
    ([{"user": "a", "state": "APPROVED", "commmit_id": SHA}], "item [0]: unknown key 'commmit_id'"),
    ([{"user": "a", "state": "APPROVED", "is_bot": "no"}], "\"is_bot\" must be true or false"),
    ([{"user": "a", "state": "APPROVED", "submitted_at": 5}], "\"submitted_at\" must be a"),
])
def test_errors_name_file_and_item(tmp_path: Path, data: Any, message: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(UsageError) as exc:
        load_reviews_file(path)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^cannot read the --reviews file .*missing\.json: "
                                         "No such file or directory$"):
        load_reviews_file(str(tmp_path / "missing.json"))


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("[{]", encoding="utf-8")
    with pytest.raises(UsageError, match="is not valid JSON"):
        load_reviews_file(str(path))


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(
        ["alice", "APPROVED", "commented", SHA, "", "Bot"]) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["user", "state", "commit_id", "login", "type", "reviews", "pr_author",
                         "is_bot", "x"]), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_values)
def test_any_json_loads_or_is_a_usage_error(tmp_path: Path, data: Any) -> None:
    path = write(tmp_path, data)
    try:
        evidence = load_reviews_file(path)
    except UsageError as exc:
        assert str(exc).startswith((path, "the --reviews file"))
        return
    assert all(r.state not in ("COMMENTED", "PENDING") for r in evidence.reviews)
