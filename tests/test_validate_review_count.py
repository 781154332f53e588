"""`vetgate validate` reports a review no one can ever give (issue 14): `count` above the people
its groups list is an error at the count; when a group holds an @org/team (whose size only the code
host knows) it is a warning naming the group and its size."""

from __future__ import annotations

import pytest

from conftest import GitRepo
from vetgate.main import main

POLICY = """\
version: 1
groups:
  security: [alice, bob@example.com]
  platform: ["@acme/platform", carol]
rules:
  - id: auth
    paths: ["src/auth/**"]
    require:
      review: {{count: {count}, from: [{groups}]}}
"""


def _validate(repo: GitRepo, capsys: pytest.CaptureFixture[str], count: int, groups: str
              ) -> tuple[int, str, str]:
    repo.commit("policy", {".vetgate.yaml": POLICY.format(count=count, groups=groups),
                           "src/auth/login.py": "x\n"})
    code = main(["validate", "-C", str(repo.path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_more_approvals_than_listed_people_is_an_error_at_the_count(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(repo, capsys, 3, "security")
    assert code == 2
    assert out == ""
    assert err == ('.vetgate.yaml:9:23: error: review of rule "auth" needs 3 approvals but '
                   'group "security" lists only 2 people (alice, bob@example.com): no change '
                   "could ever satisfy it; lower review.count or add members to the group\n")


def test_check_refuses_the_impossible_policy_too(repo: GitRepo,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _validate(repo, capsys, 3, "security")
    assert main(["check", "-C", str(repo.path), "--base", "HEAD"]) == 2
    assert ":9:23: error: review of rule \"auth\" needs 3" in capsys.readouterr().err


def test_a_team_that_may_be_larger_is_a_warning_naming_the_group_and_size(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(repo, capsys, 3, "platform")
    assert code == 0
    assert out == ".vetgate.yaml: ok (1 rule, 1 file, 1 warning)\n"
    assert err == ('.vetgate.yaml:6:5: warning: review of rule "auth" needs 3 approvals from '
                   'group "platform", which lists 1 person and 1 team (@acme/platform, carol): '
                   "it can be met only if @acme/platform has enough other members\n")


@pytest.mark.parametrize(("count", "groups"), [(2, "security"), (4, "security, platform"),
                                              (2, "platform")])
def test_possible_reviews_pass_quietly(repo: GitRepo, capsys: pytest.CaptureFixture[str],
                                       count: int, groups: str) -> None:
    code, out, err = _validate(repo, capsys, count, groups)
    assert (code, err) == (0, "")
    assert out == ".vetgate.yaml: ok (1 rule, 1 file)\n"


def test_several_groups_count_their_people_together(repo: GitRepo,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _validate(repo, capsys, 5, "security, platform")
    assert code == 0
    assert 'groups "security" and "platform", which list 3 people and 1 team' in err
