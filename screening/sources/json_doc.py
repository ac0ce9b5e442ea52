"""Read JSON strictly: a duplicate key, an over-long number or a lone surrogate is a located error.

Python's `json` keeps the last of two equal keys, raises a bare ValueError on an integer of more
than 4,300 digits and hands back `"\\ud800"` as a string that cannot be encoded, stored or sent.
Here they are kept as markers while parsing (the hooks do not know where they are) and the first
one is then found with its field path.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from .yaml_doc import MAX_NUMBER_DIGITS, field_name


class _Duplicated(dict[str, Any]):
    """An object in which `key` appeared more than once."""

    def __init__(self, pairs: list[tuple[str, Any]], key: str) -> None:
        super().__init__(pairs)
        self.key = key


class _TooLong:
    """An integer with more digits than are read."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return _Duplicated(pairs, key)
        seen.add(key)
    return dict(pairs)


def _integer(text: str) -> int | _TooLong:
    digits = len(text) - text.startswith("-")
    return _TooLong(digits) if digits > MAX_NUMBER_DIGITS else int(text)


def load_marked(text: str, *, source: str = "<input>") -> Any:
    """Parse JSON, leaving markers where `first_problem` finds them; raise InputError on bad syntax."""
    try:
        return json.loads(text, object_pairs_hook=_object, parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise InputError(
            "json_syntax", f"not valid JSON: {exc.msg}", file=source, line=exc.lineno, hint="check the JSON syntax"
        ) from None
    except RecursionError:
        raise InputError("json_too_deep", "the JSON is nested too deeply", file=source) from None


def first_problem(data: Any, *, source: str = "<input>", depth: int | None = None) -> InputError | None:
    """Return the error for the first marker or lone surrogate in `data`, or None.

    `depth`: look only this many levels in (a batch's own fields, not its projects)."""
    # Iterative: the JSON parser accepts nesting close to Python's recursion limit.
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if depth is not None and len(path) >= depth:
            continue
        if isinstance(value, str):
            if _bad_unicode(value):
                return _unicode_error(path, source)
        elif isinstance(value, _TooLong):
            return InputError(
                "input_number_too_large",
                f"a number with {value.digits:,} digits; at most {MAX_NUMBER_DIGITS:,} are read",
                file=source,
                field=_field(path),
                hint="check the number; quantities are plain amounts in the unit of their name",
            )
        elif isinstance(value, dict):
            for key in value:
                if _bad_unicode(key):
                    return _unicode_error(path + (key,), source)
            if isinstance(value, _Duplicated):
                return InputError(
                    "json_duplicate_key",
                    f"the key '{value.key}' appears twice in one object",
                    file=source,
                    field=_field(path + (value.key,)),
                    hint="give each field once; JSON readers disagree on which of the two counts",
                )
            stack.extend((path + (k,), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in reversed(list(enumerate(value))))
    return None


def parse_json(text: str, *, source: str = "<input>") -> Any:
    """Parse JSON into plain data; raise InputError naming the field of the first problem."""
    data = load_marked(text, source=source)
    problem = first_problem(data, source=source)
    if problem is not None:
        raise problem
    return data


def _bad_unicode(s: str) -> bool:
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _field(path: tuple[Any, ...]) -> str | None:
    # A key may itself hold the lone surrogate: show it escaped, so the error can be sent.
    name = field_name(path)
    return None if name is None else name.encode("utf-8", "backslashreplace").decode("utf-8")


def _unicode_error(path: tuple[Any, ...], source: str) -> InputError:
    return InputError(
        "input_bad_unicode",
        "the text has a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not a character",
        file=source,
        field=_field(path),
        hint="a \\uD8xx escape must be followed by its \\uDCxx pair; or send the character itself as UTF-8",
    )
