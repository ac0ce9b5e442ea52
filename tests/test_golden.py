"""Golden end-to-end cases: every example project, screened by the bundled rules.

`tests/golden/expected.yaml` holds the tier a reader of the directory expects for each
example (written by hand, not by envscreen). `tests/golden/<example>.json` and `.zh.txt`
pin the whole output; regenerate them with UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from screening.project.model import load_project
from screening.report.render import decision_to_dict, render_text
from screening.screener import Screener

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden"
EXPECTED = yaml.safe_load((GOLDEN / "expected.yaml").read_text(encoding="utf-8"))


def test_every_example_has_an_expectation() -> None:
    assert EXAMPLES, "no examples"
    assert sorted(p.stem for p in EXAMPLES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example(screener: Screener, path: Path) -> None:
    decision = screener.screen(load_project(path, screener.vocabulary))
    want = EXPECTED[path.stem]
    assert decision.status == want.get("status", "determined")
    assert decision.tier == want.get("tier")
    assert sorted(o.item for o in decision.items if o.matched) == sorted(want.get("items", []))
    for rule_id in want.get("rules", []):
        assert rule_id in {f.rule_id for f in decision.findings}
    for fact in want.get("missing", []):
        assert fact in {m.fact for m in decision.missing}
    if "admissibility" in want:
        assert decision.admissibility is not None and decision.local is not None
        assert decision.admissibility.status == want["admissibility"]
        assert decision.national_tier == want["national_tier"]
        assert {r.rule_id for r in decision.admissibility.reasons if r.certain} >= set(want.get("reasons", []))
        assert {f.rule_id for f in decision.local.instruments if f.certain} >= set(want.get("instruments", []))
        if "procedure" in want:
            assert decision.local.procedure == want["procedure"]

    data = json.dumps(decision_to_dict(decision, screener.vocabulary), ensure_ascii=False, indent=2, default=str) + "\n"
    text = render_text(decision, screener.vocabulary, "zh")
    golden_json, golden_text = GOLDEN / f"{path.stem}.json", GOLDEN / f"{path.stem}.zh.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden_json.write_text(data, encoding="utf-8")
        golden_text.write_text(text, encoding="utf-8")
    assert data == golden_json.read_text(encoding="utf-8")
    assert text == golden_text.read_text(encoding="utf-8")
