"""`vetgate init` on three real layouts built here (a Go module, a Python src-layout package, a
TypeScript monorepo): it proposes areas (folders) that cover every risky folder, never lists a
file it then excludes, asks for related tests where the layout's conventions make them reliable,
and explains every line of the rules it writes."""

from __future__ import annotations

import pytest

from conftest import GitRepo
from vetgate.main import main
from vetgate.policy.loader import load_policy_bytes
from vetgate.policy.model import Policy, TestsRequirement

GO_MODULE = {
    "go.mod": "module example.com/app\n", "cmd/server/main.go": "package main\n",
    "README.md": "app\n",
    "internal/auth/token.go": "package auth\n", "internal/auth/token_test.go": "package auth\n",
    "internal/auth/session.go": "package auth\n",
    "internal/auth/session_test.go": "package auth\n", "internal/auth/README.md": "docs\n",
    "internal/linear/oauth.go": "package linear\n",
    "internal/linear/oauth_test.go": "package linear\n",
    "internal/linear/refresh_token.go": "package linear\n",
    "internal/linear/client.go": "package linear\n",
    "internal/linear/client_test.go": "package linear\n",
    **{f"internal/store/{name}.go": "package store\n"
       for name in ("users", "orders", "items", "carts", "audit")},
    **{f"internal/store/{name}_test.go": "package store\n" for name in ("users", "orders")},
    "internal/linear/oauth.md": "notes\n",
    "npm-package/test/integration.test.js": "test\n",
}
PYTHON_SRC = {
    "pyproject.toml": "[project]\nname = 'acme'\n",
    "src/acme/__init__.py": "", "src/acme/util.py": "x = 1\n",
    "src/acme/auth/__init__.py": "", "src/acme/auth/login.py": "x = 1\n",
    "src/acme/auth/tokens.py": "x = 1\n", "src/acme/auth/CHANGES.md": "notes\n",
    "src/acme/billing/invoice.py": "x = 1\n", "src/acme/billing/stripe_hooks.py": "x = 1\n",
    "src/acme/db/models.py": "x = 1\n", "src/acme/db/queries.py": "x = 1\n",
    "src/acme/db/session.py": "x = 1\n",
    "tests/auth/test_login.py": "", "tests/auth/test_tokens.py": "",
    "tests/billing/test_invoice.py": "", "tests/test_util.py": "",
}
TS_MONOREPO = {
    "package.json": "{}\n",
    "packages/api/src/auth/jwt.ts": "export {}\n", "packages/api/src/auth/jwt.test.ts": "t\n",
    "packages/api/src/auth/middleware.ts": "export {}\n",
    "packages/api/src/auth/middleware.test.ts": "t\n",
    "packages/api/src/payments/checkout.ts": "export {}\n",
    "packages/api/src/payments/checkout.spec.ts": "t\n",
    "packages/api/src/payments/README.md": "docs\n",
    "packages/web/src/login/LoginForm.tsx": "export {}\n",
    "packages/web/src/login/__tests__/LoginForm.tsx": "t\n",
    "packages/web/src/App.tsx": "export {}\n",
    "packages/db/migrations/001_init.sql": "create table t (a int);\n",
    "packages/db/src/models/user.ts": "export {}\n",
    "packages/db/src/models/order.ts": "export {}\n",
}
LAYOUTS = {
    "go-module": (GO_MODULE, {
        "auth": ["internal/auth/**", "internal/linear/**"],
        "data-access": ["internal/store/**"],
    }, {"auth": "related", "data-access": "related"}),
    "python-src-layout": (PYTHON_SRC, {
        "auth": ["src/acme/auth/**", "src/acme/db/session.py"],
        "payments": ["src/acme/billing/**"],
        "data-access": ["src/acme/db/**"],
    }, {"auth": "related", "payments": "folders", "data-access": "globs"}),
    "ts-monorepo": (TS_MONOREPO, {
        "auth": ["packages/api/src/auth/**", "packages/web/src/login/**"],
        "payments": ["packages/api/src/payments/**"],
        "data-access": ["packages/db/**"],
    }, {"auth": "related", "payments": "related", "data-access": "globs"}),
}


def _init(repo: GitRepo, files: dict[str, str], capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[str, Policy]:
    repo.commit("layout", files)
    monkeypatch.chdir(repo.path)
    assert main(["init"]) == 0
    capsys.readouterr()
    text = (repo.path / ".vetgate.yaml").read_text(encoding="utf-8")
    repo.git("add", ".vetgate.yaml")
    assert main(["validate"]) == 0
    assert capsys.readouterr().err == ""
    return text, load_policy_bytes(text.encode())


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_init_proposes_areas_covering_every_risky_folder(
        layout: str, repo: GitRepo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    files, areas, tests = LAYOUTS[layout]
    text, policy = _init(repo, files, capsys, monkeypatch)
    for rule_id, expected in areas.items():
        rule = policy.rule(rule_id)
        assert [p for p in rule.paths if not p.startswith("!")] == expected, text
        (requirement,) = [r for r in rule.requirements if isinstance(r, TestsRequirement)]
        form = ("related" if requirement.related else
                "folders" if all("*" not in p.split("/")[0] for p in requirement.patterns)
                and not requirement.patterns[0].endswith(("tests/**", "test/**")) else "globs")
        assert form == tests[rule_id], (rule_id, requirement, text)
    assert {r.id for r in policy.rules} == {*areas, "vetgate-policy"}
    assert policy.matcher is not None
    for path in files:
        # Every source file of a risky folder is covered by its area, and no rule lists a
        # documentation file only to exclude it again.
        if "/" in path and any(f"{p[:-3]}/" in path for ids in areas.values() for p in ids
                               if p.endswith("/**")):
            assert policy.matcher.rules_for(path) or path.endswith(".md") or "test" in path, path
    for rule in policy.rules:
        assert not any(p.endswith(".md") and not p.startswith("!") for p in rule.paths)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_line_of_a_rule_is_explained(layout: str, repo: GitRepo,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text, _ = _init(repo, LAYOUTS[layout][0], capsys, monkeypatch)
    rules = text.split("\nrules:", 1)[1].splitlines()
    assert rules[0].startswith("  # one rule per high-risk area found")
    for line in rules[1:]:
        if not line.strip() or line.strip().startswith("#"):
            continue
        if line.strip().startswith("description:"):
            continue  # it explains itself
        assert "  # " in line, line


def test_a_go_change_with_an_unrelated_test_fails_under_the_proposed_policy(
        repo: GitRepo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _init(repo, GO_MODULE, capsys, monkeypatch)
    base = repo.commit("policy")
    repo.commit("agent change\n\nCo-Authored-By: Claude <noreply@anthropic.com>", {
        "internal/linear/oauth.go": "package linear\n// changed\n",
        "npm-package/test/integration.test.js": "test('more')\n"})
    assert main(["check", "--base", base]) == 1
    out = capsys.readouterr().out
    assert ("✗ tests: Add or update a test related to each changed source file in this change: "
            "internal/linear/oauth.go (tests that would count: internal/linear/oauth_test.go)"
            ) in out
