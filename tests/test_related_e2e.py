"""``tests: related`` end to end: real repositories in each language layout SPEC 4.1 lists, real
commits, the real CLI. An unrelated test fails naming the tests that would count; a test related
by name, import or the policy's mapping passes and the report says which and why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import GitRepo
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
POLICY = """\
version: 1
related_tests:
  - source: "db/**"
    tests: ["contract/**"]
rules:
  - id: code
    paths: ["**/*", "!.vetgate.yaml", "!**/*.md"]
    require:
      tests: related
"""


def _check(repo: GitRepo, base: str, capsys: Any, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[int, dict[str, Any]]:
    monkeypatch.chdir(repo.path)
    code = main(["check", "--base", base, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    (rule,) = [r for r in data["results"] if r["rule"] == "code"]
    (requirement,) = rule["requirements"] or [{"status": rule["status"], "details": [],
                                                "message": rule["reason"]}]
    return code, requirement


def _setup(repo: GitRepo, files: dict[str, str]) -> str:
    return repo.commit("base", {".vetgate.yaml": POLICY, **files})


def _ai(repo: GitRepo, files: dict[str, str], remove: tuple[str, ...] = ()) -> str:
    return repo.commit(f"agent change\n\n{CLAUDE}", files, remove=remove)


# (layout at base, source changed, related test changed, how it is related)
LAYOUTS = {
    "python-src-layout": (
        {"src/acme/billing.py": "x = 1\n", "tests/test_billing.py": "def test(): pass\n"},
        "src/acme/billing.py", "tests/test_billing.py", "name"),
    "python-mirrored": (
        {"src/acme/tax/rate.py": "x = 1\n", "tests/tax/test_rate.py": "def test(): pass\n"},
        "src/acme/tax/rate.py", "tests/tax/test_rate.py", "name"),
    "python-import": (
        {"src/acme/billing.py": "x = 1\n", "tests/test_invoices.py": "def test(): pass\n"},
        "src/acme/billing.py", "tests/test_invoices.py", "import"),
    "go": (
        {"internal/linear/oauth.go": "package linear\n",
         "internal/linear/oauth_test.go": "package linear\n"},
        "internal/linear/oauth.go", "internal/linear/oauth_test.go", "name"),
    "go-package": (
        {"internal/linear/oauth.go": "package linear\n",
         "internal/linear/client_test.go": "package linear\n"},
        "internal/linear/oauth.go", "internal/linear/client_test.go", "import"),
    "ts-colocated": (
        {"packages/core/src/parse.ts": "export const a = 1\n",
         "packages/core/src/parse.test.ts": "test('x', () => {})\n"},
        "packages/core/src/parse.ts", "packages/core/src/parse.test.ts", "name"),
    "ts-__tests__": (
        {"web/src/Button.tsx": "export {}\n", "web/src/__tests__/Button.tsx": "test\n"},
        "web/src/Button.tsx", "web/src/__tests__/Button.tsx", "name"),
    "ts-import": (
        {"packages/core/src/parse.ts": "export const a = 1\n",
         "packages/core/test/parsing.spec.ts": "test('x', () => {})\n"},
        "packages/core/src/parse.ts", "packages/core/test/parsing.spec.ts", "import"),
    "js-require": (
        {"lib/format.js": "module.exports = 1\n", "test/all.test.js": "test\n"},
        "lib/format.js", "test/all.test.js", "import"),
    "java": (
        {"billing/src/main/java/com/acme/Invoice.java": "class Invoice {}\n",
         "billing/src/test/java/com/acme/InvoiceTest.java": "class InvoiceTest {}\n"},
        "billing/src/main/java/com/acme/Invoice.java",
        "billing/src/test/java/com/acme/InvoiceTest.java", "name"),
    "kotlin": (
        {"src/main/kotlin/acme/Rates.kt": "object Rates\n",
         "src/test/kotlin/acme/RatesTests.kt": "class RatesTests\n"},
        "src/main/kotlin/acme/Rates.kt", "src/test/kotlin/acme/RatesTests.kt", "name"),
    "ruby-spec": (
        {"lib/acme/billing.rb": "module Billing; end\n",
         "spec/acme/billing_spec.rb": "describe 'x'\n"},
        "lib/acme/billing.rb", "spec/acme/billing_spec.rb", "name"),
    "ruby-test": (
        {"app/models/user.rb": "class User; end\n", "test/models/user_test.rb": "class T; end\n"},
        "app/models/user.rb", "test/models/user_test.rb", "name"),
    "rust-integration": (
        {"parser/src/lexer.rs": "pub fn f() {}\n", "parser/tests/lexer.rs": "#[test]\n"},
        "parser/src/lexer.rs", "parser/tests/lexer.rs", "name"),
    "csharp": (
        {"src/Billing/Invoice.cs": "class Invoice {}\n",
         "tests/Billing.Tests/InvoiceTests.cs": "class InvoiceTests {}\n"},
        "src/Billing/Invoice.cs", "tests/Billing.Tests/InvoiceTests.cs", "name"),
    "php": (
        {"src/Billing/Invoice.php": "<?php\n", "tests/Billing/InvoiceTest.php": "<?php\n"},
        "src/Billing/Invoice.php", "tests/Billing/InvoiceTest.php", "name"),
    "mapping": (
        {"db/schema.sql": "create table t (a int);\n", "contract/billing_check.sh": "true\n"},
        "db/schema.sql", "contract/billing_check.sh", "mapping"),
}
IMPORTS = {
    "python-import": "from acme.billing import total\n\ndef test(): pass\n",
    "ts-import": "import { parse } from '../src/parse'\ntest('x', () => {})\n",
    "js-require": "const format = require('../lib/format')\ntest('x', () => {})\n",
}
UNRELATED = "npm-package/test/integration.test.js"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_related_test_passes_and_the_report_says_which(layout: str, repo: GitRepo,
                                                         capsys: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    files, source, test, how = LAYOUTS[layout]
    base = _setup(repo, files)
    _ai(repo, {source: files[source] + "// changed\n",
               test: IMPORTS.get(layout, files[test] + "// more\n")})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 0, requirement
    assert requirement["status"] == "pass"
    assert requirement["message"] == "1 changed source file comes with a related test"
    (line,) = requirement["details"]
    assert line.startswith(f"{source} ← {test} ({how}: "), line


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_unrelated_test_fails_naming_the_tests_that_would_count(
        layout: str, repo: GitRepo, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    files, source, test, how = LAYOUTS[layout]
    base = _setup(repo, {**files, UNRELATED: "test\n"})
    _ai(repo, {source: files[source] + "// changed\n", UNRELATED: "test('more')\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 1
    assert requirement["status"] == "fail"
    if how == "import" and layout != "go-package":
        # An import is read only from the tests the change touches: no test counts yet.
        expected = "no test named after it in the repository; add one, e.g. "
    else:
        expected = f"tests that would count: {test})"
    assert requirement["message"].startswith(
        f"Add or update a test related to each changed source file in this change: {source} ("
    ), requirement["message"]
    assert expected in requirement["message"]
    assert requirement["details"][-1] == (
        f"changed tests related to none of these files: {UNRELATED}")


def test_no_related_test_anywhere_says_add_one_and_where(repo: GitRepo, capsys: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    base = _setup(repo, {"src/acme/billing.py": "x = 1\n"})
    _ai(repo, {"src/acme/billing.py": "x = 2\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 1
    assert requirement["message"] == (
        "Add or update a test related to each changed source file in this change: "
        "src/acme/billing.py (no test named after it in the repository; add one, e.g. "
        "tests/acme/test_billing.py, or change a test that imports it)")


def test_deleted_sources_need_nothing(repo: GitRepo, capsys: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    base = _setup(repo, {"src/acme/old.py": "x = 1\n", "src/acme/keep.py": "y = 1\n"})
    _ai(repo, {}, remove=("src/acme/old.py",))
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 0
    assert requirement["status"] == "pass"
    assert requirement["message"] == "no changed source file needs a test"


def test_a_renamed_source_follows_its_renamed_test(repo: GitRepo, capsys: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(f"line {i}\n" for i in range(20))
    base = _setup(repo, {"src/acme/invoice.py": body, "tests/test_invoice.py": body})
    repo.git("mv", "src/acme/invoice.py", "src/acme/bill.py")
    repo.git("mv", "tests/test_invoice.py", "tests/test_bill.py")
    _ai(repo, {"src/acme/bill.py": body + "more\n", "tests/test_bill.py": body + "more\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 0, requirement
    assert requirement["details"] == [
        "src/acme/bill.py ← tests/test_bill.py (name: test_x.py / x_test.py in the mirrored "
        "tests/ tree)"]


def test_a_renamed_source_with_its_old_test_name_still_counts(
        repo: GitRepo, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(f"line {i}\n" for i in range(20))
    base = _setup(repo, {"src/acme/invoice.py": body, "tests/test_invoice.py": body})
    repo.git("mv", "src/acme/invoice.py", "src/acme/bill.py")
    _ai(repo, {"src/acme/bill.py": body + "more\n", "tests/test_invoice.py": body + "more\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 0, requirement


def test_rust_cfg_test_module_in_the_same_file_counts(repo: GitRepo, capsys: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    base = _setup(repo, {"src/lexer.rs": "pub fn f() {}\n"})
    _ai(repo, {"src/lexer.rs": "pub fn f() {}\n#[cfg(test)]\nmod tests {}\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 0, requirement
    assert requirement["details"] == ["src/lexer.rs: its own #[cfg(test)] module (name)"]


def test_explain_lists_the_tests_that_would_count(repo: GitRepo, capsys: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(repo, {"src/acme/billing.py": "x = 1\n", "tests/test_billing.py": "t\n",
                  "db/schema.sql": "s\n", "contract/check.sh": "c\n"})
    monkeypatch.chdir(repo.path)
    assert main(["explain", "src/acme/billing.py", "db/schema.sql", "src/acme/new.py"]) == 0
    out = capsys.readouterr().out
    assert ("        tests that would count today:\n"
            "          tests/test_billing.py (name: test_x.py / x_test.py in the mirrored "
            "tests/ tree)\n") in out
    assert ("          contract/check.sh (mapping: related_tests at .vetgate.yaml:3)\n") in out
    # Where `check` would say: beside the tests of its neighbour billing.py.
    assert ("        no test named after it in the repository; add one, e.g. "
            "tests/test_new.py, or change a test that imports it\n") in out


def test_explain_and_check_suggest_the_same_test(repo: GitRepo, capsys: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A src-layout package whose tests sit flat in tests/ (as in pallets/click): both commands
    suggest tests/test_core.py, a package's __init__.py by the package's name, and neither says
    there is no related test (a test that imports the file would count)."""
    base = _setup(repo, {"src/acme/__init__.py": "x = 1\n", "src/acme/core.py": "x = 1\n",
                         "src/acme/termui.py": "x = 1\n", "tests/test_termui.py": "t\n"})
    monkeypatch.chdir(repo.path)
    assert main(["explain", "src/acme/core.py", "src/acme/__init__.py"]) == 0
    out = capsys.readouterr().out
    for where in ("tests/test_core.py", "tests/test_acme.py"):
        assert (f"        no test named after it in the repository; add one, e.g. {where}, or "
                "change a test that imports it\n") in out
    _ai(repo, {"src/acme/core.py": "x = 2\n", "src/acme/__init__.py": "x = 2\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 1
    assert requirement["message"] == (
        "Add or update a test related to each changed source file in this change: "
        "src/acme/__init__.py (no test named after it in the repository; add one, e.g. "
        "tests/test_acme.py, or change a test that imports it); src/acme/core.py (no test "
        "named after it in the repository; add one, e.g. tests/test_core.py, or change a test "
        "that imports it)")


def test_a_staged_commit_is_judged_on_the_index_content(repo: GitRepo, capsys: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(repo, {"src/acme/billing.py": "x = 1\n", "tests/test_invoices.py": "t = 1\n"})
    repo.write("src/acme/billing.py", "x = 2\n")
    repo.write("tests/test_invoices.py", "from acme import billing\n")
    repo.git("add", "-A")
    repo.write("tests/test_invoices.py", "t = 2  # not staged: the index decides\n")
    message = repo.path / "msg.txt"
    message.write_text(f"agent change\n\n{CLAUDE}\n", encoding="utf-8")
    monkeypatch.chdir(repo.path)
    code = main(["check", "--staged", "--message-file", str(message), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0, data
    (rule,) = [r for r in data["results"] if r["rule"] == "code"]
    assert rule["requirements"][0]["details"] == [
        "src/acme/billing.py ← tests/test_invoices.py (import: imports acme.billing)"]


def test_a_private_python_module_is_tested_without_its_underscore(
        repo: GitRepo, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """click: src/click/_compat.py is tested by tests/test_compat.py; a new private module's
    test is suggested as tests/test_termui_impl.py, not tests/test__termui_impl.py."""
    base = _setup(repo, {"src/acme/_compat.py": "x = 1\n", "src/acme/_termui_impl.py": "x = 1\n",
                         "src/acme/termui.py": "x = 1\n", "tests/test_compat.py": "t\n",
                         "tests/test_termui.py": "t\n"})
    _ai(repo, {"src/acme/_compat.py": "x = 2\n", "tests/test_compat.py": "t = 2\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 0, requirement
    assert requirement["details"] == [
        "src/acme/_compat.py ← tests/test_compat.py (name: test_x.py / x_test.py in the mirrored "
        "tests/ tree)"]
    base = repo.head()
    _ai(repo, {"src/acme/_termui_impl.py": "x = 2\n"})
    code, requirement = _check(repo, base, capsys, monkeypatch)
    assert code == 1
    assert requirement["message"] == (
        "Add or update a test related to each changed source file in this change: "
        "src/acme/_termui_impl.py (no test named after it in the repository; add one, e.g. "
        "tests/test_termui_impl.py, or change a test that imports it)")
