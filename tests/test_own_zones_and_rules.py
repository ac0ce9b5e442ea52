"""A user replaces the sample region and rule packs with their own through `--zones DIR` and
`--rules DIR`, with no code change, and gets clear errors (exit 2) for a malformed layer or
manifest. Runs the real console script."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

ENVSCREEN = ROOT / ".venv" / "bin" / "envscreen"
PROJECT = """\
name: 化工项目
construction: new
industry_codes: ["2661"]
processes: [chemical_reaction]
application_date: 2025-09-01
location: {crs: wgs84, point: [119.88138, 29.414194]}
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENVSCREEN), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def own(tmp_path: Path) -> dict[str, Path]:
    zones, rules = tmp_path / "my-zones", tmp_path / "my-rules"
    shutil.copytree(ROOT / "zones", zones)
    shutil.copytree(ROOT / "rules", rules)
    project = tmp_path / "p.yaml"
    project.write_text(PROJECT, encoding="utf-8")
    return {"zones": zones, "rules": rules, "project": project}


def _decision(r: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_own_copies_give_the_same_answer(own: dict[str, Path]) -> None:
    args = ("check", str(own["project"]), "--format", "json")
    bundled = _decision(_run(*args))
    mine = _decision(_run(*args, "--zones", str(own["zones"]), "--rules", str(own["rules"])))
    assert mine["admissibility"]["status"] == bundled["admissibility"]["status"] == "prohibited"
    assert mine["tier"] == bundled["tier"] == "report_book"


def test_own_rule_change_changes_the_answer(own: dict[str, Path]) -> None:
    """A park committee lifts the county's chemical-siting prohibition in its copy of the pack."""
    for f in ("region_wide.yaml", "unit_classes.yaml"):
        path = own["rules"] / "sample-county" / "lists" / f
        path.write_text(path.read_text(encoding="utf-8").replace("effect: prohibited", "effect: required"), "utf-8")
    d = _decision(
        _run(
            "check", str(own["project"]), "--format", "json", "--zones", str(own["zones"]), "--rules", str(own["rules"])
        )
    )
    assert d["admissibility"]["status"] == "conditional"


def test_own_zones_moved_unit_class_changes_the_answer(own: dict[str, Path]) -> None:
    """Reclassify the site's general unit as a priority unit in the user's layer."""
    layer = own["zones"] / "sample-county" / "control_units.geojson"
    data = json.loads(layer.read_text(encoding="utf-8"))
    for feat in data["features"]:
        if feat["properties"]["ZHGKDYBM"] == "ZH33099930013":
            feat["properties"]["ZHGKDYFL"] = "优先保护单元"
    layer.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    d = _decision(_run("check", str(own["project"]), "--format", "json", "--zones", str(own["zones"])))
    assert "class.priority.1" in {r["rule_id"] for r in d["admissibility"]["reasons"] if r["certain"]}


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("layers.yaml", "kind: control_unit", "kind: control_units"), ["layers.yaml", "control_unit"]),
        (("layers.yaml", "attributes: {code: ZHGKDYBM", "attributes: {code: ZHGKDYBMX"), ["ZHGKDYBMX"]),
        (("sample-county/parks.geojson", '"type":"FeatureCollection"', '"type":"FeatureCollectio'), ["parks"]),
    ],
    ids=["unknown-kind", "missing-attribute", "broken-layer-file"],
)
def test_malformed_manifest_or_layer_is_exit_2_with_a_message(
    own: dict[str, Path], edit: tuple[str, str, str], words: list[str]
) -> None:
    path = own["zones"] / edit[0]
    text = path.read_text(encoding="utf-8")
    assert edit[1] in text, edit
    path.write_text(text.replace(edit[1], edit[2], 1), encoding="utf-8")
    r = _run("check", str(own["project"]), "--zones", str(own["zones"]))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def test_missing_zones_directory_is_exit_2(tmp_path: Path, own: dict[str, Path]) -> None:
    r = _run("check", str(own["project"]), "--zones", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "nowhere" in r.stderr
