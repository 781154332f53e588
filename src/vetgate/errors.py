"""The one exception family vetgate raises for problems it knows how to explain.

Every ``VetgateError`` ends the process with exit code 2 ("vetgate could not decide") and one
clear message; anything else that escapes is a bug and gets exit code 3 and a bug-report hint
(see ``vetgate.main``).
"""

from __future__ import annotations

from collections.abc import Sequence

from vetgate.records import frozen

EXIT_PASS = 0
EXIT_BLOCK = 1
EXIT_UNDECIDED = 2
EXIT_CRASH = 3
EXIT_INTERRUPTED = 130


class VetgateError(Exception):
    """A known failure: bad policy, bad arguments, not a repository, missing history."""

    exit_code = EXIT_UNDECIDED


class UsageError(VetgateError):
    """The command line asks for something that cannot be done."""


class GitError(VetgateError):
    """git failed, or the repository lacks what the change selection needs."""


class HostError(VetgateError):
    """The code host (GitHub, GitLab) could not supply the evidence the policy needs."""


@frozen
class Diagnostic:
    """One problem in a policy file, located at a YAML node."""

    file: str
    line: int
    column: int
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


class PolicyError(VetgateError):
    """One or more problems in policy files; all of them, not just the first."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))
