"""Red-team review: an AI agent trying to get a change past the gate.

Each test asserts the behaviour the spec, SECURITY.md or docs/ promise. The review found eight
ways through (an AI file moved into a protected folder by a later unmarked commit, evil merges,
a misnamed policy at the base, an unvalidated --policy file at head, max_lines beaten by copy or
move); they are fixed and these tests keep them fixed. The rest cover tricks that held up.
Everything runs on real repositories with real git; the GitHub API is the local fake host.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import CLAUDE_TRAILER, Outcome, ai_message, assert_decided, check
from conftest import GitRepo
from fakehost import FakeHost
from vetgate.main import main

POLICY = """\
version: 1
groups:
  security: [alice]
  policy-owners: [carol]
policy_owners: [policy-owners]
rules:
  - id: payments
    paths: ["payments/**"]
    require: {forbid: "AI-written changes are not accepted in payments/"}
  - id: db
    paths: ["db/**"]
    require: {max_lines: 10}
  - id: auth
    paths: ["src/auth/**"]
    require:
      review: {count: 1, from: [security]}
"""

PAY = "".join(f"line {i}\n" for i in range(20))


@pytest.fixture
def gated(repo: GitRepo) -> GitRepo:
    repo.commit("policy", {".vetgate.yaml": POLICY, "payments/pay.py": PAY,
                           "lib/util.py": "u = 0\n", "src/auth/session.py": "a = 1\n"})
    return repo


def judge(repo: GitRepo, capsys: Any, *args: str, expect: int | tuple[int, ...]) -> Outcome:
    outcome = check(repo.path, capsys, *args)
    allowed = expect if isinstance(expect, tuple) else (expect,)
    assert_decided(outcome, *allowed)
    return outcome


def result(data: dict[str, Any] | None, rule: str) -> dict[str, Any]:
    assert data is not None
    for item in data["results"]:
        if item["rule"] == rule:
            return item
    raise AssertionError(f"no result for {rule}")


# === Findings ===================================================================================

# --- 1. AI content moved into a protected folder by a separate, unmarked commit ---------------

RENAME_CHAIN = (
    "File origin only looks at commits whose own paths equal the range diff's paths "
    "(engine/evaluate.py:_touching_commits via _commits_by_path); a rename recorded by a later "
    "commit is not followed back, so an AI commit that wrote the content under another path "
    "never counts. Spec 3: 'A changed file's origin is ai when any commit of the range that "
    "touched it is ai ... Renames count under both the old and the new path'. Fix: keep each "
    "commit's rename pairs (parse_log already sees R/C with old+new path) and walk the commits "
    "newest-first, growing each range file's set of aliases through every rename/copy, then "
    "take every commit that touched any alias."
)


def test_ai_file_moved_into_a_protected_folder_by_a_later_commit_is_blocked(
        gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.commit(ai_message("helper"), {"lib/charge.py": "charge = 'evil'\nmore = 1\n"})
    gated.git("mv", "lib/charge.py", "payments/charge.py")
    gated.commit("move into place")  # unmarked: counts as human
    outcome = judge(gated, capsys, "--base", base, expect=(0, 1))
    assert outcome.code == 1, outcome.describe()
    assert result(outcome.data, "payments")["status"] == "fail"


def test_protected_file_moved_out_edited_by_ai_and_moved_back_is_blocked(
        gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.git("mv", "payments/pay.py", "lib/pay.py")
    gated.commit("move out")
    gated.commit(ai_message("edit"), {"lib/pay.py": PAY + "steal = True\n"})
    gated.git("mv", "lib/pay.py", "payments/pay.py")
    gated.commit("move back")
    outcome = judge(gated, capsys, "--base", base, expect=(0, 1))
    assert outcome.data is not None
    (change,) = outcome.data["changes"]
    assert change["path"] == "payments/pay.py" and change["status"] == "M"
    assert change["origin"] == "ai", change
    assert outcome.code == 1


# --- 2. Evil merge: the merge's own AI content is ignored once any plain commit touched the file


EVIL_MERGE = (
    "engine/evaluate.py:_touching_commits attributes a file to merge commits only when no "
    "single-parent commit touched it; if one (human) commit did, the AI-marked merge commit "
    "that adds its own content to the file is dropped and the file counts as human. SECURITY.md: "
    "'content a merge commit adds itself is attributed to the merge commits ... never guessed "
    "permissively'. Fix: also count a merge commit for a file when the file's blob at the merge "
    "differs from its blob in every parent (git diff-tree --cc / -c --name-only lists exactly "
    "those paths); cheaper fail-closed variant: add all merge commits of the range to every "
    "file's touching commits."
)


def test_evil_merge_content_counts_even_when_a_human_commit_touched_the_file(
        gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.git("checkout", "-qb", "side")
    gated.commit("side work", {"lib/side.py": "s = 1\n"})
    gated.git("checkout", "-q", "main")
    gated.commit("human tweak", {"payments/pay.py": PAY.replace("line 0", "line zero")})
    gated.git("merge", "-q", "--no-ff", "--no-commit", "side")
    gated.write("payments/pay.py", PAY.replace("line 0", "line zero") + "evil = 1\n")
    gated.git("add", "-A")
    gated.git("commit", "-q", "--no-verify", "-m", ai_message("Merge side"))
    # The merge commit itself carries the AI mark and wrote the evil line.
    assert "evil = 1" in gated.git("diff", "HEAD^1", "HEAD", "--", "payments/pay.py")
    outcome = judge(gated, capsys, "--base", base, expect=(0, 1))
    assert outcome.code == 1, outcome.describe()
    assert result(outcome.data, "payments")["status"] == "fail"


# --- 3. A misnamed policy at the base is silently replaced by the default in range/CI mode ---

MISNAMED_AT_BASE = (
    "gate/policy.py:discover_at only asks for .vetgate.yaml at the revision and falls back "
    "to the packaged default when it is absent; the work-tree path (policy/loader.py:discover) "
    "refuses .vetgate.yml/vetgate.yaml/vetgate.yml with exit 2. docs/policy.md 'Which policy is "
    "used' 3: 'If the root holds .vetgate.yml, vetgate.yaml or vetgate.yml instead, vetgate stops "
    "with exit code 2 ... silently ignoring a policy that was meant to apply would be worse than "
    "failing.' In --base/--range/--ci the team's rules are silently dropped (fail open). Fix: "
    "in discover_at, read the three look-alike names at the revision and raise the same "
    "PolicyError/UsageError as discover()."
)


def test_misnamed_policy_at_the_base_stops_the_range_check(repo: GitRepo, capsys: Any) -> None:
    repo.commit("policy", {".vetgate.yml": POLICY, "README.md": "r\n"})
    base = repo.head()
    repo.commit(ai_message("charge"), {"payments/charge.py": "c = 1\n"})
    # The work tree (hooks) refuses the misnamed file, as documented.
    staged = judge(repo, capsys, "--staged", expect=2)
    assert ".vetgate.yml" in staged.err
    outcome = judge(repo, capsys, "--base", base, expect=(0, 1, 2))
    assert outcome.code == 2, outcome.describe()
    assert ".vetgate.yml" in outcome.err


# --- 4. --policy turns off the validation of the head's policy --------------------------------

EXPLICIT_POLICY_NO_HEAD_CHECK = (
    "commands/check.py:_validate_head_policy returns early when --policy is given, so a change "
    "that breaks the policy file merges green. SECURITY.md 'How the policy is read' 4: 'The head "
    "commit's policy is loaded as well; if it is invalid the check fails (exit 2), so a broken "
    "policy cannot be merged and take effect later' (docs/ci.md: 'the head's policy must be "
    "valid too'); nothing excepts --policy (the action's `args` input passes it through). Fix: "
    "validate the explicit files at change.head too "
    "(load_policy_at(root, request.policy, change.head)); a file the head deleted is an error."
)


def test_explicit_policy_still_validates_the_heads_copy(gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.commit("tidy the policy", {".vetgate.yaml": POLICY.replace("forbid:", "forbd:")})
    # Without --policy the broken head policy fails the check, as documented.
    plain = judge(gated, capsys, "--base", base, expect=2)
    assert "forbd" in plain.err
    outcome = judge(gated, capsys, "--base", base, "--policy", ".vetgate.yaml",
                    expect=(0, 1, 2))
    assert outcome.code == 2, outcome.describe()
    assert "forbd" in outcome.err


# --- 5. max_lines: a file copied or moved into the rule's folder counts only its edits --------

MAX_LINES_COPY = (
    "changes/_parse.py DIFF_ARGS detect copies/renames (-M -C), and --numstat then counts a "
    "copied or renamed file's lines against its source, not against the base; "
    "engine/requirements.py:check_max_lines sums those. An AI change can add a 200-line file to a "
    "max_lines: 10 folder by copying an unprotected file it also touches (or by moving one in) "
    "and pass with '0 lines changed'. SPEC 4.1: 'max_lines: N | added+removed lines in the rule's "
    "files is at most N' — the file did not exist in the rule's folder at the base. Fix: for "
    "status C/R whose old_path the rule does not match, count the new file's whole content as "
    "added (a second `git diff --numstat --no-renames` for those paths, or new_blob's line count)."
)


@pytest.mark.parametrize("how", ["copy", "move"])
def test_max_lines_counts_a_file_brought_into_the_rule_by_copy_or_move(
        gated: GitRepo, capsys: Any, how: str) -> None:
    gated.commit("big helper", {"lib/big.py": "".join(f"row = {i}\n" for i in range(200))})
    base = gated.head()
    if how == "copy":
        gated.write("db/big.py", (gated.path / "lib/big.py").read_text())
        gated.write("lib/big.py", (gated.path / "lib/big.py").read_text() + "x = 1\n")
    else:
        (gated.path / "db").mkdir()
        gated.git("mv", "lib/big.py", "db/big.py")
    gated.commit(ai_message("data access"))
    outcome = judge(gated, capsys, "--base", base, expect=(0, 1))
    db = result(outcome.data, "db")
    assert db["status"] == "fail", db
    assert outcome.code == 1


# === Tricks that hold up =========================================================================

def test_committer_is_an_agent_author_is_human(gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.commit("charge", {"payments/charge.py": "c = 1\n"},
                 committer=("Claude", "noreply@anthropic.com"))
    outcome = judge(gated, capsys, "--base", base, expect=1)
    assert outcome.data is not None
    assert outcome.data["commits"][0]["evidence"][0]["where"] == "committer"


@pytest.mark.parametrize("message", [
    "charge\n\nco-authored-BY : Claude <noreply@anthropic.com>\n",
    "charge\n\nCO-AUTHORED-BY:\tCLAUDE\t<NOREPLY@ANTHROPIC.COM>\n",
    "charge\n\nbody\n---\nnotes\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    "charge\r\n\r\nbody\r\n\r\nCo-Authored-By: Claude <noreply@anthropic.com>\r\n",
    "charge\n\nCo-Authored-By: Claude\n <noreply@anthropic.com>\n",
    "charge\n\nSigned-off-by: H <h@example.com>\nsome prose\n" + CLAUDE_TRAILER + "\n",
], ids=["spaced-key", "tabs-upper", "after-divider", "crlf", "folded", "mixed-block"])
def test_odd_trailer_spellings_still_block(gated: GitRepo, capsys: Any, message: str,
                                           tmp_path: Path) -> None:
    base = gated.head()
    gated.write("payments/charge.py", "c = 1\n")
    gated.git("add", "-A")
    msg = tmp_path / "msg"
    msg.write_bytes(message.encode())
    gated.git("commit", "-q", "--no-verify", "--cleanup=verbatim", "-F", str(msg))
    judge(gated, capsys, "--base", base, expect=1)


def test_nul_byte_in_a_message_cannot_forge_a_commit_record(gated: GitRepo, capsys: Any) -> None:
    """`git log -z` stops %B at a NUL, so text after it cannot fake a human commit header."""
    base = gated.head()
    gated.write("payments/charge.py", "c = 1\n")
    gated.git("add", "-A")
    tree = gated.git("write-tree").strip()
    forged = (b"\0\x01" + base.encode() + b"\0\0Hu\0h@e.com\x001\0Hu\0h@e.com\x001\0clean\n")
    body = (f"tree {tree}\nparent {base}\nauthor H <h@example.com> 1700000000 +0000\n"
            f"committer H <h@example.com> 1700000000 +0000\n\n").encode()
    body += ai_message("charge").encode() + forged
    sha = gated.git("hash-object", "-t", "commit", "-w", "--literally", "--stdin",
                    input=body).strip()
    gated.git("update-ref", "refs/heads/main", sha)
    judge(gated, capsys, "--base", base, expect=1)


def test_revert_and_reapply_by_hand_is_still_blocked(gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.commit(ai_message("charge"), {"payments/pay.py": PAY + "evil = 1\n"})
    gated.git("revert", "--no-edit", "HEAD")
    gated.commit("re-apply by hand", {"payments/pay.py": PAY + "evil = 1\n"})
    judge(gated, capsys, "--base", base, expect=1)


def test_delete_by_hand_then_ai_re_adds_is_blocked(gated: GitRepo, capsys: Any) -> None:
    base = gated.head()
    gated.commit("drop", remove=["payments/pay.py"])
    gated.commit(ai_message("re-add"), {"payments/pay.py": PAY + "evil = 1\n"})
    judge(gated, capsys, "--base", base, expect=1)


def test_include_added_by_the_change_does_not_apply(gated: GitRepo, capsys: Any) -> None:
    """The change adds an include and relaxes its own rule in the same AI commit: the base's
    policy still judges it, and the policy change itself waits for the owners' review."""
    base = gated.head()
    gated.commit(ai_message("relax"), {
        ".vetgate.yaml": POLICY.replace("version: 1\n", "version: 1\ninclude: [extra.yaml]\n")
                               .replace("forbid: \"AI-written changes are not accepted in "
                                        "payments/\"", "max_lines: 1000"),
        "extra.yaml": "rules: []\n",
        "payments/charge.py": "c = 1\n",
    })
    outcome = judge(gated, capsys, "--base", base, expect=1)
    assert result(outcome.data, "payments")["status"] == "fail"
    assert result(outcome.data, "vetgate-policy")["status"] == "pending"


# --- CI: review evidence from the (fake) GitHub API ---------------------------------------------

PR_PATH = "/repos/acme/web/pulls/7"


class PullRequest:
    def __init__(self, repo: GitRepo, host: FakeHost, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch, policy: str = POLICY) -> None:
        self.repo, self.host, self.tmp_path, self.monkeypatch = repo, host, tmp_path, monkeypatch
        self.base = repo.commit("initial", {".vetgate.yaml": policy, "README.md": "r\n",
                                            "src/auth/session.py": "a = 1\n",
                                            "lib/util.py": "u = 0\n"})
        self.reviews: list[dict[str, Any]] = []

    def review(self, login: str, state: str = "APPROVED", commit: str | None = None,
               user_type: str = "User") -> None:
        self.reviews.append({
            "id": len(self.reviews) + 1, "user": {"login": login, "type": user_type},
            "state": state, "commit_id": commit or self.repo.head(), "body": "",
            "submitted_at": f"2026-03-01T10:{len(self.reviews):02d}:00Z"})

    def check(self) -> tuple[int, dict[str, Any] | None]:
        head = self.repo.head()
        event = self.tmp_path / "event.json"
        event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {
            "number": 7, "user": {"login": "octo-author"}, "labels": [],
            "base": {"sha": self.base, "ref": "main"}, "head": {"sha": head, "ref": "feat"}}}))
        for name, value in {
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/web",
            "GITHUB_API_URL": self.host.url, "GITHUB_TOKEN": "ghs_x",
            "VETGATE_HTTP_BACKOFF": "0", "GITHUB_SHA": "c" * 40,
        }.items():
            self.monkeypatch.setenv(name, value)
        self.host.route("GET", PR_PATH, {"number": 7, "user": {"login": "octo-author"},
                                         "labels": []})
        self.host.paginate(f"{PR_PATH}/reviews", self.reviews, per_page=100)
        self.host.paginate(f"{PR_PATH}/commits", [], per_page=100)
        out = self.tmp_path / "report.json"
        out.unlink(missing_ok=True)
        code = main(["check", "--ci", "--format", "json", "--output", str(out)])
        return code, json.loads(out.read_text()) if out.exists() else None


@pytest.fixture
def pr(in_repo: GitRepo, host: FakeHost, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> PullRequest:
    return PullRequest(in_repo, host, tmp_path, monkeypatch)


def review_requirement(data: dict[str, Any] | None, rule: str = "auth") -> dict[str, Any]:
    (requirement,) = [q for q in result(data, rule)["requirements"] if q["kind"] == "review"]
    return requirement


def test_ci_ai_file_moved_into_a_reviewed_folder_still_needs_the_review(pr: PullRequest) -> None:
    pr.repo.commit(ai_message("token helper"), {"lib/tokens.py": "secret = 'x'\nmore = 1\n"})
    pr.repo.git("mv", "lib/tokens.py", "src/auth/tokens.py")
    pr.repo.commit("move into place")
    code, data = pr.check()
    assert code == 1
    assert review_requirement(data)["status"] == "fail"


@pytest.mark.parametrize("login, user_type", [
    ("Copilot", "User"), ("copilot-pull-request-reviewer[bot]", "User"),
    ("devin-ai-integration[bot]", "User"),
])
def test_ci_agent_account_approval_never_counts(pr: PullRequest, login: str,
                                                user_type: str) -> None:
    pr.repo.commit(ai_message("auth"), {"src/auth/session.py": "a = 2\n"})
    pr.review(login, user_type=user_type)
    code, data = pr.check()
    assert code == 1
    assert review_requirement(data)["status"] == "fail"


def test_ci_dismissed_approval_does_not_count_until_re_approved(pr: PullRequest) -> None:
    pr.repo.commit(ai_message("auth"), {"src/auth/session.py": "a = 2\n"})
    pr.review("alice")
    pr.review("alice", state="DISMISSED")
    pr.review("alice", state="COMMENTED")
    assert pr.check()[0] == 1
    pr.review("alice")
    assert pr.check()[0] == 0


def test_ci_approval_of_a_force_pushed_away_commit_is_stale(pr: PullRequest) -> None:
    pr.repo.commit(ai_message("auth"), {"src/auth/session.py": "a = 2\n"})
    pr.review("alice", commit="f" * 40)  # a commit this clone does not have
    code, data = pr.check()
    assert code == 1
    assert "stale" in " ".join(review_requirement(data)["details"])


def test_ci_approval_before_a_rename_of_the_protected_file_is_stale(pr: PullRequest) -> None:
    pr.repo.commit(ai_message("auth"), {"src/auth/session.py": "a = 2\n"})
    pr.review("alice")
    pr.repo.git("mv", "src/auth/session.py", "src/auth/sessions.py")
    pr.repo.commit("rename")
    code, data = pr.check()
    assert code == 1
    assert "stale" in " ".join(review_requirement(data)["details"])


def test_ci_renamed_policy_file_needs_the_policy_owners(pr: PullRequest) -> None:
    pr.repo.git("mv", ".vetgate.yaml", "old-policy.yaml")
    pr.repo.commit("retire the policy")
    pr.review("alice")  # in security, not a policy owner
    code, data = pr.check()
    assert code == 1
    policy_rule = result(data, "vetgate-policy")
    assert policy_rule["status"] == "fail"
    assert policy_rule["paths"] == ["old-policy.yaml"]  # R .vetgate.yaml -> old-policy.yaml
    assert "alice: not counted, not in policy-owners" in review_requirement(
        data, "vetgate-policy")["details"]


def test_ci_empty_policy_owners_still_refuse_the_authors_own_approval(
        in_repo: GitRepo, host: FakeHost, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    policy = POLICY.replace("policy_owners: [policy-owners]\n", "policy_owners: []\n")
    pr = PullRequest(in_repo, host, tmp_path, monkeypatch, policy=policy)
    pr.repo.commit("relax", {".vetgate.yaml": policy + "# edited\n"})
    pr.review("octo-author")
    assert pr.check()[0] == 1
    pr.review("someone-else")
    assert pr.check()[0] == 0


def test_a_policy_outside_the_repository_is_refused_with_the_way_to_try_it(
        repo: GitRepo, tmp_path: Path) -> None:
    """`check --base --policy FILE`: the policy is read from the base commit, which cannot hold
    a file from elsewhere; the message says how to try such a file (replay), not to commit it
    at the base."""
    repo.commit("one", {"a.txt": "x\n"})
    base = repo.head()
    repo.commit("two", {"a.txt": "y\n"})
    outside = tmp_path / "outside.yaml"
    outside.write_text("version: 1\nrules: []\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "vetgate", "check", "--base", base,
                           "--policy", str(outside)], cwd=repo.path, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"vetgate: error: --policy {outside} is outside the repository, and here the policy is "
        f"read from commit {base[:12]} (so a change cannot weaken its own gate); to judge this "
        f"history by a file that is not committed, run `vetgate replay BASE..HEAD --policy "
        f"{outside}`; to gate by it, commit it and pass its path in the repository\n")
    replay = subprocess.run([sys.executable, "-m", "vetgate", "replay", f"{base}..HEAD",
                             "--policy", str(outside)], cwd=repo.path, capture_output=True,
                            text=True, check=True)
    assert f"proposed: {outside} (file)" in replay.stdout
