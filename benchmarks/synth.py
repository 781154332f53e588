"""Synthetic repositories and policies for the benchmarks, built fast with ``git fast-import``.

Writing 20,000 files through the work tree and ``git add`` takes tens of seconds; streaming the
same objects into ``git fast-import`` takes well under one. Every builder here returns plain data
(shas, paths) so the benchmarks can drive ``vetgate`` against a repository whose content is known
by construction.

Usable as a module (``import synth``) or from the command line for poking at a repository by hand:
``python benchmarks/synth.py DIR --files 20000 --rules 1000``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

EPOCH = 1_700_000_000
HUMAN = ("Hannah Human", "hannah@example.com")
CLAUDE_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"

# Variables that would change what vetgate decides about a synthetic commit if they leaked in from
# the shell running the benchmark (an agent's shell sets some of them).
_AGENT_ENV_VARS = (
    "CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CURSOR_AGENT", "CURSOR_TRACE_ID", "GEMINI_CLI",
    "CODEX_SANDBOX", "CODEX_THREAD_ID", "COPILOT_CLI", "GH_COPILOT", "GOOSE_TERMINAL", "OPENCODE",
    "AI_AGENT", "AGENT", "AMP", "AMP_THREAD_ID", "REPL_ID", "REPLIT_MODE", "TERM_PROGRAM",
    "GITHUB_ACTIONS", "GITLAB_CI", "CI", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE",
)


def isolated_env(home: Path) -> dict[str, str]:
    """The environment every benchmark process runs in: no user or system git config, a fixed
    human identity, and no agent variables from the calling shell."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in _AGENT_ENV_VARS}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": HUMAN[0],
        "GIT_AUTHOR_EMAIL": HUMAN[1],
        "GIT_COMMITTER_NAME": HUMAN[0],
        "GIT_COMMITTER_EMAIL": HUMAN[1],
        "NO_COLOR": "1",
    })
    return env


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None,
        input: bytes | None = None) -> str:
    """Run git in ``repo``; raise with git's message when it fails."""
    proc = subprocess.run(["git", *args], cwd=repo, env=dict(env) if env else None, input=input,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout.decode("utf-8", "replace")


def init_repo(path: Path, env: Mapping[str, str], *, branch: str = "main") -> Path:
    """An empty repository with signing off (whatever the calling user's config says)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch, env=env)
    git(path, "config", "commit.gpgsign", "false", env=env)
    return path


def _quote_path(path: str) -> bytes:
    """A path as fast-import reads it: C-style quoted when it could be misread."""
    raw = path.encode("utf-8", "surrogateescape")
    if not (raw.startswith(b'"') or b"\n" in raw or b"\\" in raw or b'"' in raw):
        return raw
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
    return b'"' + escaped + b'"'


@dataclass
class FastImport:
    """A ``git fast-import`` stream under construction. Marks are small integers; ``commit``
    returns the mark of the new commit so later commits can name it as a parent."""

    parts: list[bytes] = field(default_factory=list)
    _next_mark: int = 1
    _blobs: dict[bytes, int] = field(default_factory=dict)
    _clock: int = EPOCH

    def _mark(self) -> int:
        mark = self._next_mark
        self._next_mark += 1
        return mark

    def blob(self, data: bytes) -> int:
        """Add a blob (identical contents share one mark) and return its mark."""
        known = self._blobs.get(data)
        if known is not None:
            return known
        mark = self._mark()
        self.parts.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        self._blobs[data] = mark
        return mark

    def commit(self, message: str, files: Mapping[str, bytes] | None = None, *,
               ref: str = "refs/heads/main", parents: Sequence[int] = (),
               deletes: Iterable[str] = (), author: tuple[str, str] = HUMAN,
               committer: tuple[str, str] = HUMAN) -> int:
        """Add a commit on ``ref``. Without ``parents`` it continues the ref's current tip (a root
        commit when the ref is new); the first parent is ``from``, the rest ``merge``."""
        modifications = [
            b"M 100644 :%d %s\n" % (self.blob(content), _quote_path(path))
            for path, content in (files or {}).items()
        ]
        mark = self._mark()
        self._clock += 60
        encoded = message.encode("utf-8")
        out = [
            b"commit %s\n" % ref.encode(),
            b"mark :%d\n" % mark,
            b"author %s <%s> %d +0000\n" % (author[0].encode(), author[1].encode(), self._clock),
            b"committer %s <%s> %d +0000\n" % (committer[0].encode(), committer[1].encode(),
                                               self._clock),
            b"data %d\n%s\n" % (len(encoded), encoded),
        ]
        if parents:
            out.append(b"from :%d\n" % parents[0])
            out.extend(b"merge :%d\n" % parent for parent in parents[1:])
        out.extend(b"D %s\n" % _quote_path(path) for path in deletes)
        out.extend(modifications)
        out.append(b"\n")
        self.parts.extend(out)
        return mark

    def run(self, repo: Path, env: Mapping[str, str]) -> dict[int, str]:
        """Feed the stream to ``git fast-import`` in ``repo``; return commit mark → sha."""
        marks_file = repo / ".git" / "synth-marks"
        git(repo, "fast-import", "--quiet", f"--export-marks={marks_file}", env=env,
            input=b"".join(self.parts) + b"done\n")
        marks: dict[int, str] = {}
        for line in marks_file.read_text().splitlines():
            mark, sha = line.split()
            marks[int(mark[1:])] = sha
        marks_file.unlink()
        self.parts.clear()
        return marks


def ai_message(subject: str) -> str:
    """A commit message Claude Code would write (its co-author trailer)."""
    return f"{subject}\n\n{CLAUDE_TRAILER}\n"


# --- policies -----------------------------------------------------------------------------------

def rule_paths(index: int) -> list[str]:
    """The ``paths`` of synthetic rule ``index``: a realistic mix of directory-anchored patterns,
    exclusions, ``**``-leading patterns and extension patterns (what indexing must cope with)."""
    kind = index % 8
    if kind in (0, 1, 2, 3):
        return [f"src/mod{index}/**"]
    if kind in (4, 5):
        return [f"services/svc{index}/api/**", "!**/*.md"]
    if kind == 6:
        return [f"**/team{index}/secrets/**"]
    return [f"**/*.ext{index}"]


def rule_requirements(index: int) -> str:
    """The ``require:`` block of rule ``index`` (YAML, indented for a rule entry)."""
    kind = index % 4
    if kind == 0:
        return f'      tests: ["tests/mod{index}/**"]\n'
    if kind == 1:
        return f'      forbid: "rule {index}: no AI-written code here"\n'
    if kind == 2:
        return "      max_lines: 400\n"
    return "      trailer: {key: Risk-Reviewed-by}\n"


def policy_yaml(rules: int) -> str:
    """A valid policy with ``rules`` rules (ids r00000, r00001, ...)."""
    out = ["version: 1\n", "rules:\n"]
    for index in range(rules):
        paths = ", ".join(f'"{p}"' for p in rule_paths(index))
        out.append(f"  - id: r{index:05d}\n    paths: [{paths}]\n    require:\n")
        out.append(rule_requirements(index))
    return "".join(out)


def tests_policy_yaml(rules: int) -> str:
    """A policy where every rule has a ``tests:`` requirement that the change meets: rule ``i``
    covers ``src/mod{i}/**`` and asks for tests under ``tests/mod{i}/**`` (every fourth rule in
    the ``{paths, min}`` form, with an exclusion, as teams write it)."""
    out = ["version: 1\n", "rules:\n"]
    for index in range(rules):
        out.append(f'  - id: t{index:05d}\n    paths: ["src/mod{index}/**"]\n    require:\n')
        if index % 4 == 3:
            out.append(f'      tests: {{paths: ["tests/mod{index}/**", "!**/*.md"], min: 1}}\n')
        else:
            out.append(f'      tests: ["tests/mod{index}/**"]\n')
    return "".join(out)


def tests_change_paths(count: int, rules: int) -> list[str]:
    """``count`` paths, half sources and half tests, spread over every rule of
    ``tests_policy_yaml(rules)``: every rule matches and every ``tests:`` requirement is met, so
    the number of (file, rule) matches is ``count`` whatever the number of rules."""
    paths: list[str] = []
    n = 0
    while len(paths) < count:
        module = (n // 2) % rules
        paths.append(f"src/mod{module}/f{n}.py" if n % 2 == 0 else
                     f"tests/mod{module}/test_f{n - 1}.py")
        n += 1
    return paths


def changed_paths(count: int, *, matching_dirs: int = 50) -> list[str]:
    """``count`` distinct repository paths. Only the first ``matching_dirs`` rule indices can
    match them, so the number of (file, rule) matches stays the same whatever the number of
    rules: extra rules measure what a rule that matches nothing costs."""
    paths: list[str] = []
    buckets = ("src/mod{d}/f{n}.py", "services/svc{d}/api/h{n}.py", "lib/pkg{n}/m{n}.py",
               "docs/d{n}.md", "web/team{d}/secrets/k{n}.txt", "assets/a{n}.ext{d}")
    n = 0
    while len(paths) < count:
        template = buckets[n % len(buckets)]
        paths.append(template.format(d=n % matching_dirs, n=n))
        n += 1
    return paths


# --- repositories -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BigChange:
    """A two-commit repository: ``base`` holds the policy, ``head`` adds ``files`` files."""

    path: Path
    base: str
    head: str
    files: int
    rules: int


def big_change_repo(path: Path, env: Mapping[str, str], *, files: int, rules: int,
                    ai: bool = True, checkout_policy: bool = True,
                    tests: bool = False) -> BigChange:
    """Base commit: the policy (+ a README). Head commit (AI-origin by default): ``files`` new
    files from ``changed_paths``. The work tree holds only ``.vetgate.yaml`` (range checks read
    everything through git), which is enough for staged checks that read the policy from disk.
    ``tests``: the policy and paths of ``tests_policy_yaml`` / ``tests_change_paths`` instead."""
    init_repo(path, env)
    policy = (tests_policy_yaml(rules) if tests else policy_yaml(rules)).encode()
    paths = tests_change_paths(files, rules) if tests else changed_paths(files)
    stream = FastImport()
    base = stream.commit("base: policy", {".vetgate.yaml": policy, "README.md": b"hello\n"})
    body = b"".join(b"line %d\n" % i for i in range(5))
    message = ai_message(f"add {files} files") if ai else f"add {files} files\n"
    head = stream.commit(message, dict.fromkeys(paths, body))
    marks = stream.run(path, env)
    if checkout_policy:
        (path / ".vetgate.yaml").write_bytes(policy)
    return BigChange(path=path, base=marks[base], head=marks[head], files=files, rules=rules)


def stage_tree(repo: Path, env: Mapping[str, str], *, head: str, tree_of: str) -> None:
    """Point HEAD at ``head`` and make the index hold ``tree_of``'s tree, without touching the
    work tree: ``git diff --cached`` then shows the difference as a staged change."""
    git(repo, "update-ref", "refs/heads/main", head, env=env)
    git(repo, "read-tree", tree_of, env=env)


@dataclass(frozen=True)
class History:
    """A repository whose ``main`` has ``commits`` commits on top of ``base``."""

    path: Path
    base: str
    head: str
    commits: int


def history_repo(path: Path, env: Mapping[str, str], *, commits: int, rules: int = 50,
                 files: int = 500, ai_every: int = 3, merge_every: int = 0) -> History:
    """A pull-request-like history: a base commit with the policy and ``files`` files, then
    ``commits`` commits each modifying two files (every ``ai_every``-th one AI-origin). With
    ``merge_every`` > 0, every so many commits a side branch commit is merged back (merge
    commits in the range)."""
    init_repo(path, env)
    stream = FastImport()
    all_paths = changed_paths(files)
    base = stream.commit(
        "base", {".vetgate.yaml": policy_yaml(rules).encode(),
                 **{p: b"v0\n" for p in all_paths}},
    )
    tip = base
    for number in range(1, commits + 1):
        touched = {all_paths[(number * 7) % files]: b"v%d\n" % number,
                   all_paths[(number * 13 + 1) % files]: b"w%d\n" % number}
        subject = f"change {number}"
        message = ai_message(subject) if ai_every and number % ai_every == 0 else subject + "\n"
        if merge_every and number % merge_every == 0:
            side = stream.commit(message, touched, ref="refs/heads/side", parents=(tip,))
            tip = stream.commit(f"Merge side {number}\n", ref="refs/heads/main",
                                parents=(tip, side))
        else:
            tip = stream.commit(message, touched, parents=(tip,))
    marks = stream.run(path, env)
    (path / ".vetgate.yaml").write_bytes(policy_yaml(rules).encode())
    return History(path=path, base=marks[base], head=marks[tip], commits=commits)


def content_links_repo(path: Path, env: Mapping[str, str], *, files: int,
                       ai: bool = True) -> BigChange:
    """The worst case for content links: ``files`` AI-written files under ``lib/`` and ``files``
    human files under ``payments/`` (a protected folder) that share no lines with them, so each
    human file is compared line by line and none is linked. Packed, as a CI clone is. ``ai``
    False: the same history with an unmarked first commit (nothing to link: the baseline)."""
    init_repo(path, env)
    stream = FastImport()
    policy = (b'version: 1\nrules:\n  - id: payments\n    paths: ["payments/**"]\n'
              b'    require: {forbid: "no AI-written changes in payments/"}\n')
    base = stream.commit("base", {".vetgate.yaml": policy})
    subject = f"add {files} helpers"
    stream.commit(ai_message(subject) if ai else subject + "\n", {
        f"lib/m{i}.py": b"".join(b"def func_%d_%d(x):\n    return x * %d + helper_%d(%d)\n"
                                  % (i, j, j, i, j) for j in range(50))
        for i in range(files)})
    head = stream.commit(f"add {files} payment files\n", {
        f"payments/h{i}.py": b"".join(b"def human_%d_%d(y):\n    return y - %d * other_%d(%d)\n"
                                       % (i, j, j, i, j) for j in range(50))
        for i in range(files)})
    marks = stream.run(path, env)
    git(path, "repack", "-adq", env=env)
    return BigChange(path=path, base=marks[base], head=marks[head], files=2 * files, rules=1)


def small_change_repo(path: Path, env: Mapping[str, str], *, files: int = 1000,
                      rules: int = 50, staged: int = 10) -> Path:
    """A checked-out repository with ``files`` files and a ``rules``-rule policy, plus
    ``staged`` modified files in the index (the hook's typical case)."""
    init_repo(path, env)
    stream = FastImport()
    all_paths = changed_paths(files)
    stream.commit("base", {".vetgate.yaml": policy_yaml(rules).encode(),
                           **{p: b"v0\n" for p in all_paths}})
    stream.run(path, env)
    git(path, "reset", "-q", "--hard", env=env)
    # Spread the staged files over the path kinds so several rules match.
    for number in range(staged):
        target = path / all_paths[(number * 37) % files]
        target.write_bytes(b"v0\nstaged %d\n" % number)
    git(path, "add", "-A", env=env)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Build one synthetic repository by hand (for inspecting what the benchmarks run on)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--rules", type=int, default=1_000)
    parser.add_argument("--commits", type=int, default=0,
                        help="build a history of this many commits instead of one big change")
    args = parser.parse_args(argv)
    env = isolated_env(args.directory / ".home")
    target = args.directory / "repo"
    if args.commits:
        history = history_repo(target, env, commits=args.commits, rules=args.rules)
        print(f"{history.path}: base {history.base}, head {history.head}")
    else:
        change = big_change_repo(target, env, files=args.files, rules=args.rules)
        print(f"{change.path}: base {change.base}, head {change.head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
