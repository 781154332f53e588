"""Adversarial repository states: merges and octopus merges in the range, a rebase stopped at
`edit`, detached HEAD, linked worktrees, submodules, shallow and partial clones, an empty
repository, hostile repository configuration, history rewritten by `git replace`, and a policy of
10,000 rules. Each case asserts the documented outcome (exit 0, 1, or 2 with the remedy), never a
traceback.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import (
    CLAUDE_TRAILER,
    Outcome,
    ai_message,
    assert_decided,
    check,
    clone_repo,
    rule_result,
    run_main,
)
from conftest import GitRepo, make_repo

POLICY = """\
version: 1
rules:
  - id: payments
    paths: ["payments/**"]
    require: {forbid: "AI-written changes are not accepted in payments/"}
  - id: db
    paths: ["db/**"]
    require: {max_lines: 5}
"""


@pytest.fixture
def gated(repo: GitRepo) -> GitRepo:
    repo.commit("policy", {".vetgate.yaml": POLICY, "payments/pay.py": "x = 0\n",
                           "lib/util.py": "u = 0\n"})
    return repo


def judge(repo: Path, capsys: Any, *args: str, expect: int) -> Outcome:
    outcome = check(repo, capsys, *args)
    assert_decided(outcome, expect)
    return outcome


def staged_message(repo: GitRepo, message: str) -> str:
    path = repo.path.parent / "MSG"
    path.write_text(message, encoding="utf-8")
    return str(path)


# --- merges -------------------------------------------------------------------------------------

def test_ai_commit_brought_in_by_a_merge_is_blocked(gated: GitRepo, capsys: Any) -> None:
    gated.git("checkout", "-qb", "side")
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    gated.git("checkout", "-qb", "feature", "main")
    gated.commit("human work", {"lib/util.py": "u = 1\n"})
    gated.git("merge", "-q", "--no-ff", "--no-edit", "side")
    outcome = judge(gated.path, capsys, "--base", "main", expect=1)
    assert outcome.data is not None
    assert any(len(c.get("parents", [1, 2])) > 1 or c["sha"] for c in outcome.data["commits"])
    assert rule_result(outcome.data, "payments")["paths"] == ["payments/charge.py"]


@pytest.mark.parametrize("ai_branch, expected", [(1, 1), (None, 0)])
def test_octopus_merge_in_the_range(gated: GitRepo, capsys: Any, ai_branch: int | None,
                                    expected: int) -> None:
    gated.git("checkout", "-qb", "feature")
    gated.commit("feature work", {"lib/feature.py": "f = 1\n"})
    for number in range(3):
        gated.git("checkout", "-qb", f"b{number}", "main")
        message = ai_message(f"branch {number}") if number == ai_branch else f"branch {number}"
        gated.commit(message, {f"payments/b{number}.py": f"b = {number}\n"})
    gated.git("checkout", "-q", "feature")
    gated.git("merge", "-q", "--no-edit", "b0", "b1", "b2")
    parents = gated.git("log", "-1", "--format=%P").split()
    assert len(parents) == 4  # an octopus: feature plus three branches
    judge(gated.path, capsys, "--base", "main", expect=expected)


def test_base_merged_into_the_branch_is_not_blamed(gated: GitRepo, capsys: Any) -> None:
    """An AI change that landed on main and was merged into the feature branch is main's
    business, not the pull request's."""
    gated.git("checkout", "-qb", "feature")
    gated.commit("human work", {"lib/util.py": "u = 1\n"})
    gated.git("checkout", "-q", "main")
    gated.commit(ai_message("charge on main"), {"payments/main.py": "m = 1\n"})
    gated.git("checkout", "-q", "feature")
    gated.git("merge", "-q", "--no-edit", "main")
    outcome = judge(gated.path, capsys, "--base", "main", expect=0)
    assert outcome.data is not None
    assert {c["path"] for c in outcome.data["changes"]} == {"lib/util.py"}


def test_ai_content_written_in_the_merge_commit_itself_is_blocked(gated: GitRepo,
                                                                  capsys: Any) -> None:
    """An "evil merge": the merge commit adds a change no parent has, and says it is AI's."""
    gated.git("checkout", "-qb", "side")
    gated.commit("side work", {"lib/side.py": "s = 1\n"})
    gated.git("checkout", "-qb", "feature", "main")
    gated.commit("feature work", {"lib/feature.py": "f = 1\n"})
    gated.git("merge", "-q", "--no-ff", "--no-commit", "side")
    gated.write("payments/evil.py", "evil = 1\n")
    gated.git("add", "-A")
    gated.git("commit", "-q", "--no-verify", "-m", ai_message("Merge side"))
    outcome = judge(gated.path, capsys, "--base", "main", expect=1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "payments")["paths"] == ["payments/evil.py"]


# --- rebase, detached HEAD, worktrees ---------------------------------------------------------

def test_staged_check_during_an_interactive_rebase_stopped_at_edit(gated: GitRepo,
                                                                   capsys: Any) -> None:
    gated.commit("one", {"lib/one.py": "1\n"})
    gated.commit("two", {"lib/two.py": "2\n"})
    gated.git("rebase", "-q", "-i", "HEAD~2",
              env={"GIT_SEQUENCE_EDITOR": "sed -i -e 's/^pick/edit/'"})
    assert (gated.path / ".git" / "rebase-merge").is_dir(), "the rebase should have stopped"
    assert gated.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"  # detached
    gated.write("payments/pay.py", "x = 'edited during rebase'\n")
    gated.git("add", "-A")
    judge(gated.path, capsys, "--staged", "--message-file",
          staged_message(gated, ai_message("amend")), expect=1)
    judge(gated.path, capsys, "--staged", "--message-file",
          staged_message(gated, "amend by hand\n"), expect=0)
    judge(gated.path, capsys, "--base", "main~2", expect=0)


def test_detached_head(gated: GitRepo, capsys: Any) -> None:
    gated.git("checkout", "-q", "--detach")
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    judge(gated.path, capsys, "--base", "main", expect=1)
    gated.write("payments/charge.py", "c = 2\n")
    gated.git("add", "-A")
    judge(gated.path, capsys, "--staged", "--message-file",
          staged_message(gated, ai_message("more")), expect=1)


def test_linked_worktree(gated: GitRepo, capsys: Any) -> None:
    worktree = gated.path.parent / "wt"
    gated.git("worktree", "add", "-q", "-b", "feature", str(worktree))
    linked = GitRepo(worktree)
    linked.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    judge(worktree, capsys, "--base", "main", expect=1)
    linked.write("payments/charge.py", "c = 2\n")
    linked.git("add", "-A")
    judge(worktree, capsys, "--staged", "--message-file",
          staged_message(linked, ai_message("more")), expect=1)
    # The main worktree's own (empty) staged change is unaffected.
    judge(gated.path, capsys, "--staged", expect=0)


def test_run_from_a_subdirectory(gated: GitRepo, capsys: Any) -> None:
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    judge(gated.path / "payments", capsys, "--base", "main~1", expect=1)


def test_real_submodule_in_a_protected_folder(gated: GitRepo, capsys: Any,
                                              tmp_path: Path) -> None:
    library = make_repo(tmp_path / "library")
    library.commit("lib", {"lib.py": "l = 1\n"})
    gated.git("-c", "protocol.file.allow=always", "submodule", "add", "-q",
              str(library.path), "payments/vendor")
    gated.git("commit", "-q", "--no-verify", "-m", ai_message("vendor payments library"))
    outcome = judge(gated.path, capsys, "--base", "main~1", expect=1)
    assert outcome.data is not None
    assert "payments/vendor" in rule_result(outcome.data, "payments")["paths"]


# --- clones -------------------------------------------------------------------------------------

@pytest.fixture
def upstream(tmp_path: Path) -> GitRepo:
    """main: base → main2; feature (from base): one AI commit to payments/."""
    source = make_repo(tmp_path / "upstream")
    source.git("config", "uploadpack.allowFilter", "true")
    source.commit("policy", {".vetgate.yaml": POLICY, "payments/pay.py": "x = 0\n"})
    source.git("checkout", "-qb", "feature")
    source.commit(ai_message("charge"), {"payments/pay.py": "x = 1\n"})
    source.git("checkout", "-q", "main")
    source.commit("main moves on", {"lib/other.py": "o = 1\n"})
    return source


def _clone(upstream: GitRepo, target: Path, *options: str) -> GitRepo:
    return GitRepo(clone_repo(upstream.path, target, *options, branch="feature"))


def test_shallow_clone_missing_the_merge_base_exits_2_with_the_remedy(
        upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "shallow", "--depth", "1", "--no-single-branch")
    outcome = judge(clone.path, capsys, "--base", "origin/main", expect=2)
    assert "shallow" in outcome.err and "fetch-depth: 0" in outcome.err
    assert outcome.err.count("\n") == 1  # one line


def test_shallow_clone_missing_the_base_commit_exits_2(upstream: GitRepo, tmp_path: Path,
                                                      capsys: Any) -> None:
    base = upstream.git("rev-parse", "main~1").strip()
    clone = _clone(upstream, tmp_path / "shallow", "--depth", "1", "--no-single-branch")
    outcome = judge(clone.path, capsys, "--base", base, expect=2)
    assert base[:7] in outcome.err


def test_deepened_shallow_clone_works(upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "shallow", "--depth", "1", "--no-single-branch")
    clone.git("fetch", "-q", "--unshallow")
    judge(clone.path, capsys, "--base", "origin/main", expect=1)


def test_partial_clone_fetches_missing_blobs_and_works(upstream: GitRepo, tmp_path: Path,
                                                      capsys: Any) -> None:
    """A blob:none partial clone: git fetches the blobs the diff needs from the promisor remote
    on demand (here a file:// remote, no network), so the check works as in a full clone."""
    clone = _clone(upstream, tmp_path / "partial", "--filter=blob:none", "--no-local")
    assert clone.git("config", "remote.origin.promisor").strip() == "true"
    judge(clone.path, capsys, "--base", "origin/main", expect=1)


def test_partial_clone_with_the_promisor_gone_fails_cleanly(upstream: GitRepo, tmp_path: Path,
                                                           capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "partial", "--filter=blob:none", "--no-local")
    clone.git("remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")
    outcome = check(clone.path, capsys, "--base", "origin/main")
    assert_decided(outcome, 1, 2)  # 1 when every needed blob is already local


# --- empty and odd repositories -----------------------------------------------------------------

@pytest.mark.parametrize("args, expected, fragment", [
    (["check", "--staged"], 0, ""),
    (["check", "--base", "HEAD"], 2, "HEAD"),
    (["check", "--range", "HEAD~1..HEAD"], 2, "HEAD"),
    (["origin"], 2, "HEAD"),
    (["explain", "payments/x.py"], 0, ""),
    (["validate"], 0, ""),
    (["audit"], 2, ""),
])
def test_empty_repository(repo: GitRepo, capsys: Any, args: list[str], expected: int,
                          fragment: str) -> None:
    outcome = run_main([args[0], "-C", str(repo.path), *args[1:]], capsys)
    assert_decided(outcome, expected)
    assert fragment in outcome.err
    if expected == 2:
        assert outcome.err.strip(), "exit 2 must say why"


def test_unborn_head_with_a_staged_ai_change(repo: GitRepo, capsys: Any) -> None:
    repo.write(".vetgate.yaml", POLICY)
    repo.write("payments/pay.py", "x = 1\n")
    repo.git("add", "-A")
    judge(repo.path, capsys, "--staged", "--message-file",
          staged_message(repo, ai_message("first")), expect=1)


@pytest.mark.parametrize("where", ["bare", "dot-git", "not-a-repo"])
def test_not_a_work_tree_exits_2(tmp_path: Path, capsys: Any, where: str) -> None:
    if where == "bare":
        target = tmp_path / "bare.git"
        subprocess.run(["git", "init", "-q", "--bare", str(target)], check=True)
    elif where == "dot-git":
        target = make_repo(tmp_path / "r").path / ".git"
    else:
        target = tmp_path / "plain"
        target.mkdir()
    outcome = run_main(["check", "-C", str(target), "--staged"], capsys)
    assert_decided(outcome, 2)
    assert "work tree" in outcome.err


def test_empty_range(gated: GitRepo, capsys: Any) -> None:
    outcome = judge(gated.path, capsys, "--base", "HEAD", expect=0)
    assert outcome.data is not None and outcome.data["changes"] == []


def test_three_dot_range_is_refused_with_the_reason(gated: GitRepo, capsys: Any) -> None:
    outcome = run_main(["check", "-C", str(gated.path), "--range", "main...HEAD"], capsys)
    assert_decided(outcome, 2)
    assert "A..B" in outcome.err or ".." in outcome.err


# --- hostile configuration and rewritten history -----------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("core.quotePath", "true"),
    ("diff.noprefix", "true"),
    ("diff.mnemonicPrefix", "true"),
    ("diff.relative", "true"),
    ("diff.renames", "false"),
    ("diff.external", "false"),
    ("color.ui", "always"),
    ("color.diff", "always"),
    ("log.showSignature", "true"),
    ("log.abbrevCommit", "true"),
    ("log.decorate", "full"),
    ("log.showRoot", "false"),
    ("format.pretty", "oneline"),
    ("i18n.logOutputEncoding", "latin-1"),
    ("core.commentChar", ";"),
    ("diff.submodule", "diff"),
    ("notes.displayRef", "refs/notes/*"),
    ("log.mailmap", "true"),
])
def test_hostile_repository_configuration_changes_nothing(gated: GitRepo, capsys: Any,
                                                          key: str, value: str) -> None:
    gated.git("config", key, value)
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    judge(gated.path, capsys, "--base", "main~1", expect=1)
    gated.write("payments/charge.py", "c = 2\n")
    gated.git("add", "-A")
    judge(gated.path, capsys, "--staged", "--message-file",
          staged_message(gated, ai_message("more")), expect=1)


def test_mailmap_cannot_turn_an_agent_author_into_a_human(gated: GitRepo, capsys: Any) -> None:
    gated.commit("mailmap", {".mailmap": "Hannah Human <hannah@example.com> "
                                         "Claude <noreply@anthropic.com>\n"})
    gated.commit("charge", {"payments/charge.py": "c = 1\n"},
                 author="Claude <noreply@anthropic.com>")
    judge(gated.path, capsys, "--base", "main~1", expect=1)


def test_replace_refs_cannot_hide_an_ai_commit(gated: GitRepo, capsys: Any) -> None:
    """`git replace` can make git show a human copy of an AI commit; vetgate reads the real
    objects (GIT_NO_REPLACE_OBJECTS)."""
    base = gated.head()
    ai_sha = gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    tree = gated.git("rev-parse", "HEAD^{tree}").strip()
    human_sha = gated.git("commit-tree", tree, "-p", base, "-m", "charge by hand").strip()
    gated.git("replace", ai_sha, human_sha)
    judge(gated.path, capsys, "--base", base, expect=1)


def test_gitattributes_cannot_hide_lines_from_max_lines(gated: GitRepo, capsys: Any) -> None:
    """`-diff` makes git count a text file as binary (no line counts); max_lines fails closed
    on it instead of counting 0 lines."""
    base = gated.head()
    gated.commit(ai_message("big query"), {
        ".gitattributes": "db/** -diff\n",
        "db/big.sql": "".join(f"select {i};\n" for i in range(100)),
    })
    outcome = judge(gated.path, capsys, "--base", base, expect=1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "db")["status"] == "fail"


def test_real_binary_file_is_reported_not_crashed_on(gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.commit("human binary", {"db/blob.bin": bytes(range(256)) * 64})
    outcome = check(gated.path, capsys, "--base", base)
    assert_decided(outcome, 0, 1)


def test_ai_commit_with_trailer_added_by_amend_is_judged_by_the_final_message(
        gated: GitRepo, capsys: Any) -> None:
    gated.commit("charge", {"payments/charge.py": "c = 1\n"})
    gated.git("commit", "-q", "--amend", "--no-verify", "-m", f"charge\n\n{CLAUDE_TRAILER}")
    judge(gated.path, capsys, "--base", "main~1", expect=1)


# --- a policy of 10,000 rules -------------------------------------------------------------------

def test_policy_with_ten_thousand_rules_loads_and_checks(repo: GitRepo, capsys: Any) -> None:
    """Timing is the benchmark's (benchmarks/run.py prints it); here: it works."""
    rules = "".join(
        f'  - id: r{i}\n    paths: ["src/mod{i}/**"]\n    require: {{forbid: "no AI in {i}"}}\n'
        for i in range(10_000)
    )
    repo.commit("policy", {".vetgate.yaml": "version: 1\nrules:\n" + rules})
    repo.write("src/mod9999/x.py", "x = 1\n")
    repo.write("src/other/y.py", "y = 1\n")
    repo.git("add", "-A")
    outcome = judge(repo.path, capsys, "--staged", "--message-file",
                    staged_message(repo, ai_message("touch the last rule")), expect=1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "r9999")["status"] == "fail"
    assert rule_result(outcome.data, "r0")["status"] == "skip"


# --- laundering, deletions, and the policy files themselves -----------------------------------

def test_ai_deletion_in_a_protected_folder_is_blocked(gated: GitRepo, capsys: Any) -> None:
    gated.commit(ai_message("drop payments"), remove=["payments/pay.py"])
    outcome = judge(gated.path, capsys, "--base", "main~1", expect=1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "payments")["paths"] == ["payments/pay.py"]


def test_a_later_human_commit_does_not_launder_an_ai_change(gated: GitRepo,
                                                           capsys: Any) -> None:
    base = gated.head()
    gated.commit(ai_message("charge"), {"payments/pay.py": "x = 1\n"})
    gated.commit("polish by hand", {"payments/pay.py": "x = 2\n"})
    judge(gated.path, capsys, "--base", base, expect=1)


def test_rewritten_move_out_of_a_protected_folder_is_blocked(gated: GitRepo,
                                                            capsys: Any) -> None:
    """Too different to be detected as a rename: git shows a deletion and an addition, and the
    deletion is in the protected folder."""
    base = gated.head()
    gated.git("rm", "-q", "payments/pay.py")
    gated.commit(ai_message("move and rewrite"),
                 {"lib/pay.py": "".join(f"line {i}\n" for i in range(40))})
    outcome = judge(gated.path, capsys, "--base", base, expect=1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "payments")["paths"] == ["payments/pay.py"]


def test_new_file_under_an_include_glob_needs_the_policy_owners(repo: GitRepo, capsys: Any,
                                                                tmp_path: Path) -> None:
    repo.commit("policy", {
        ".vetgate.yaml": "version: 1\ninclude: [policies/*.yaml]\ngroups:\n  owners: [carol]\n"
                         "policy_owners: [owners]\nrules: []\n",
        "policies/base.yaml": "rules: []\n",
    })
    base = repo.head()
    repo.commit(ai_message("add a policy file"),
                {"policies/new.yaml": "groups:\n  helpers: [mallory]\nrules: []\n"})
    outcome = judge(repo.path, capsys, "--base", base, expect=0)
    assert outcome.data is not None
    builtin = rule_result(outcome.data, "vetgate-policy")
    assert builtin["status"] == "pending" and builtin["paths"] == ["policies/new.yaml"]
    no_reviews = tmp_path / "reviews.json"
    no_reviews.write_text("[]")
    judge(repo.path, capsys, "--base", base, "--reviews", str(no_reviews), expect=1)


def test_policy_replaced_by_a_symlink_at_head_does_not_pass(gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.write("policies/real.yaml", "version: 1\nrules: []\n")
    (gated.path / ".vetgate.yaml").unlink()
    (gated.path / ".vetgate.yaml").symlink_to("policies/real.yaml")
    gated.commit(ai_message("relocate the policy and charge"), {"payments/x.py": "x\n"})
    outcome = check(gated.path, capsys, "--base", base)
    assert_decided(outcome, 1, 2)


def test_invalid_policy_at_the_base_fails_closed(repo: GitRepo, capsys: Any) -> None:
    repo.commit("broken policy", {".vetgate.yaml": "version: 1\nrules: [\n"})
    base = repo.head()
    repo.commit("fix policy and charge", {".vetgate.yaml": POLICY, "payments/x.py": "x\n"})
    outcome = judge(repo.path, capsys, "--base", base, expect=2)
    assert ".vetgate.yaml" in outcome.err


def test_ai_commit_that_changes_nothing_passes(gated: GitRepo, capsys: Any) -> None:
    gated.commit(ai_message("nothing"), allow_empty=True)
    judge(gated.path, capsys, "--base", "main~1", expect=0)


# --- refs that are not what they seem -----------------------------------------------------------

def test_base_with_no_common_history_exits_2(gated: GitRepo, capsys: Any) -> None:
    gated.git("checkout", "-q", "--orphan", "elsewhere")
    gated.git("rm", "-rqf", ".")
    gated.commit("unrelated", {"other.txt": "o\n"})
    outcome = judge(gated.path, capsys, "--base", "main", expect=2)
    assert outcome.err.count("\n") == 1


@pytest.mark.parametrize("ref", ["--all", "-h", "--output=PWNED", "--git-dir=/tmp",
                                 "HEAD --all", "main^{tree}", ":/charge", "@{-1}", " "])
def test_option_like_and_odd_refs(gated: GitRepo, capsys: Any, ref: str) -> None:
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    outcome = run_main(["check", "-C", str(gated.path), f"--base={ref}"], capsys)
    assert_decided(outcome, 0, 1, 2)
    if ref.startswith("-") or ref in ("HEAD --all", "main^{tree}", " "):
        assert outcome.code == 2, outcome.describe()
    assert not (gated.path / "PWNED").exists()
    outcome = run_main(["check", "-C", str(gated.path), "--range", f"{ref}..HEAD"], capsys)
    assert_decided(outcome, 0, 1, 2)
    assert not (gated.path / "PWNED").exists()


def test_annotated_tag_as_head(gated: GitRepo, capsys: Any) -> None:
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    gated.git("tag", "-a", "-m", "release", "v1")
    judge(gated.path, capsys, "--base", "main~1", "--head", "v1", expect=1)


def test_blob_as_base_exits_2(gated: GitRepo, capsys: Any) -> None:
    blob = gated.git("rev-parse", "HEAD:payments/pay.py").strip()
    judge(gated.path, capsys, "--base", blob, expect=2)


# An unset variable in a CI script (`--base "$BASE"`, `--range "$BASE..HEAD"`) must be refused,
# never read as "the staged index" or the empty range HEAD..HEAD, which would pass.
@pytest.mark.parametrize("args", [["--base="], ["--range="], ["--range=..HEAD"],
                                  ["--range=HEAD.."], ["--range=.."]],
                         ids=["empty-base", "empty-range", "empty-left", "empty-right",
                              "bare-dots"])
def test_empty_base_or_range_side_is_refused_not_passed(gated: GitRepo, capsys: Any,
                                                        args: list[str]) -> None:
    gated.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    outcome = run_main(["check", "-C", str(gated.path), *args], capsys)
    assert_decided(outcome, 2)
