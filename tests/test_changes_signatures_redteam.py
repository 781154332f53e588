"""Issue 17, class 3: ``signed: true`` is met exactly when ``git verify-commit`` exits 0.

``%G?`` alone is not that: it prints U both for a GPG signature of unknown trust (which
verify-commit accepts, unless ``gpg.minTrustLevel`` asks for more) and for an SSH signature by a
key that is not in ``gpg.ssh.allowedSignersFile`` (which verify-commit refuses). Every case below
builds real keys (ssh-keygen, gpg), real signed commits, and checks vetgate's verdict against
git's own ``verify-commit`` on the same commit.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import assert_decided, check
from conftest import GitRepo

POLICY = """\
version: 1
rules:
  - id: signed
    paths: ["signed/**"]
    origin: any
    require: {signed: true}
"""


def _signed_commit(repo: GitRepo, name: str, *options: str) -> str:
    repo.write(f"signed/{name}.py", f"{name} = 1\n")
    repo.git("add", "-A")
    repo.git(*options, "commit", "-q", "--no-verify", "-S", "-m", name)
    return repo.head()


def _tampered(repo: GitRepo) -> str:
    """HEAD's commit object with its message changed after signing: a bad signature."""
    raw = repo.git("cat-file", "commit", "HEAD").encode()
    forged = raw.rstrip(b"\n") + b" (edited)\n"
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=forged).strip()
    repo.git("update-ref", "HEAD", sha)
    return sha


def _verdict(repo: GitRepo, capsys: Any, base: str) -> int:
    outcome = check(repo.path, capsys, "--base", base)
    assert_decided(outcome, 0, 1)
    return outcome.code


def _git_verdict(repo: GitRepo, sha: str) -> int:
    proc = subprocess.run(["git", "verify-commit", sha], cwd=repo.path, capture_output=True,
                          check=False)
    return 0 if proc.returncode == 0 else 1


def _letter(repo: GitRepo, sha: str) -> str:
    return repo.git("log", "-1", "--format=%G?", sha).strip()


# --- SSH ------------------------------------------------------------------------------------------


@pytest.fixture
def ssh_keys(tmp_path: Path) -> dict[str, Path]:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("needs ssh-keygen (OpenSSH) to make SSH signatures")
    keys = {}
    for name in ("allowed", "stranger"):
        key = tmp_path / f"key-{name}"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                        str(key)], check=True)
        keys[name] = key
    return keys


@pytest.fixture
def ssh_repo(repo: GitRepo, ssh_keys: dict[str, Path], tmp_path: Path) -> GitRepo:
    allowed = tmp_path / "allowed_signers"
    public = ssh_keys["allowed"].with_suffix(".pub").read_text(encoding="utf-8").strip()
    allowed.write_text(f"hannah@example.com {public}\n", encoding="utf-8")
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "gpg.ssh.allowedSignersFile", str(allowed))
    repo.commit("policy", {".vetgate.yaml": POLICY})
    return repo


@pytest.mark.parametrize("case", ["allowed", "stranger", "no-allowed-file", "expired-signer",
                                  "tampered"])
def test_ssh_signature_counts_only_when_verify_commit_accepts_it(
        ssh_repo: GitRepo, ssh_keys: dict[str, Path], tmp_path: Path, capsys: Any,
        case: str) -> None:
    base = ssh_repo.head()
    key = ssh_keys["stranger" if case == "stranger" else "allowed"]
    sha = _signed_commit(ssh_repo, "change", "-c", f"user.signingkey={key}")
    if case == "no-allowed-file":
        ssh_repo.git("config", "--unset", "gpg.ssh.allowedSignersFile")
    elif case == "expired-signer":
        public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
        (tmp_path / "allowed_signers").write_text(
            f'hannah@example.com valid-before="20000101" {public}\n', encoding="utf-8")
    elif case == "tampered":
        sha = _tampered(ssh_repo)
    expected = 0 if case == "allowed" else 1
    assert _git_verdict(ssh_repo, sha) == expected, _letter(ssh_repo, sha)
    assert _verdict(ssh_repo, capsys, base) == expected
    if case == "stranger":
        # The bypass: git prints U ("good signature") for a key nobody allowed.
        assert _letter(ssh_repo, sha) == "U"


# --- GPG ------------------------------------------------------------------------------------------


@pytest.fixture
def gpg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    if shutil.which("gpg") is None:
        pytest.skip("needs gpg (GnuPG) to make OpenPGP signatures")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
                    "Hannah Human <hannah@example.com>", "ed25519", "sign", "never"],
                   check=True, capture_output=True)
    listing = subprocess.run(["gpg", "--batch", "--with-colons", "--list-secret-keys"],
                             check=True, capture_output=True, text=True).stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines()
                       if line.startswith("fpr:"))
    yield home, fingerprint
    for used in tmp_path.glob("gnupg*"):
        subprocess.run(["gpgconf", "--homedir", str(used), "--kill", "gpg-agent"],
                       capture_output=True, check=False)


@pytest.mark.parametrize("case", ["own-key", "unknown-trust", "unknown-trust-min-fully",
                                  "missing-key", "tampered"])
def test_gpg_signature_counts_only_when_verify_commit_accepts_it(
        repo: GitRepo, gpg_home: tuple[Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: Any, case: str) -> None:
    _home, fingerprint = gpg_home
    repo.commit("policy", {".vetgate.yaml": POLICY})
    base = repo.head()
    sha = _signed_commit(repo, "change", "-c", f"user.signingkey={fingerprint}")
    if case == "tampered":
        sha = _tampered(repo)
    if case.startswith("unknown-trust") or case == "missing-key":
        # A keyring that does not hold the key (E), or holds it without trust (U).
        other = tmp_path / "gnupg-other"
        other.mkdir(mode=0o700)
        if case != "missing-key":
            public = subprocess.run(["gpg", "--batch", "--export", fingerprint], check=True,
                                    capture_output=True).stdout
            subprocess.run(["gpg", "--batch", "--quiet", "--homedir", str(other), "--import"],
                           input=public, check=True, capture_output=True)
        monkeypatch.setenv("GNUPGHOME", str(other))
    if case == "unknown-trust-min-fully":
        repo.git("config", "gpg.minTrustLevel", "fully")
    expected = 0 if case in ("own-key", "unknown-trust") else 1
    letter = _letter(repo, sha)
    assert letter == {"own-key": "G", "unknown-trust": "U", "unknown-trust-min-fully": "U",
                      "missing-key": "E", "tampered": "B"}[case]
    assert _git_verdict(repo, sha) == expected
    assert _verdict(repo, capsys, base) == expected
