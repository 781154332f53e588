"""The relations behind ``tests: related``, on plain paths and contents: naming conventions per
language, imports, where a new test would go, and what counts as a test."""

from __future__ import annotations

import pytest

from vetgate.engine.related import (
    TestIndex,
    import_relation,
    looks_like_test,
    name_relation,
    suggested_test,
)


@pytest.mark.parametrize(("source", "test", "why"), [
    ("src/acme/x.py", "src/acme/test_x.py", "test_x.py / x_test.py in the same folder"),
    ("src/acme/x.py", "tests/acme/x_test.py",
     "test_x.py / x_test.py in the mirrored tests/acme/ tree"),
    ("pkg/x.go", "pkg/x_test.go", "x_test.go in the same folder"),
    ("web/a/b.mjs", "web/a/b.spec.ts", "x.test.* / x.spec.* / __tests__/x.* in the same folder"),
    ("web/a/b.ts", "web/a/__tests__/b.tsx",
     "x.test.* / x.spec.* / __tests__/x.* in the folder's __tests__"),
    ("m/src/main/java/a/Foo.java", "m/src/test/java/a/FooIT.java",
     "XTest / XTests / XIT under src/test under src/test mirroring src/main"),
    ("lib/a/b.rb", "spec/a/b_spec.rb", "x_spec.rb / x_test.rb in the mirrored spec/a/ tree"),
    ("crate/src/lex.rs", "crate/tests/lex.rs", "tests/x.rs in the crate's tests/ folder"),
    ("src/Billing/Invoice.cs", "tests/Billing.Tests/InvoiceTests.cs",
     "XTests.cs in the mirrored tests/Billing.Tests/ tree"),
    ("src/Billing/Invoice.php", "tests/Billing/InvoiceTest.php",
     "XTest.php in the mirrored tests/Billing/ tree"),
])
def test_names_relate_a_test_and_say_how(source: str, test: str, why: str) -> None:
    assert name_relation(source, test) == why


@pytest.mark.parametrize(("source", "test"), [
    ("src/acme/x.py", "tests/other/test_x.py"),  # a different package
    ("pkg/x.go", "other/x_test.go"),
    ("crate/src/lex.rs", "crate/src/lex.rs"),
    ("crate/src/lex.rs", "other/tests/lex.rs"),  # not beside the crate's src/
    ("README", "tests/test_README.py"),
    ("m/src/main/java/a/Foo.java", "m/src/test/java/b/FooTest.java"),
])
def test_names_do_not_relate_other_places(source: str, test: str) -> None:
    assert name_relation(source, test) is None


def test_python_imports_absolute_relative_and_parenthesised() -> None:
    assert import_relation("src/acme/billing.py", "tests/t.py",
                           "import os, acme.billing as b\n") == "imports acme.billing"
    assert import_relation("src/acme/billing.py", "tests/t.py",
                           "from acme import (\n    tax,\n    billing,\n)\n") == (
        "imports acme.billing")
    assert import_relation("pkg/sub/mod.py", "pkg/sub/tests/t.py",
                           "from .. import mod\n") == "imports pkg.sub.mod"
    assert import_relation("pkg/mod.py", "tests/t.py", "from other import thing\n") is None
    assert import_relation("pkg/mod.py", "tests/t.py", None) is None


def test_js_imports_of_the_relative_path_only() -> None:
    assert import_relation("src/parse.ts", "test/p.spec.ts",
                           "export { a } from '../src/parse.js'\n") == "imports ../src/parse"
    assert import_relation("src/lib/index.ts", "test/x.test.ts",
                           "const lib = require('../src/lib')\n") == "imports ../src/lib/index"
    assert import_relation("src/parse.ts", "test/p.spec.ts", "import 'parse'\n") is None


def test_what_looks_like_a_test() -> None:
    assert looks_like_test("a/b_test.go") and looks_like_test("spec/models/user_spec.rb")
    assert looks_like_test("tests/helpers.py") and looks_like_test("src/test/java/A.java")
    assert not looks_like_test("src/testing_utils.md") and not looks_like_test("src/a.py")


@pytest.mark.parametrize(("source", "where"), [
    ("src/acme/x.py", "tests/acme/test_x.py"), ("pkg/x.go", "pkg/x_test.go"),
    ("web/b.tsx", "web/b.test.tsx"), ("m/src/main/java/Foo.java", "m/src/test/java/FooTest.java"),
    ("src/lex.rs", "a #[cfg(test)] module in src/lex.rs"), ("lib/a/b.rb", "spec/a/b_spec.rb"),
    ("src/Inv.cs", "src/InvTests.cs"), ("src/Inv.php", "src/InvTest.php"),
    ("db/x.sql", "a test for db/x.sql (or map one with related_tests: in the policy)"),
])
def test_where_a_new_test_would_go_by_convention(source: str, where: str) -> None:
    assert suggested_test(source) == where


def test_a_new_test_goes_where_the_neighbours_tests_live() -> None:
    files = ["src/entry/run.ts", "src/entry/post.ts", "test/post.test.ts"]
    index = TestIndex(["test/post.test.ts"])
    assert suggested_test("src/entry/run.ts", files, index) == "test/run.test.ts"
    assert index.candidates("src/entry/post.ts") == ["test/post.test.ts"]
    assert index.candidates("notes.txt") == []


def test_canonically_equivalent_names_relate() -> None:
    nfd, nfc = "cafe\u0301", "caf\u00e9"
    assert name_relation(f"src/{nfd}.py", f"tests/test_{nfc}.py") == (
        "test_x.py / x_test.py in the mirrored tests/ tree")
    index = TestIndex([f"tests/test_{nfc}.py"])
    assert index.candidates(f"src/{nfd}.py") == [f"tests/test_{nfc}.py"]
    assert import_relation(f"src/{nfd}.py", "tests/t.py", f"import {nfc}\n") == f"imports {nfc}"
