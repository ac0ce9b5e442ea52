"""Issue 9, points 2, 3 and 8, end to end with the real console script: a site in a county with
no local pack in force is never "admissible"; versions of a pack and editions of the directory
are chosen by date and never mixed; `--rules DIR` adds packs on top of the bundled nationwide
ones."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import box, mapping, shape

from .conftest import ROOT

ENVSCREEN = ROOT / ".venv" / "bin" / "envscreen"
CHEMICAL = {  # a chemical plant outside the chemical park: the county prohibits it (region.space.1)
    "name": "化工项目",
    "construction": "new",
    "industry_codes": ["2661"],
    "processes": ["chemical_reaction"],
    "location": {"crs": "wgs84", "point": [119.88138, 29.414194]},
}
PARK = [120.031877, 29.240398]  # inside the chemical park (P330999-01)
WATER_SOURCE_FIRST = [119.802180, 29.381088]
# A boiler maker discharging pollutants in the first-class water-source zone (水污染防治法 art. 65).
FACTORY_IN_WATER_SOURCE: dict[str, Any] = {
    "industry_codes": ["3411"],
    "processes": [],
    "features": ["discharges_pollutants"],
    "answers": {"features.water_supply_or_source_protection": False},  # the ban's own exception
    "industrial_building": True,
    "application_date": "2025-09-01",
    "location": {"crs": "wgs84", "point": WATER_SOURCE_FIRST},
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENVSCREEN), *args], capture_output=True, text=True, timeout=300)


def _check(project: Path, *args: str) -> dict[str, Any]:
    r = _run("check", str(project), "--format", "json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def _project(tmp_path: Path, name: str = "p", **fields: Any) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps({**CHEMICAL, **fields}, ensure_ascii=False), encoding="utf-8")
    return path


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _county_pack(rules: Path, folder: str = "sample-county", **pack: str) -> Path:
    """A copy of the sample county pack under `rules/folder`, with pack.yaml fields replaced."""
    dest = rules / folder
    shutil.copytree(ROOT / "rules" / "sample-county", dest)
    for key, value in pack.items():
        text = (dest / "pack.yaml").read_text(encoding="utf-8")
        text, n = re.subn(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
        assert n == 1, key
        (dest / "pack.yaml").write_text(text, encoding="utf-8")
    return dest


@pytest.fixture()
def zones(tmp_path: Path) -> Path:
    dest = tmp_path / "my-zones"
    shutil.copytree(ROOT / "zones", dest)
    return dest


def _status(d: dict[str, Any]) -> str:
    return d["admissibility"]["status"]  # type: ignore[no-any-return]


# ------------------------------------------------------------ 2: coverage per jurisdiction


@pytest.mark.parametrize(
    ("pack", "reason", "words"),
    [
        ({"effective_from": "2026-01-01"}, "not_yet_in_force", ["330999", "2026-01-01"]),
        ({"effective_from": "2025-01-01", "effective_to": "2025-06-30"}, "expired", ["330999", "2025-06-30"]),
        ({"jurisdiction": '"330998"'}, "no_pack", ["330999"]),
        (None, "no_pack", ["330999"]),
    ],
    ids=["pack-not-yet-in-force", "pack-expired", "pack-for-another-county", "no-county-pack"],
)
def test_no_county_pack_in_force_is_never_admissible(
    tmp_path: Path, zones: Path, pack: dict[str, str] | None, reason: str, words: list[str]
) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    if pack is not None:
        _county_pack(rules, **pack)
    d = _check(_project(tmp_path, application_date="2025-09-01"), "--zones", str(zones), "--rules", str(rules))
    assert _status(d) == "needs_manual_review", d["admissibility"]
    assert [g["reason"] for g in d["admissibility"]["jurisdiction_gaps"]] == [reason]
    for w in words:
        assert w in d["admissibility"]["message_en"] and w in d["admissibility"]["message_zh"]
    assert [p["id"] for p in d["rule_packs"]] == ["zoning-national"]


def test_county_pack_in_force_still_prohibits(tmp_path: Path, zones: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _county_pack(rules)
    d = _check(_project(tmp_path, application_date="2025-09-01"), "--zones", str(zones), "--rules", str(rules))
    assert _status(d) == "prohibited" and d["admissibility"]["jurisdiction_gaps"] == []


def test_national_prohibition_holds_without_a_county_pack(tmp_path: Path, zones: Path) -> None:
    """A missing county pack cannot make things better: the water-source ban still prohibits."""
    rules = tmp_path / "my-rules"
    rules.mkdir()
    p = _project(tmp_path, **FACTORY_IN_WATER_SOURCE)
    d = _check(p, "--zones", str(zones), "--rules", str(rules))
    assert _status(d) == "prohibited"
    assert any(r["pack"] == "zoning-national" and r["certain"] for r in d["admissibility"]["reasons"])
    assert d["admissibility"]["jurisdiction_gaps"][0]["jurisdiction"] == "330999"


def _split_county(zones: Path, x: float) -> None:
    """Cut the county at longitude `x`: the east part becomes a second county, 330998."""
    path = zones / "sample-county" / "admin_boundary.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    feature = data["features"][0]
    county = shape(feature["geometry"])
    minx, miny, maxx, maxy = county.bounds
    west = shapely.intersection(county, box(minx - 1, miny - 1, x, maxy + 1))
    east = shapely.intersection(county, box(x, miny - 1, maxx + 1, maxy + 1))
    other = json.loads(json.dumps(feature))
    feature["geometry"] = mapping(west)
    other["geometry"] = mapping(east)
    code_key = next(k for k, v in other["properties"].items() if str(v) == "330999")
    other["properties"][code_key] = "330998"
    data["features"].append(other)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_site_across_two_counties_needs_both_packs(tmp_path: Path, zones: Path) -> None:
    """A pig farm the sample county admits under notification-commitment, on a plot that
    reaches into a neighbouring county with no pack: manual review, and the county's
    commitment no longer certainly applies."""
    x, y = 119.88138, 29.414194
    _split_county(zones, x)
    farm = (ROOT / "examples" / "site-pig-farm-gcj02.yaml").read_text(encoding="utf-8")
    one_county = tmp_path / "farm-west.yaml"
    one_county.write_text(
        farm.replace("crs: gcj02\n  point: [119.885894, 29.411419]", f"crs: wgs84\n  point: [{x - 0.01}, {y}]"),
        encoding="utf-8",
    )
    across = tmp_path / "farm-across.yaml"
    across.write_text(
        farm.replace(
            "crs: gcj02\n  point: [119.885894, 29.411419]",
            f"crs: wgs84\n  polygon: [[{x - 0.002}, {y}], [{x + 0.002}, {y}], [{x + 0.002}, {y + 0.002}], "
            f"[{x - 0.002}, {y + 0.002}]]",
        ),
        encoding="utf-8",
    )
    west = _check(one_county, "--zones", str(zones))
    assert west["location"]["jurisdictions"] == ["330999"] and west["admissibility"]["jurisdiction_gaps"] == []
    whole = _check(across)  # the same plot on the bundled, undivided county
    assert _status(whole) == "admissible" and whole["local"]["procedure"] == "notification_commitment"
    d = _check(across, "--zones", str(zones))
    assert d["location"]["jurisdictions"] == ["330998", "330999"]
    assert _status(d) == "needs_manual_review"
    assert [(g["jurisdiction"], g["reason"]) for g in d["admissibility"]["jurisdiction_gaps"]] == [
        ("330998", "no_pack")
    ]
    assert d["local"]["procedure"] == "approval"  # a commitment of one county's pack may act, never certainly
    assert all(not i["certain"] for i in d["local"]["instruments"] if i["effect"] == "commitment")


# ------------------------------------------------------------ 3: versions chosen by date


def _two_versions(rules: Path) -> None:
    """sample-county 2025.1 (to 2025-12-31, VOCs review from 10 t/a) and 2026.1 (from 2026-01-01,
    from 5 t/a): the same entry id, chempark.neg.3, with two thresholds."""
    _county_pack(rules, "county-2025", effective_to="2025-12-31")
    new = _county_pack(rules, "county-2026", version='"2026.1"', effective_from="2026-01-01")
    _edit(
        new / "lists" / "chemical_park.yaml",
        "when: {quantity: vocs_t_per_year, gte: 10}",
        "when: {quantity: vocs_t_per_year, gte: 5}",
    )
    _edit(new / "lists" / "chemical_park.cases.yaml", "vocs_t_per_year: 9.9", "vocs_t_per_year: 4.9")
    # the bundled case that shows region.* quiet is dated in 2025: the 2026 version gets its own
    quiet = (ROOT / "rules" / "zoning-national" / "lists" / "total_quantity.cases.yaml").read_text(encoding="utf-8")
    case = quiet[quiet.index("  - name: 不新增任何总量污染物") :].replace("on: 2025-08-01", "on: 2026-02-01")
    with (new / "lists" / "region_wide.cases.yaml").open("a", encoding="utf-8") as fh:
        fh.write(case)


def _neg3(d: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in d["admissibility"]["reasons"] if r["rule_id"] == "chempark.neg.3"), None)


def test_each_date_picks_its_own_pack_version(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _two_versions(rules)
    location = {"crs": "wgs84", "point": PARK}
    quantities = {"vocs_t_per_year": 7}
    old = _project(tmp_path, "old", application_date="2025-09-01", location=location, quantities=quantities)
    new = _project(tmp_path, "new", application_date="2026-03-01", location=location, quantities=quantities)
    d_old = _check(old, "--rules", str(rules))
    d_new = _check(new, "--rules", str(rules))
    assert [(p["id"], p["version"]) for p in d_old["rule_packs"] if p["id"] == "sample-county"] == [
        ("sample-county", "2025.1")
    ]
    assert [(p["id"], p["version"]) for p in d_new["rule_packs"] if p["id"] == "sample-county"] == [
        ("sample-county", "2026.1")
    ]
    assert _neg3(d_old) is None  # 7 < 10
    found = _neg3(d_new)
    assert found is not None and found["certain"]
    vocs = [e for e in found["evidence"] if e["fact"] == "quantities.vocs_t_per_year"]
    assert [(e["value"], e["op"], e["threshold"]) for e in vocs] == [(7.0, "gte", 5.0)]


def test_rules_test_runs_each_version_against_its_own_cases(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _two_versions(rules)
    r = _run("rules", "test", "--rules", str(rules))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    s = _run("rules", "stats", "--rules", str(rules))
    assert s.returncode == 0, s.stderr
    assert "sample-county 2025.1" in s.stdout and "sample-county 2026.1" in s.stdout


@pytest.mark.parametrize("end", ["null", "2026-01-01"], ids=["open-ended", "one-day-overlap"])
def test_overlapping_pack_versions_are_refused_at_load(tmp_path: Path, end: str) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _county_pack(rules, "county-2025", effective_to=end)
    _county_pack(rules, "county-2026", version='"2026.1"', effective_from="2026-01-01")
    r = _run("check", str(_project(tmp_path)), "--rules", str(rules))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "rules_overlapping_versions" in r.stderr and "Traceback" not in r.stderr
    assert "county-2025" in r.stderr and "county-2026" in r.stderr and "2026-01-01" in r.stderr


def _directory_2026(rules: Path) -> None:
    """directory-2021 ending 2025-12-31, and a 2026 edition where item 108's report book starts
    at 400 beds instead of 500."""
    old = rules / "directory-2021"
    shutil.copytree(ROOT / "rules" / "directory-2021", old)
    _edit(old / "pack.yaml", "effective_to: null", "effective_to: 2025-12-31")
    new = rules / "directory-2026"
    shutil.copytree(ROOT / "rules" / "directory-2021", new)
    _edit(new / "pack.yaml", "id: directory-2021", "id: directory-2026")
    _edit(new / "pack.yaml", 'version: "2021.0"', 'version: "2026.0"')
    _edit(new / "pack.yaml", "effective_from: 2021-01-01", "effective_from: 2026-01-01")
    _edit(new / "items" / "item_108.yaml", "{quantity: beds, gte: 500}", "{quantity: beds, gte: 400}")


def test_directory_edition_is_picked_by_date(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _directory_2026(rules)
    hospital = {"industry_codes": ["8411"], "project_types": ["hospital"], "processes": [], "quantities": {"beds": 450}}
    hospital.pop("location", None)
    p = tmp_path / "h.yaml"
    p.write_text(json.dumps({"name": "医院", "construction": "new", **hospital}, ensure_ascii=False), "utf-8")
    d2025 = _check(p, "--rules", str(rules), "--date", "2025-09-01")
    d2026 = _check(p, "--rules", str(rules), "--date", "2026-03-01")
    assert d2025["rule_pack"]["id"] == "directory-2021" and d2025["tier"] == "report_form"
    assert d2026["rule_pack"]["id"] == "directory-2026" and d2026["tier"] == "report_book"
    evidence = d2026["findings"][0]["evidence"]
    assert [(e["value"], e["threshold"]) for e in evidence if e["fact"] == "quantities.beds"] == [(450.0, 400.0)]
    early = _run("check", str(p), "--rules", str(rules), "--date", "2020-06-01")
    assert early.returncode == 2 and "input_no_directory_in_force" in early.stderr, early.stderr
    assert "Traceback" not in early.stderr
    s = _run("rules", "stats", "--rules", str(rules))
    assert s.returncode == 0 and "directory-2026 2026.0" in s.stdout, s.stderr


def test_overlapping_directory_editions_are_refused(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _directory_2026(rules)
    _edit(rules / "directory-2021" / "pack.yaml", "effective_to: 2025-12-31", "effective_to: 2026-06-30")
    r = _run("check", str(_project(tmp_path)), "--rules", str(rules))
    assert r.returncode == 2 and "rules_overlapping_versions" in r.stderr, r.stderr
    assert "directory-2026" in r.stderr


# ------------------------------------------------------------ 8: --rules adds packs


def test_rules_dir_with_only_a_county_pack_keeps_the_national_packs(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _county_pack(rules)
    p = _project(tmp_path, **FACTORY_IN_WATER_SOURCE)
    d = _check(p, "--rules", str(rules))
    assert _status(d) == "prohibited"
    assert "national.water_source.1" in {r["rule_id"] for r in d["admissibility"]["reasons"] if r["certain"]}
    assert d["rule_pack"]["id"] == "directory-2021"


def test_no_bundled_rules_needs_a_vocabulary_and_a_directory(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    _county_pack(rules)
    r = _run("check", str(_project(tmp_path)), "--rules", str(rules), "--no-bundled-rules")
    assert r.returncode == 2 and "vocabulary_missing" in r.stderr and "Traceback" not in r.stderr
    shutil.copy(ROOT / "rules" / "vocabulary.yaml", rules / "vocabulary.yaml")
    r = _run("check", str(_project(tmp_path)), "--rules", str(rules), "--no-bundled-rules")
    assert r.returncode == 2 and "rules_no_pack" in r.stderr and "Traceback" not in r.stderr


def test_bundled_sample_county_is_left_out_with_own_rules(tmp_path: Path) -> None:
    """The illustrative county pack applies only without --rules: own rules speak for their county."""
    rules = tmp_path / "my-rules"
    rules.mkdir()
    d = _check(_project(tmp_path, application_date="2025-09-01"), "--rules", str(rules))
    assert "sample-county" not in {p["id"] for p in d["rule_packs"]}
    assert _status(d) == "needs_manual_review"


def test_user_vocabulary_extends_the_bundled_one(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "vocabulary.yaml").write_text(
        "features:\n  uses_local_term: {zh: 地方术语, en: a local term}\n", encoding="utf-8"
    )
    p = _project(tmp_path, features=["uses_local_term"])
    assert _run("check", str(p), "--rules", str(rules)).returncode == 0
    (rules / "vocabulary.yaml").write_text(
        "processes:\n  chemical_reaction: {zh: 另一个意思, en: another meaning}\n", encoding="utf-8"
    )
    r = _run("check", str(p), "--rules", str(rules))
    assert r.returncode == 2 and "vocabulary_conflict" in r.stderr and "Traceback" not in r.stderr
