"""The versioned JSON Schemas of envscreen's JSON outputs, and the one rounding of their measures.

A schema's file name and ``$id`` carry its version (``decision-v2.schema.json``,
``urn:envscreen:schema:decision:v2``), matching the ``schema`` field of the document
(``envscreen/decision/v2``). A change that breaks a reader makes a new version, in a new file.

>>> load_schema("decision-v2")["properties"]["schema"]
{'const': 'envscreen/decision/v2'}
>>> rounded("distance_m", 300.0355648956062), rounded("overlap_share", 0.123456), rounded("overlap_share", None)
(300.0, 0.1235, None)
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DECISION = "decision-v2"
QUESTIONS = "questions-v1"

# Every measure in the JSON, by key: metres to 0.1 m, shares to 4 decimals. The zone geometry
# is not more precise than that, and one distance must print the same wherever it appears.
ROUNDING = {"distance_m": 1, "buffer_m": 1, "overlap_share": 4}


def load_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema ``name`` (``decision-v2``, ``questions-v1``) shipped in the package."""
    return json.loads(_text(name))


@cache
def _text(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


@cache
def top_level_keys(name: str) -> tuple[str, ...]:
    """Return the keys of a document of schema ``name``, in the order they are written."""
    return tuple(load_schema(name)["properties"])


def rounded(key: str, value: Any) -> Any:
    """Return ``value`` rounded as the JSON states for ``key`` (unchanged for other keys and null)."""
    digits = ROUNDING.get(key)
    if digits is None or value is None:
        return value
    return round(float(value), digits)
