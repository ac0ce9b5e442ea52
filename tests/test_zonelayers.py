"""Zone layers: the bundled sample region and every way a manifest or layer can be wrong."""

from __future__ import annotations

import json
import pickle
import re
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import shapely
import yaml
from shapely.geometry import Point, Polygon

from screening import load_rules
from screening.errors import ZoneError
from screening.packs.ruleset import default_rules_dir
from screening.packs.vocabulary import load_vocabulary
from screening.zones import layers as zonelayers
from screening.zones.layers import ZoneSet, default_zones_dir, load_zones

VOCAB = load_rules().vocabulary  # zones are checked against the vocabulary in use

ZONES = default_zones_dir()


@pytest.fixture(scope="module")
def zones() -> ZoneSet:
    return load_zones(vocabulary=VOCAB)


@pytest.fixture(scope="module")
def reference_points() -> list[dict[str, Any]]:
    data = yaml.safe_load((ZONES / "sample-county" / "reference-points.yaml").read_text(encoding="utf-8"))
    return data["points"]  # type: ignore[no-any-return]


def hits_of(zones: ZoneSet, lon: float, lat: float) -> dict[str, list[str]]:
    p = zones.to_work(Point(lon, lat))
    rows = zones.features.iloc[zones.features.sindex.query(p, predicate="intersects")]
    out: dict[str, list[str]] = {}
    for layer, code in zip(rows["layer"], rows["code"], strict=True):
        out.setdefault(layer, []).append(code)
    return {k: sorted(v) for k, v in out.items()}


# ----------------------------------------------------------------------- the bundled region


def test_region_is_labelled_illustrative(zones: ZoneSet) -> None:
    r = zones.region
    assert r.illustrative is True
    assert r.jurisdiction == "330999"
    assert "虚构" in r.name_zh and "not official" in r.name_en
    assert r.work_crs == "EPSG:4549"
    assert all("非官方" in info.source and "not official" in info.source for info in zones.layers.values())
    assert "Illustrative, fictional, not official" in (ZONES / "README.md").read_text(encoding="utf-8")


def test_features_frame_shape(zones: ZoneSet) -> None:
    f = zones.features
    assert list(f.columns) == [*zonelayers.COLUMNS, "geometry"]
    assert f.crs is not None and f.crs.to_epsg() == 4549
    assert f.index.equals(__import__("pandas").RangeIndex(len(f)))
    assert f.geometry.is_valid.all() and set(f.geom_type) <= {"Polygon", "MultiPolygon"}
    for lid, info in zones.layers.items():
        assert info.count == len(zones.layer_frame(lid)) > 0
        assert (zones.layer_frame(lid)["kind"] == info.kind).all()
        assert info.origin.startswith("sample-county/") and (ZONES / info.origin).is_file()
    assert len(f) >= 400
    assert set(zones.versions().values()) == {"2025.1"}
    # coordinates are metres near the 120E central meridian, not degrees
    minx, miny, maxx, maxy = f.total_bounds
    assert 450_000 < minx < maxx < 530_000 and 3_200_000 < miny < maxy < 3_280_000
    assert zones.warnings == ()


def test_layers_of_every_kind_and_their_attributes(zones: ZoneSet) -> None:
    kinds = {info.kind for info in zones.layers.values()}
    assert kinds == set(zonelayers.KINDS)
    f = zones.features
    units = f[f["kind"] == "control_unit"]
    assert 100 <= len(units) <= 300
    assert set(units["unit_class"]) == {"priority", "key", "general"}
    assert f.loc[f["kind"] != "control_unit", "unit_class"].isna().all()
    vocab = load_vocabulary(default_rules_dir()).terms("sensitive_areas")
    sensitive = f[f["kind"] == "sensitive_area"]
    assert set(sensitive["sensitive_area"]) <= set(vocab)
    assert {
        "drinking_water_source_protection_area",
        "nature_reserve",
        "important_wetland",
        "permanent_basic_farmland",
        "residential_area",
        "education_area",
        "cultural_relic_protection_unit",
    } <= set(sensitive["sensitive_area"])
    assert (sensitive["sensitive_area"] == "permanent_basic_farmland").sum() >= 100
    assert f.loc[f["kind"] != "sensitive_area", "sensitive_area"].isna().all()
    parks = f[f["kind"] == "park"].set_index("code")
    assert parks.loc["P330999-01", "park_type"] == "chemical"
    assert len(parks) == 2


def test_unit_codes_follow_the_pattern_and_are_unique(zones: ZoneSet) -> None:
    units = zones.features[zones.features["kind"] == "control_unit"]
    digit = {"priority": "1", "key": "2", "general": "3"}
    for code, cls, name in zip(units["code"], units["unit_class"], units["name"], strict=True):
        assert re.fullmatch(r"ZH330999[123]\d{4}", code)
        assert code[8] == digit[cls]
        assert name.startswith("示例县")
    assert units["code"].is_unique


def test_units_tile_the_county(zones: ZoneSet) -> None:
    units = zones.features[zones.features["kind"] == "control_unit"].geometry.values
    county = zones.coverage["control_units"]
    union = shapely.union_all(units)
    assert county.difference(union).area < 1.0  # no gap, m²
    assert union.difference(county).area < 1.0  # nothing outside the county
    assert shapely.area(units).sum() - union.area < 1.0  # no overlap
    assert county.equals(shapely.union_all(zones.layer_frame("admin_boundary").geometry.values))
    assert set(zones.coverage) == set(zones.layers)


def test_key_units_are_the_towns_and_parks(zones: ZoneSet) -> None:
    f = zones.features
    key = f[f["unit_class"] == "key"].geometry.values
    places = f[f["kind"].isin(["urban_built_up_area", "park"])].geometry.values
    assert len(places) == len(key)
    for g in places:
        assert shapely.area(shapely.symmetric_difference(key, g)).min() < 1.0
    park2 = f[(f["kind"] == "park") & (f["code"] == "P330999-02")].geometry.iloc[0]
    reform = zones.layer_frame("reform_areas").geometry.iloc[0]
    assert reform.difference(park2).area < 1.0 and reform.area < park2.area


def test_priority_units_hold_the_red_line_and_water_sources(zones: ZoneSet) -> None:
    f = zones.features
    priority = shapely.union_all(f[f["unit_class"] == "priority"].geometry.values)
    for kind, term in (("ecological_red_line", None), ("sensitive_area", "drinking_water_source_protection_area")):
        rows = f[(f["kind"] == kind) & ((f["sensitive_area"] == term) if term else True)]
        zone = shapely.union_all(rows.geometry.values)
        assert zone.difference(priority).area < 0.001 * zone.area


def test_first_class_water_zone_lies_inside_the_second(zones: ZoneSet) -> None:
    w = zones.layer_frame("drinking_water_sources")
    assert set(w["protection_class"]) == {"first", "second", "quasi"}
    first = w[w["protection_class"] == "first"].geometry
    second = w[w["protection_class"] == "second"].geometry
    for g in first:
        outline = [Polygon(s.exterior) for s in second if Polygon(s.exterior).intersects(g)]
        assert outline and g.difference(shapely.union_all(outline)).area < 1.0
        assert min(g.intersection(s).area for s in second) < 1.0  # the second ring leaves the first out


def test_reference_points_fall_where_documented(zones: ZoneSet, reference_points: list[dict[str, Any]]) -> None:
    ids = {p["id"] for p in reference_points}
    assert {"chemical_park", "reform_area", "water_source_first", "red_line", "general_remote", "unit_boundary"} <= ids
    for p in reference_points:
        lon, lat = p["point"]
        got = hits_of(zones, lon, lat)
        assert got == {k: sorted(map(str, v)) for k, v in p["hits"].items()}, p["id"]
        assert got.get("control_units", []) == p["units"], p["id"]


def test_reference_point_details(zones: ZoneSet, reference_points: list[dict[str, Any]]) -> None:
    by_id = {p["id"]: p for p in reference_points}
    assert len(by_id["unit_boundary"]["units"]) == 2
    unit_class = zones.features.set_index("code")["unit_class"]
    assert {unit_class[c] for c in by_id["unit_boundary"]["units"]} == {"general"}
    assert unit_class[by_id["general_remote"]["units"][0]] == "general"
    assert by_id["general_remote"]["nearest_zone_m"] > 1000
    assert unit_class[by_id["water_source_first"]["units"][0]] == "priority"
    assert unit_class[by_id["chemical_park"]["units"][0]] == "key"

    near = by_id["near_residential_300m"]
    site = zones.to_work(Point(*near["point"]))
    res = zones.layer_frame("residential_areas")
    assert res.distance(site).min() == pytest.approx(300, abs=1)
    assert res.set_index("code").geometry[near["nearest"]["code"]].distance(site) == pytest.approx(300, abs=1)

    outside = zones.to_work(Point(*by_id["outside_county"]["point"]))
    assert not any(cov.intersects(outside) for cov in zones.coverage.values())


def test_bundled_data_is_small_and_rounded() -> None:
    files = list((ZONES / "sample-county").glob("*.geojson"))
    assert sum(f.stat().st_size for f in files) < 3_000_000
    text = (ZONES / "sample-county" / "control_units.geojson").read_text(encoding="utf-8")
    assert not re.search(r"\d\.\d{7,}", text)


def test_manifest_file_or_directory(zones: ZoneSet) -> None:
    again = load_zones(ZONES / "layers.yaml", vocabulary=VOCAB)
    assert again.layers == zones.layers
    assert Path(again.root) == ZONES


def test_zoneset_pickles(zones: ZoneSet) -> None:
    back = pickle.loads(pickle.dumps(zones))
    assert back.region == zones.region and back.layers == zones.layers
    assert back.features.geom_equals(zones.features).all()
    assert back.features.sindex.size == len(zones.features)
    p = Point(119.9, 29.3)
    assert back.to_work(p).equals_exact(zones.to_work(p), 1e-6)
    assert back.to_wgs84(back.to_work(p)).equals_exact(p, 1e-9)


def test_transforms_round_trip(zones: ZoneSet) -> None:
    p = Point(119.9, 29.3)
    w = zones.to_work(p)
    assert 480_000 < w.x < 500_000  # west of the 120E central meridian (false easting 500 km)
    assert zones.to_wgs84(w).equals_exact(p, 1e-9)


def test_layer_frame_unknown_layer(zones: ZoneSet) -> None:
    with pytest.raises(KeyError, match="control_units"):
        zones.layer_frame("no_such_layer")


# ----------------------------------------------------------------------- manifest and layer errors

SQUARE = [[119.9, 29.3], [119.92, 29.3], [119.92, 29.32], [119.9, 29.32], [119.9, 29.3]]
WEST = [[119.9, 29.3], [119.91, 29.3], [119.91, 29.32], [119.9, 29.32], [119.9, 29.3]]
EAST = [[119.91, 29.3], [119.92, 29.3], [119.92, 29.32], [119.91, 29.32], [119.91, 29.3]]

MANIFEST = """\
region:
  id: test
  name_zh: 测试
  name_en: test
  illustrative: true
  jurisdiction: "330999"
  version: "1"
  date: 2025-01-01
  work_crs: "EPSG:4549"
layers:
  - id: admin
    file: admin.geojson
    kind: admin_boundary
    crs: "EPSG:4490"
    attributes: {code: CODE, name: NAME}
    source: test
    version: "1"
  - id: units
    file: units.geojson
    kind: control_unit
    crs: "EPSG:4490"
    attributes: {code: CODE, name: NAME, unit_class: CLASS}
    values: {unit_class: {"1": priority, "2": key, "3": general}}
    coverage: region
    source: test
    version: "1"
  - id: water
    file: water.geojson
    kind: sensitive_area
    crs: "EPSG:4490"
    attributes: {code: CODE, name: NAME, protection_class: LEVEL}
    sensitive_area: drinking_water_source_protection_area
    source: test
    version: "1"
"""


def feature(props: dict[str, Any], ring: list[list[float]] | None, kind: str = "Polygon") -> dict[str, Any]:
    geometry = None if ring is None else {"type": kind, "coordinates": [ring] if kind == "Polygon" else ring}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(features: list[dict[str, Any]], epsg: int | None = 4490) -> dict[str, Any]:
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if epsg is not None:
        fc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    return fc


def layers(**override: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base = {
        "admin.geojson": collection([feature({"CODE": "330999", "NAME": "测试县"}, SQUARE)]),
        "units.geojson": collection(
            [
                feature({"CODE": "ZH33099910001", "NAME": "西", "CLASS": "1"}, WEST),
                feature({"CODE": "ZH33099930001", "NAME": "东", "CLASS": "3"}, EAST),
            ]
        ),
        "water.geojson": collection([feature({"CODE": "W1", "NAME": "水源", "LEVEL": "first"}, WEST)]),
    }
    base.update(override)
    return base


def write(tmp_path: Path, manifest: str = MANIFEST, files: dict[str, dict[str, Any]] | None = None) -> Path:
    (tmp_path / "layers.yaml").write_text(manifest, encoding="utf-8")
    for name, fc in (files if files is not None else layers()).items():
        (tmp_path / name).write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


def fails(tmp_path: Path, code: str, **kw: Any) -> ZoneError:
    with pytest.raises(ZoneError) as info:
        load_zones(tmp_path, vocabulary=VOCAB)
    err = info.value
    assert err.code == code, str(err)
    assert err.hint, "every zone error carries a hint"
    assert err.exit_code == 2
    for key, expected in kw.items():
        if key == "hint":
            assert expected in err.hint, err.hint
        elif key == "message":
            assert expected in err.message, err.message
        else:
            assert getattr(err, key) == expected, (key, str(err))
    return err


def test_valid_test_manifest_loads(tmp_path: Path) -> None:
    z = load_zones(write(tmp_path), vocabulary=VOCAB)
    assert z.layers["units"].count == 2 and z.layers["water"].count == 1
    water = z.layer_frame("water").iloc[0]
    assert water["sensitive_area"] == "drinking_water_source_protection_area"
    assert water["protection_class"] == "first"
    assert list(z.layer_frame("units")["unit_class"]) == ["priority", "general"]
    assert z.region.date is not None and z.layers["admin"].date is None


def test_unknown_layer_key(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("    coverage: region\n", "    coverag: region\n")
    write(tmp_path, manifest)
    fails(
        tmp_path,
        "zone_manifest_unknown_key",
        file=str(tmp_path / "layers.yaml"),
        line=line_of(manifest, "coverag:"),
        field="layers[1].coverag",
        hint="did you mean 'coverage'?",
    )


def test_unknown_region_key(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("  work_crs:", "  work_cr:")
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_unknown_key", line=line_of(manifest, "work_cr:"), hint="did you mean 'work_crs'?")


def test_unknown_kind(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("kind: control_unit", "kind: control_units")
    write(tmp_path, manifest)
    fails(
        tmp_path,
        "zone_manifest_unknown_kind",
        line=line_of(manifest, "kind: control_units"),
        field="layers[1].kind",
        hint="did you mean 'control_unit'?",
    )


def test_missing_required_key(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('    source: test\n    version: "1"\n  - id: water', '    version: "1"\n  - id: water')
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_missing_key", line=line_of(manifest, "- id: units"), hint="add `source:`")


def test_missing_file(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "units.geojson").rename(tmp_path / "unit.geojson")
    fails(
        tmp_path,
        "zone_layer_missing_file",
        file=str(tmp_path / "layers.yaml"),
        line=line_of(MANIFEST, "file: units.geojson"),
        field="layers[1].file",
        hint="did you mean 'unit.geojson'?",
    )


def test_file_outside_the_zones_directory(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("file: units.geojson", "file: ../units.geojson")
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_bad_path", line=line_of(manifest, "../units"), hint="relative")


def test_declared_crs_disagrees_with_the_file(tmp_path: Path) -> None:
    units = layers()["units.geojson"]
    write(tmp_path, files=layers(**{"units.geojson": collection(units["features"], epsg=None)}))
    fails(
        tmp_path,
        "zone_layer_crs_mismatch",
        line=line_of(MANIFEST, 'crs: "EPSG:4490"', 2),
        field="layers[1].crs",
        message="EPSG:4326",
        hint='declare crs: "EPSG:4326"',
    )


def test_layer_crs_must_be_lon_lat(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('crs: "EPSG:4490"', 'crs: "EPSG:3857"', 1)
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_bad_crs", line=line_of(manifest, "EPSG:3857"), field="layers[0].crs", hint="4490")


def test_work_crs_must_be_projected(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('work_crs: "EPSG:4549"', 'work_crs: "EPSG:4490"')
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_bad_crs", line=line_of(manifest, "work_crs"), field="region.work_crs", hint="4549")


def test_crs_that_is_not_a_crs(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('crs: "EPSG:4490"', 'crs: "EPSG:cgcs"', 1)
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_bad_crs", line=line_of(manifest, "EPSG:cgcs"), hint="EPSG:<code>")


def test_attribute_names_a_missing_column(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("unit_class: CLASS}", "unit_class: CLAS}")
    write(tmp_path, manifest)
    fails(
        tmp_path,
        "zone_layer_missing_column",
        line=line_of(manifest, "CLAS}"),
        field="layers[1].attributes.unit_class",
        hint="did you mean 'CLASS'?",
    )


def test_attribute_the_kind_does_not_have(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("{code: CODE, name: NAME}", "{code: CODE, name: NAME, park_typ: T}")
    write(tmp_path, manifest)
    fails(
        tmp_path, "zone_manifest_unknown_key", line=line_of(manifest, "park_typ"), hint="attributes of admin_boundary"
    )


def test_unknown_unit_class_in_values(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('"1": priority', '"1": priorty')
    write(tmp_path, manifest)
    fails(
        tmp_path,
        "zone_manifest_unknown_term",
        line=line_of(manifest, "priorty"),
        field="layers[1].values.unit_class.1",
        hint="did you mean 'priority'?",
    )


def test_unknown_unit_class_in_the_data(tmp_path: Path) -> None:
    units = collection(
        [
            feature({"CODE": "ZH33099910001", "NAME": "西", "CLASS": "1"}, WEST),
            feature({"CODE": "ZH33099930001", "NAME": "东", "CLASS": "generel"}, EAST),
        ]
    )
    write(tmp_path, files=layers(**{"units.geojson": units}))
    fails(
        tmp_path,
        "zone_layer_bad_value",
        file=str(tmp_path / "units.geojson"),
        field="CLASS",
        message="feature #1",
        hint="did you mean 'general'?",
    )


def test_unknown_sensitive_area_term(tmp_path: Path) -> None:
    manifest = MANIFEST.replace(
        "sensitive_area: drinking_water_source_protection_area", "sensitive_area: drinking_water_source_protection"
    )
    write(tmp_path, manifest)
    fails(
        tmp_path,
        "zone_manifest_unknown_term",
        line=line_of(manifest, "sensitive_area: drinking"),
        hint="did you mean 'drinking_water_source_protection_area'?",
    )


def test_unknown_sensitive_area_in_the_data(tmp_path: Path) -> None:
    manifest = MANIFEST.replace(
        "protection_class: LEVEL}\n    sensitive_area: drinking_water_source_protection_area",
        "protection_class: LEVEL, sensitive_area: KIND}",
    )
    water = collection([feature({"CODE": "W1", "NAME": "水源", "LEVEL": "first", "KIND": "water_source"}, WEST)])
    write(tmp_path, manifest, layers(**{"water.geojson": water}))
    fails(tmp_path, "zone_layer_bad_value", file=str(tmp_path / "water.geojson"), field="KIND", message="vocabulary")


def test_sensitive_area_layer_must_say_which(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("    sensitive_area: drinking_water_source_protection_area\n", "")
    write(tmp_path, manifest)
    fails(
        tmp_path,
        "zone_manifest_missing_key",
        line=line_of(manifest, "protection_class: LEVEL"),
        field="layers[2].attributes",
        hint="`sensitive_area: <vocabulary term>`",
    )


def test_unquoted_jurisdiction(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('jurisdiction: "330999"', "jurisdiction: 330999")
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_bad_value", line=line_of(manifest, "jurisdiction"), hint='"330999"')


def test_duplicate_layer_id(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("- id: water", "- id: units")
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_duplicate_layer", line=line_of(manifest, "- id: units", 2), field="layers[2].id")


def test_duplicate_unit_code(tmp_path: Path) -> None:
    units = collection(
        [
            feature({"CODE": "ZH33099910001", "NAME": "西", "CLASS": "1"}, WEST),
            feature({"CODE": "ZH33099910001", "NAME": "东", "CLASS": "3"}, EAST),
        ]
    )
    write(tmp_path, files=layers(**{"units.geojson": units}))
    fails(
        tmp_path,
        "zone_layer_duplicate_code",
        file=str(tmp_path / "units.geojson"),
        message="feature #1",
        hint="own code",
    )


def test_empty_geometry(tmp_path: Path) -> None:
    water = collection([feature({"CODE": "W1", "NAME": "水源", "LEVEL": "first"}, None)])
    write(tmp_path, files=layers(**{"water.geojson": water}))
    fails(tmp_path, "zone_layer_empty_geometry", file=str(tmp_path / "water.geojson"), message="feature #0")


def test_empty_layer(tmp_path: Path) -> None:
    write(tmp_path, files=layers(**{"water.geojson": collection([])}))
    fails(tmp_path, "zone_layer_empty", file=str(tmp_path / "water.geojson"))


def test_line_is_not_a_zone(tmp_path: Path) -> None:
    water = collection([feature({"CODE": "W1", "NAME": "河", "LEVEL": "first"}, WEST[:3], kind="LineString")])
    write(tmp_path, files=layers(**{"water.geojson": water}))
    fails(tmp_path, "zone_layer_geometry_type", message="LineString", hint="buffer")


def test_too_many_vertices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zonelayers, "MAX_FEATURE_VERTICES", 4)
    write(tmp_path)
    fails(tmp_path, "zone_layer_too_many_vertices", file=str(tmp_path / "admin.geojson"), hint="simplify")


def test_small_self_intersection_is_repaired_with_a_warning(tmp_path: Path) -> None:
    # the ring touches itself at one point, enclosing a small notch: make_valid keeps the area
    notch = [[119.9, 29.3], [119.91, 29.3], [119.91, 29.32], [119.905, 29.32], [119.906, 29.319],
             [119.904, 29.319], [119.905, 29.32], [119.9, 29.32], [119.9, 29.3]]  # fmt: skip
    assert not Polygon(notch).is_valid
    water = collection([feature({"CODE": "W1", "NAME": "水源", "LEVEL": "first"}, notch)])
    z = load_zones(write(tmp_path, files=layers(**{"water.geojson": water})), vocabulary=VOCAB)
    assert len(z.warnings) == 1 and "feature #0 of layer 'water'" in z.warnings[0]
    assert z.layer_frame("water").geometry.is_valid.all()


def test_bow_tie_is_refused(tmp_path: Path) -> None:
    bow = [[119.9, 29.3], [119.91, 29.31], [119.91, 29.3], [119.9, 29.31], [119.9, 29.3]]
    water = collection([feature({"CODE": "W1", "NAME": "水源", "LEVEL": "first"}, bow)])
    write(tmp_path, files=layers(**{"water.geojson": water}))
    fails(tmp_path, "zone_layer_invalid_geometry", file=str(tmp_path / "water.geojson"), hint="outline")


def test_region_coverage_needs_an_admin_boundary(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("kind: admin_boundary", "kind: urban_built_up_area")
    write(tmp_path, manifest)
    # the first layer covering the region has no coverage key: the error points at the layer
    fails(
        tmp_path,
        "zone_manifest_no_region",
        line=line_of(manifest, "- id: admin"),
        field="layers[0].coverage",
        hint="admin_boundary",
    )


def test_missing_manifest(tmp_path: Path) -> None:
    fails(tmp_path, "zone_manifest_missing", file=str(tmp_path / "layers.yaml"), hint="layers.yaml")


def test_manifest_yaml_syntax(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("  id: test\n", "  id: test\n   oops: [\n")
    write(tmp_path, manifest)
    fails(tmp_path, "zone_manifest_yaml_syntax", file=str(tmp_path / "layers.yaml"))


def test_unsupported_url(tmp_path: Path) -> None:
    with pytest.raises(ZoneError) as info:
        load_zones("ftp://user:secret@example.invalid/zones", vocabulary=VOCAB)
    assert info.value.code == "zone_source_unsupported"
    assert "secret" not in str(info.value)


def test_registered_reader_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam another source plugs into: a layer with `table` and no `file` goes to its reader."""
    seen: list[str] = []

    def table_reader(spec: zonelayers.LayerSpec, root: str) -> Any:
        seen.append(f"{root}:{spec.table}")
        return zonelayers.read_file_layer(
            zonelayers.LayerSpec(**{**spec.__dict__, "file": f"{spec.table}.geojson", "table": None}), root
        )

    monkeypatch.setitem(zonelayers._READERS, "table", table_reader)
    manifest = MANIFEST.replace("file: water.geojson", "table: water")
    z = load_zones(write(tmp_path, manifest), vocabulary=VOCAB)
    assert seen == [f"{tmp_path}:water"]
    assert z.layers["water"].origin == "water"


# ----------------------------------------------------------------------- which files GDAL may read

SECRET_CSV = (
    'name,code,wkt\nroot:x:0:0:secret-line,S1,"POLYGON ((119.9 29.3, 119.91 29.3, 119.91 29.32, 119.9 29.3))"\n'
)


def vrt(source: str, layer: str = "secret") -> str:
    """An OGR VRT layer whose features come from `source` (any file or URL GDAL can open)."""
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="{layer}"><SrcDataSource>{source}</SrcDataSource>'
        "<SrcLayer>passwd</SrcLayer>"
        "<GeometryType>wkbPolygon</GeometryType><LayerSRS>EPSG:4490</LayerSRS>"
        '<GeometryField encoding="WKT" field="wkt"/></OGRVRTLayer></OGRVRTDataSource>'
    )


def water_manifest(name: str, table: str | None = None) -> str:
    water = f"file: {name}" + (f"\n    table: {table}" if table else "")
    return MANIFEST.replace("file: water.geojson", water).replace(
        "attributes: {code: CODE, name: NAME, protection_class: LEVEL}", "attributes: {code: code, name: name}"
    )


@pytest.mark.parametrize("name", ["water.geojson", "water.gpkg", "water.shp"])
def test_a_vrt_renamed_as_a_layer_is_refused(tmp_path: Path, name: str) -> None:
    # GDAL chooses the driver by content: a VRT named .geojson would read any file it names.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.csv").write_text(SECRET_CSV, encoding="utf-8")
    zones = tmp_path / "zones"
    zones.mkdir()
    manifest = water_manifest(name, table="secret" if name.endswith(".gpkg") else None)
    write(zones, manifest, {k: v for k, v in layers().items() if k != "water.geojson"})
    (zones / name).write_text(vrt(str(outside / "passwd.csv")), encoding="utf-8")
    err = fails(zones, "zone_layer_wrong_format", line=line_of(manifest, f"file: {name}"), field="layers[2].file")
    assert "secret" not in str(err)


def test_a_vrt_naming_a_url_is_refused_without_a_request(tmp_path: Path) -> None:
    requests: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                requests.append(conn.recv(4096))
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\n\r\n" + SECRET_CSV.encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        write(tmp_path, water_manifest("water.geojson"), {k: v for k, v in layers().items() if k != "water.geojson"})
        for source in (f"/vsicurl/http://127.0.0.1:{port}/passwd.csv", f"CSV:/vsicurl/http://127.0.0.1:{port}/a.csv"):
            (tmp_path / "water.geojson").write_text(vrt(source), encoding="utf-8")
            fails(tmp_path, "zone_layer_wrong_format")
        manifest = water_manifest(f"/vsicurl/http://127.0.0.1:{port}/water.geojson")
        write(tmp_path, manifest, {})
        fails(tmp_path, "zone_manifest_bad_path", field="layers[2].file")
        write(tmp_path, water_manifest(f"http://127.0.0.1:{port}/water.geojson"), {})
        fails(tmp_path, "zone_manifest_bad_path", field="layers[2].file")
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert requests == []


def test_a_link_leading_out_of_the_zones_directory_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "water.geojson").write_text(json.dumps(layers()["water.geojson"]), encoding="utf-8")
    zones = tmp_path / "zones"
    zones.mkdir()
    write(zones, files={k: v for k, v in layers().items() if k != "water.geojson"})
    (zones / "water.geojson").symlink_to(outside / "water.geojson")
    fails(zones, "zone_manifest_bad_path", field="layers[2].file", hint="links")


def test_other_formats_are_refused(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("file: water.geojson", "file: water.csv")
    write(tmp_path, manifest)
    (tmp_path / "water.csv").write_text(SECRET_CSV, encoding="utf-8")
    fails(tmp_path, "zone_layer_unsupported_format", line=line_of(manifest, "water.csv"), hint=".gpkg")


@pytest.mark.parametrize(("name", "table"), [("water.gpkg", "water"), ("water.shp", None)])
def test_geopackage_and_shapefile_layers_load(tmp_path: Path, name: str, table: str | None) -> None:
    import geopandas as gpd
    import pyogrio

    entry = f"file: {name}" + (f"\n    table: {table}" if table else "")
    write(tmp_path, MANIFEST.replace("file: water.geojson", entry))
    frame = gpd.read_file(tmp_path / "water.geojson")
    pyogrio.write_dataframe(frame, tmp_path / name, layer=table)
    (tmp_path / "water.geojson").unlink()
    z = load_zones(tmp_path, vocabulary=VOCAB)
    assert z.layers["water"].count == 1
    assert z.layer_frame("water").iloc[0]["code"] == "W1"
