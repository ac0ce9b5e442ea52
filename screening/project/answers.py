"""Write answers back into a project file: the `answers:` block is replaced or appended as
text, so the rest of the file (its comments, its order) stays as the user wrote it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_TOP_ANSWERS = re.compile(r"^answers\s*:")


def format_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def update_answers_text(text: str, answers: dict[str, Any]) -> str:
    """Return `text` with its top-level `answers:` block replaced by `answers` (appended when absent)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if _TOP_ANSWERS.match(ln)), None)
    if start is not None:
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t-#"):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # keep blank lines that separate the next field
        del lines[start:end]
        insert = start
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        insert = len(lines)
    block = ["answers:  # envscreen check --ask\n"] + [f"  {k}: {format_value(v)}\n" for k, v in answers.items()]
    lines[insert:insert] = block
    return "".join(lines)


def write_answers(path: Path, answers: dict[str, Any]) -> None:
    """Merge `answers` into the project file at `path` (YAML as text, JSON as data)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        data["answers"] = {**(data.get("answers") or {}), **answers}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    path.write_text(update_answers_text(text, answers), encoding="utf-8")
