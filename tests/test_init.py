"""`vetgate init`: a starter policy from the files git tracks; it always validates and never
overwrites without --force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GitRepo
from vetgate.commands.init import _is_test_file, find_risky, render_policy
from vetgate.main import main
from vetgate.policy.loader import load_policy_bytes
from vetgate.policy.model import BUILTIN_POLICY_RULE_ID

SCHEMA_COMMENT = ("# yaml-language-server: $schema=https://raw.githubusercontent.com/vetgate/"
                  "vetgate/main/schema/vetgate.schema.json")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def app_repo(in_repo: GitRepo) -> GitRepo:
    in_repo.commit("app", {
        "src/app/auth/login.py": "x", "src/app/auth/session/store.py": "x",
        "src/billing/invoice.py": "x", "src/models.py": "x", "migrations/001.sql": "x",
        "src/tokenizer.py": "x", "tests/auth/test_login.py": "x", "tests/test_misc.py": "x",
        "docs/auth/guide.md": "x", ".github/workflows/ci.yml": "x", "CODEOWNERS": "x",
        "README.md": "x",
    })
    return in_repo


def test_init_writes_a_policy_that_validates(app_repo: GitRepo,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["init"], capsys)
    assert (code, err) == (0, "")
    assert out == ("wrote .vetgate.yaml with 4 rules (auth, payments, data-access, "
                   "ci-and-governance); review it, check it with `vetgate validate`, and "
                   "commit it\n")
    text = (app_repo.path / ".vetgate.yaml").read_text()
    assert text.splitlines()[0] == SCHEMA_COMMENT
    policy = load_policy_bytes(text.encode())
    rules = {r.id: r for r in policy.rules}
    assert rules["auth"].paths == ("src/app/auth/**", "!**/*.md")
    assert rules["payments"].paths == ("src/billing/**", "!**/*.md")
    assert rules["data-access"].paths == ("migrations/**", "src/models.py", "!**/*.md")
    assert rules["ci-and-governance"].paths == (".github/workflows/**", "/CODEOWNERS")
    assert [r.kind for r in rules["auth"].requirements] == ["tests", "review"]
    assert rules["auth"].requirements[0].patterns == ("tests/auth/**",)  # type: ignore[union-attr]
    assert rules["payments"].requirements[0].patterns == ("tests/**",)  # type: ignore[union-attr]
    assert policy.matcher is not None
    assert policy.matcher.rules_for("src/tokenizer.py") == ()
    assert policy.matcher.rules_for("docs/auth/guide.md") == ()
    # And through the command a user would run next.
    app_repo.git("add", ".vetgate.yaml")
    code, out, err = run(["validate"], capsys)
    assert (code, out, err) == (0, ".vetgate.yaml: ok (4 rules, 1 file)\n", "")


def test_never_overwrites_without_force(app_repo: GitRepo,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    app_repo.write(".vetgate.yaml", "mine\n")
    code, out, err = run(["init"], capsys)
    assert (code, out) == (2, "")
    assert err == ("vetgate: error: .vetgate.yaml already exists; pass --force to overwrite it "
                   "(or --output FILE to write elsewhere)\n")
    assert (app_repo.path / ".vetgate.yaml").read_text() == "mine\n"
    code, out, _ = run(["init", "--force"], capsys)
    assert code == 0
    assert (app_repo.path / ".vetgate.yaml").read_text().startswith(SCHEMA_COMMENT)


def test_output_is_relative_to_the_repository_root(
        app_repo: GitRepo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo.path / "src")
    code, out, _ = run(["init", "--output", "policies/starter.yaml"], capsys)
    assert code == 0
    assert out.startswith("wrote policies/starter.yaml with 4 rules")
    assert (app_repo.path / "policies" / "starter.yaml").is_file()
    assert not (app_repo.path / "src" / ".vetgate.yaml").exists()


def test_output_that_is_a_directory(app_repo: GitRepo,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["init", "--output", "src"], capsys)
    assert code == 2
    assert err == "vetgate: error: src is a directory; pass --output FILE\n"


def test_no_risky_folders_still_writes_a_valid_policy(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.commit("app", {"src/main.py": "x", "README.md": "x"})
    code, out, _ = run(["init"], capsys)
    assert code == 0
    assert out == ("wrote .vetgate.yaml: no high-risk folders found, so it has no rules of its "
                   "own yet; the built-in vetgate-policy rule still protects the policy file "
                   "itself\n")
    policy = load_policy_bytes((in_repo.path / ".vetgate.yaml").read_bytes())
    assert [r.id for r in policy.rules] == [BUILTIN_POLICY_RULE_ID]


def test_empty_repository(in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["init"], capsys)
    assert code == 0
    assert "no high-risk folders found" in out


def test_odd_folder_names_stay_literal(in_repo: GitRepo,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    odd = ["odd dir [x]/login/a.py", "#notes/auth/b.py", "!bang/payments/c.py", "ünï/db/d.py",
           "trail /auth/e.py"]
    in_repo.commit("odd", dict.fromkeys(odd, "x"))
    code, _, _ = run(["init"], capsys)
    assert code == 0
    policy = load_policy_bytes((in_repo.path / ".vetgate.yaml").read_bytes())
    assert policy.matcher is not None
    for path in odd:
        assert policy.matcher.rules_for(path), path
    assert policy.matcher.rules_for("odd dir x/login/a.py") == ()


def test_many_folders_are_named_at_any_depth(in_repo: GitRepo,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.commit("many", {f"services/s{i}/auth/x.py": "x" for i in range(30)})
    code, _, _ = run(["init"], capsys)
    assert code == 0
    policy = load_policy_bytes((in_repo.path / ".vetgate.yaml").read_bytes())
    assert policy.rule("auth").paths == ("**/auth/**", "!**/*.md")


def test_colocated_tests_are_proposed() -> None:
    areas, _, tests = find_risky(["web/checkout/cart.ts", "web/checkout/cart.test.ts",
                                  "api/auth/token.go", "api/auth/token_test.go"])
    assert tests == ["**/*.test.*", "**/*_test.go"]
    assert [a.area.id for a in areas if a.dirs] == ["auth", "payments"]


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
                min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
risky = st.sampled_from(["auth", "login", "session", "token", "payment", "billing", "checkout",
                         "db", "migrations", "models", "user_sessions", "Auth-Service"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(names, max_size=2), risky, names), min_size=1, max_size=12))
def test_any_tree_gives_a_policy_that_loads_and_covers_it(
        entries: list[tuple[list[str], str, str]]) -> None:
    tracked = ["/".join([*prefix, area, leaf]) for prefix, area, leaf in entries]
    text, _ = render_policy(*find_risky(tracked))
    policy = load_policy_bytes(text.encode("utf-8"))
    assert policy.matcher is not None
    for path in tracked:
        hidden = any(p.startswith(".") or p.lower() in {"tests", "test", "docs", "doc", "spec",
                     "specs", "__tests__", "testing", "examples", "example", "vendor",
                     "third_party", "node_modules", "fixtures", "testdata", "__fixtures__",
                     "__mocks__"} for p in path.split("/")[:-1])
        printable = all(ch.isprintable() for ch in path)
        test_file = _is_test_file(path.rsplit("/", 1)[-1])
        if not hidden and printable and not test_file and not path.endswith(".md"):
            assert policy.matcher.rules_for(path), (path, text)
