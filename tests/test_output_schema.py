"""The JSON outputs against their published JSON Schemas (screening/schemas/): goldens, every
example, its questions, and the schemas themselves."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from screening import schemas
from screening.decide.outcome import Decision
from screening.project.model import load_project
from screening.report.render import decision_to_dict, questions_to_dict
from screening.screener import Screener

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = schemas.load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def assert_valid(name: str, doc: Any) -> None:
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("name", [schemas.DECISION, schemas.QUESTIONS])
def test_schema_is_valid_and_versioned(name: str) -> None:
    schema = schemas.load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    kind, version = name.split("-")
    assert schema["$id"] == f"urn:envscreen:schema:{kind}:{version}"
    assert schema["properties"]["schema"] == {"const": f"envscreen/{kind}/{version}"}


def _objects(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            found.append((path, node))
        for k, v in node.items():
            found += _objects(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _objects(v, f"{path}/{i}")
    return found


@pytest.mark.parametrize("name", [schemas.DECISION, schemas.QUESTIONS])
def test_every_object_is_closed_and_fully_required(name: str) -> None:
    # Closed and fully required, an object's keys must be exactly its properties: a field added to
    # a dataclass fails validation until the schema names it.
    for path, obj in _objects(schemas.load_schema(name)):
        assert obj["required"] == list(obj["properties"]), path
        assert obj["additionalProperties"] is False, path


def test_shared_definitions_are_the_same_in_both_schemas() -> None:
    decision, questions = schemas.load_schema(schemas.DECISION), schemas.load_schema(schemas.QUESTIONS)
    for name, definition in questions["$defs"].items():
        assert decision["$defs"][name] == definition, name
    for key in ("status", "tier", "tier_range", "questions", "assumptions", "warnings"):
        assert questions["properties"][key] == decision["properties"][key], key


def test_decision_keys_are_the_schema_properties() -> None:
    # The JSON takes its key order from the schema; every field of the Decision is in it, once.
    fields = ["schema", *(f.name for f in dataclasses.fields(Decision))]
    keys = list(schemas.top_level_keys(schemas.DECISION))
    assert sorted(keys) == sorted(fields) and len(set(keys)) == len(keys)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_json_is_valid(path: Path) -> None:
    assert_valid(schemas.DECISION, json.loads(path.read_text(encoding="utf-8")))


def _measures(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [(k, v) for k, v in node.items() if k in schemas.ROUNDING] + [
            m for v in node.values() for m in _measures(v)
        ]
    if isinstance(node, list):
        return [m for v in node for m in _measures(v)]
    return []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_outputs_are_valid_and_rounded(screener: Screener, path: Path) -> None:
    decision = screener.screen(load_project(path, screener.vocabulary))
    doc = json.loads(json.dumps(decision_to_dict(decision, screener.vocabulary), ensure_ascii=False, default=str))
    assert_valid(schemas.DECISION, doc)
    assert list(doc) == list(schemas.top_level_keys(schemas.DECISION))
    for key, value in _measures(doc):
        assert value is None or value == round(value, schemas.ROUNDING[key]), (key, value)
    questions = json.loads(
        json.dumps(questions_to_dict(decision, screener.vocabulary), ensure_ascii=False, default=str)
    )
    assert_valid(schemas.QUESTIONS, questions)
    assert list(questions) == list(schemas.top_level_keys(schemas.QUESTIONS))


def test_one_distance_reads_the_same_everywhere(screener: Screener) -> None:
    # The nearby homes were 300.0 m in `location` and 300.0355648956062 m in the finding's zones.
    decision = screener.screen(load_project(ROOT / "examples" / "site-workshop-near-homes.yaml", screener.vocabulary))
    doc = decision_to_dict(decision, screener.vocabulary)
    by_code: dict[str, set[float]] = {}
    for key, value in _zone_distances(doc):
        by_code.setdefault(key, set()).add(value)
    assert by_code and all(len(v) == 1 for v in by_code.values()), by_code


def _zone_distances(node: Any) -> list[tuple[str, float]]:
    if isinstance(node, dict):
        here = [(node["code"], node["distance_m"])] if "distance_m" in node and "code" in node else []
        return here + [z for v in node.values() for z in _zone_distances(v)]
    if isinstance(node, list):
        return [z for v in node for z in _zone_distances(v)]
    return []


def test_a_wrong_document_is_rejected() -> None:
    # The schema can fail: an unknown key, a wrong enum, a missing key.
    doc = json.loads(GOLDEN[0].read_text(encoding="utf-8"))
    for broken in (
        {**doc, "debug": 1},
        {**doc, "tier": "report"},
        {k: v for k, v in doc.items() if k != "national_tier"},
        {**doc, "items": [{**doc["items"][0], "extra": True}]} if doc["items"] else {**doc, "status": None},
    ):
        assert list(validator(schemas.DECISION).iter_errors(broken))
