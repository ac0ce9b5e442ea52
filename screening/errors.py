"""Typed errors: each carries a stable code, a location and a hint a person can act on.

EnvscreenError
├── InputError        bad input: a project file the user wrote (exit code 2)
│   └── ProjectError  a project that fails validation against the vocabulary
├── RuleError         a rule pack or vocabulary that fails validation (exit code 2)
├── ZoneError         a zone manifest or layer that fails validation (exit code 2)
├── EngineError       the rule engine misbehaved: a bug, not the user's fault (exit code 1)
└── SetupError        the machine lacks something envscreen needs, e.g. a font (exit code 1)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class EnvscreenError(Exception):
    """Base of every error envscreen raises on purpose."""

    exit_code = 1
    # Further independent errors found in the same input (a project's other bad fields), so a
    # person fixes them in one go; the error itself is the first.
    also: tuple[EnvscreenError, ...] = ()

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint

    def every(self) -> tuple[EnvscreenError, ...]:
        """This error and those found with it (`also`), in the order of the input's lines, so
        a person reads them top to bottom; errors with no line last, in the order found."""
        return tuple(sorted((self, *self.also), key=lambda e: (e.line is None, e.line or 0)))

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle by fields (the default passes only the message to __init__): errors cross
        process boundaries in `envscreen batch` workers and Dask."""
        return (_restore, (type(self), self.to_dict()))

    @property
    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        head = f"{self.location}: " if self.location else ""
        field = f" (field '{self.field}')" if self.field else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{head}{self.code}: {self.message}{field}{hint}"

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "hint": self.hint,
        }


class InputError(EnvscreenError):
    """Raised when an input file cannot be read as a safe, well-formed YAML document."""

    exit_code = 2


class ProjectError(InputError):
    """Raised when a project does not fit the project format or the vocabulary."""


class RuleError(EnvscreenError):
    """Raised when a rule pack or the vocabulary is malformed."""

    exit_code = 2


class ZoneError(EnvscreenError):
    """Raised when the zone manifest or a zone layer is malformed or cannot be read."""

    exit_code = 2


class EngineError(EnvscreenError):
    """Raised when durable-rules fails or reports an exception: an internal failure."""

    exit_code = 1


class SetupError(EnvscreenError):
    """Raised when a system package envscreen needs is missing (the hint names it)."""

    exit_code = 1


def _restore(cls: type[EnvscreenError], fields: dict[str, object]) -> EnvscreenError:
    code, message = str(fields.pop("code")), str(fields.pop("message"))
    return cls(code, message, **fields)  # type: ignore[arg-type]


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return a "did you mean 'x'?" hint for the closest of `choices`, or None.

    >>> did_you_mean("electroplatng", ["electroplating", "pickling"])
    "did you mean 'electroplating'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
