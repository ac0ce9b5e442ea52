"""The entry index (screening/decide/routing.py) gives exactly the entries the full scan gives:
for sites anywhere on and around the sample county, with a pack that names every control unit
(as a province's scheme does), units that do not exist, and selectors the index must not route."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening import Screener, load_rules, project_from_data
from screening.decide.admissibility import candidates
from screening.decide.routing import EntryIndex
from screening.facts.derive import Facts
from screening.zones.locate import locate

ON = dt.date(2025, 9, 1)


def _pack(root: Path, unit_codes: list[str]) -> Path:
    entries = []
    for i, code in enumerate([*unit_codes, "ZH00000000000", "ZH99999999999"]):
        applies: dict = {"zone": {"kind": "control_unit", "code": code}}
        if i % 7 == 1:  # near, not in: searched within 300 m
            applies = {"zone": {"kind": "control_unit", "code": code, "within_m": 300}}
        if i % 11 == 2:  # with another condition beside the zone
            applies = {"all": [applies, {"zone": {"kind": "control_unit", "unit_class": "key"}}]}
        if i % 13 == 3:  # either of two zones: never routed by one code
            applies = {"any": [applies, {"zone": {"kind": "ecological_red_line"}}]}
        entries.append(
            {
                "id": f"gen.unit.{i}",
                "clause": f"第{i}条",
                "dimension": "space_layout",
                "effect": "restricted",
                "applies": applies,
                "text": f"单元{code}的准入要求。",
                "text_en": f"unit {code}",
                "when": True,
            }
        )
    pack = root / "generated"
    (pack / "lists").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "generated",
                "kind": "local",
                "title": "生成的单元清单",
                "short": "生成",
                "jurisdiction": "330999",
                "version": "1",
                "effective_from": dt.date(2025, 1, 1),
                "illustrative": True,
                "citation_prefix": "《生成》",
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    lst = {"id": "units", "title": "单元清单", "document": "《生成》", "entries": entries}
    (pack / "lists" / "units.yaml").write_text(yaml.safe_dump(lst, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def generated(screener: Screener, tmp_path_factory: pytest.TempPathFactory) -> Screener:
    features = screener.zones.features
    codes = sorted(features[features["kind"] == "control_unit"]["code"].dropna().unique())
    assert len(codes) > 100
    return Screener(load_rules(_pack(tmp_path_factory.mktemp("rules"), list(codes))), zones=screener.zones)


def _facts(s: Screener, lon: float, lat: float, size: float) -> Facts:
    site = (
        {"crs": "wgs84", "point": [lon, lat]}
        if size == 0
        else {
            "crs": "wgs84",
            "polygon": [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]],
        }
    )
    project = project_from_data(
        {"name": "p", "construction": "new", "project_types": ["hospital"], "location": site}, s.vocabulary
    )
    engine = s.engine
    location = locate(project.site, s.zones, s.buffer_m)
    return Facts(project, engine.type_codes, location, s._layer_kinds, type_quantities=engine.type_quantities)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lon=st.floats(119.70, 120.10),
    lat=st.floats(29.15, 29.55),
    size=st.sampled_from([0.0, 0.0005, 0.004, 0.03]),
)
def test_the_index_gives_the_full_scans_entries(generated: Screener, lon: float, lat: float, size: float) -> None:
    facts = _facts(generated, lon, lat, size)
    for pack in generated.rules.local_packs:
        routed = generated.routes[(pack.id, pack.version)].candidates(facts)
        assert routed == candidates(pack.entries, facts)


def test_the_index_routes_the_per_unit_entries(generated: Screener) -> None:
    pack = next(p for p in generated.rules.local_packs if p.id == "generated")
    index = generated.routes[(pack.id, pack.version)]
    routed = sum(len(v) for v in index._by_kind.values())
    # every entry but the `any` ones goes by its unit's code
    anys = [e for e in pack.entries if int(e.id.rsplit(".", 1)[1]) % 13 == 3]
    assert len(index._free) == len(anys) and routed == len(pack.entries) - len(anys)


def test_without_a_site_every_entry_is_evaluated(generated: Screener) -> None:
    project = project_from_data(
        {"name": "p", "construction": "new", "project_types": ["hospital"]}, generated.vocabulary
    )
    facts = Facts(project, generated.engine.type_codes, None, generated._layer_kinds)
    pack = next(p for p in generated.rules.local_packs if p.id == "generated")
    assert EntryIndex(pack.entries, generated.buffer_m).candidates(facts) == candidates(pack.entries, facts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lon=st.floats(119.70, 120.10), lat=st.floats(29.15, 29.55), size=st.sampled_from([0.0, 0.004]))
def test_site_changes_from_the_routed_entries_equal_those_from_every_entry(
    screener: Screener, lon: float, lat: float, size: float
) -> None:
    """The bundled county's reform area, exemption and commitment zones are advice to move into
    even when the site is nowhere near them: the routed entries keep every instrument."""
    from screening.decide.admissibility import site_changes

    facts = _facts(screener, lon, lat, size)
    for pack in screener.rules.local_packs:
        index = screener.routes[(pack.id, pack.version)]
        found = index.candidates(facts)
        results = screener.lists.evaluate(facts, found) if found else {}
        assert site_changes(results, index.site_change_entries(found), facts) == site_changes(
            results, pack.entries, facts
        )
