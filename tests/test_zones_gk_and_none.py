"""Zone layers in a projected CGCS2000 Gauss-Kruger CRS, and an empty layer that says the
jurisdiction has none of its kind (`none_in_jurisdiction: true`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import yaml

from screening import Screener, load_rules, project_from_data
from screening.errors import ZoneError
from screening.zones.layers import default_zones_dir, load_zones

VOCAB = load_rules().vocabulary


def copy_zones(tmp_path: Path) -> tuple[Path, dict]:
    out = tmp_path / "zones"
    shutil.copytree(default_zones_dir(), out)
    return out, yaml.safe_load((out / "layers.yaml").read_text(encoding="utf-8"))


def save(out: Path, manifest: dict) -> None:
    (out / "layers.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("epsg", [4549, 4527])  # CM 120E, and 3-degree zone 40 (easting with zone number)
def test_a_gauss_kruger_layer_loads_like_its_lonlat_original(tmp_path: Path, epsg: int) -> None:
    out, manifest = copy_zones(tmp_path)
    parks = gpd.read_file(out / "sample-county" / "parks.geojson")
    parks.to_crs(epsg=epsg).to_file(out / "sample-county" / "parks_gk.geojson", driver="GeoJSON")
    entry = next(e for e in manifest["layers"] if e["id"] == "parks")
    entry.update(file="sample-county/parks_gk.geojson", crs=f"EPSG:{epsg}")
    save(out, manifest)
    gk = load_zones(out, vocabulary=VOCAB).layer_frame("parks")
    lonlat = load_zones(vocabulary=VOCAB).layer_frame("parks")
    assert list(gk["code"]) == list(lonlat["code"])
    for a, b in zip(gk.geometry.values, lonlat.geometry.values, strict=True):
        assert a.symmetric_difference(b).area < 0.01 * b.area  # the same parks, to rounding
        assert shapely.hausdorff_distance(a, b) < 1.0  # metres


def test_a_projected_crs_outside_gauss_kruger_is_still_refused(tmp_path: Path) -> None:
    out, manifest = copy_zones(tmp_path)
    manifest["layers"][-1]["crs"] = "EPSG:3857"
    save(out, manifest)
    with pytest.raises(ZoneError) as info:
        load_zones(out, vocabulary=VOCAB)
    assert info.value.code == "zone_manifest_bad_crs"
    assert "4513-4554" in (info.value.hint or "")


def empty_wetlands(tmp_path: Path, flag: bool | None) -> Path:
    out, manifest = copy_zones(tmp_path)
    path = out / "sample-county" / "important_wetlands.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    fc["features"] = []
    path.write_text(json.dumps(fc), encoding="utf-8")
    if flag is not None:
        next(e for e in manifest["layers"] if e["id"] == "important_wetlands")["none_in_jurisdiction"] = flag
    save(out, manifest)
    return out


def test_an_empty_layer_is_an_error_unless_it_says_none(tmp_path: Path) -> None:
    with pytest.raises(ZoneError) as info:
        load_zones(empty_wetlands(tmp_path / "a", None), vocabulary=VOCAB)
    assert info.value.code == "zone_layer_empty" and "none_in_jurisdiction" in (info.value.hint or "")
    zones = load_zones(empty_wetlands(tmp_path / "b", True), vocabulary=VOCAB)
    assert zones.layers["important_wetlands"].count == 0
    assert zones.layers["important_wetlands"].none_in_jurisdiction


def test_a_layer_saying_none_must_be_empty(tmp_path: Path) -> None:
    out, manifest = copy_zones(tmp_path)
    next(e for e in manifest["layers"] if e["id"] == "schools")["none_in_jurisdiction"] = True
    save(out, manifest)
    with pytest.raises(ZoneError) as info:
        load_zones(out, vocabulary=VOCAB)
    assert info.value.code == "zone_layer_not_empty" and info.value.line is not None


def test_none_in_jurisdiction_makes_the_kind_checked_and_absent(tmp_path: Path) -> None:
    from screening.facts.derive import Facts

    project = project_from_data(
        {
            "name": "t",
            "construction": "new",
            "industry_codes": ["3411"],
            "location": {"crs": "wgs84", "point": [119.960719, 29.266739]},
        },
        VOCAB,
    )
    for flag, expected in ((True, False), (None, None)):
        out = empty_wetlands(tmp_path / str(flag), flag)
        if flag is None:  # without the flag the layer is refused; dropping it leaves the kind unmapped
            manifest = yaml.safe_load((out / "layers.yaml").read_text(encoding="utf-8"))
            manifest["layers"] = [e for e in manifest["layers"] if e["id"] != "important_wetlands"]
            save(out, manifest)
        screener = Screener(zones=out)
        zones = screener.zones
        from screening.zones.locate import locate

        facts = Facts(project, location=locate(project.site, zones, screener.buffer_m), layers=screener._layer_kinds)
        got = facts.mapped_sensitive_area("important_wetland")
        assert (got if isinstance(got, bool) else None) is expected
