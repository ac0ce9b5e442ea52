"""Site files (DXF, KML/KMZ, zipped Shapefile, GeoJSON, 界址点 tables) in `location.file` and
`envscreen check --site`: the same plot from every format, and typed errors for bad files,
unsafe paths and zip bombs."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import ezdxf
import jsonschema
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon
from typer.testing import CliRunner

from screening import ProjectError, Screener, load_project, parse_project
from screening.cli import app
from screening.project.site import Site, site_from_file
from screening.project.site_files import MAX_FILE_BYTES, MAX_UNZIPPED_BYTES
from screening.schemas import load_schema

from .conftest import ROOT

SITES = ROOT / "tests" / "fixtures" / "sites"
HOSPITAL = ROOT / "examples" / "site-hospital-in-reform-area.yaml"
PLOT = Polygon([(119.9588, 29.2798), (119.9608, 29.2798), (119.9608, 29.2813), (119.9588, 29.2813)])
CM = 1e-7  # about a centimetre, in degrees
DECISION_SCHEMA = jsonschema.Draft202012Validator(load_schema("decision-v2"))

FILES = [
    ("hospital-site.dxf", {"crs": "EPSG:4528", "layer": "红线"}, "EPSG:4528"),
    ("hospital-site.dxf", {"crs": "cgcs2000-gk3", "layer": "红线"}, "EPSG:4528"),
    ("hospital-site.kml", {}, "wgs84"),
    ("hospital-site.kmz", {}, "wgs84"),
    ("hospital-site-shp.zip", {}, "EPSG:4528"),
    ("hospital-site-shp.zip", {"crs": "cgcs2000-gk3"}, "EPSG:4528"),  # agrees with the .prj
    ("hospital-site.geojson", {}, "wgs84"),
    ("hospital-site-jzd.txt", {"crs": "cgcs2000-gk3"}, "EPSG:4528"),  # GBK text
    ("hospital-site-exchange.txt", {"crs": "EPSG:4528"}, "EPSG:4528"),
]


def _site(name: str, **options: object) -> Site:
    return site_from_file(name, (SITES / name).read_bytes(), **options)  # type: ignore[arg-type]


def _error(name: str, data: bytes, **options: object) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        site_from_file(name, data, **options)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize(("name", "options", "crs"), FILES)
def test_every_format_gives_the_same_plot(name: str, options: dict[str, object], crs: str) -> None:
    site = _site(name, **options)
    assert (site.kind, site.crs) == ("polygon", crs)
    assert shapely.hausdorff_distance(site.geometry, PLOT) < CM


def test_a_dxf_without_layer_unites_its_closed_polylines_and_says_so() -> None:
    site = _site("hospital-site.dxf", crs="EPSG:4528")
    assert shapely.hausdorff_distance(site.geometry, PLOT) < CM  # the building lies inside the red line
    assert "2 layers (建筑, 红线)" in site.warnings[0] and "layer: NAME" in site.warnings[0]


def test_dxf_errors() -> None:
    data = (SITES / "hospital-site.dxf").read_bytes()
    e = _error("site.dxf", data)
    assert e.code == "site_missing_crs" and e.field == "crs" and "EPSG:4528" in (e.hint or "")
    e = _error("site.dxf", data, crs="EPSG:4528", layer="红 线")
    assert e.code == "site_file_layer" and "did you mean '红线'" in (e.hint or "")
    e = _error("site.dxf", data, crs="EPSG:4528", layer="道路")  # only an open polyline there
    assert e.code == "site_file_layer" and "建筑 (1), 红线 (1)" in (e.hint or "")
    e = _error("site.dxf", data, crs="EPSG:4549", layer="红线")  # a prefixed easting, declared without
    assert e.code == "site_wrong_zone" and "EPSG:4528" in (e.hint or "") and e.file == "site.dxf"
    doc = ezdxf.new()
    doc.modelspace().add_lwpolyline([(40495996, 3240282), (40496190, 3240282), (40496190, 3240448)])
    stream = io.StringIO()
    doc.write(stream)
    e = _error("open.dxf", stream.getvalue().encode(), crs="EPSG:4528")
    assert e.code == "site_file_no_outline" and "1 polylines are open" in (e.hint or "")
    assert _error("junk.dxf", b"0\nSECTION\n2\nENTITIES\n0\nNOPE\n", crs="EPSG:4528").code in (
        "site_file_unreadable",
        "site_file_no_outline",
    )


def test_declared_crs_against_the_files_own() -> None:
    shp = (SITES / "hospital-site-shp.zip").read_bytes()
    e = _error("site.zip", shp, crs="wgs84")
    assert (e.code, e.field) == ("site_crs_conflict", "crs") and "its .prj" in e.message
    assert _error("site.zip", shp, crs="EPSG:4527").code == "site_crs_conflict"
    # A KML exported from a Chinese web map says WGS84 and holds GCJ-02: the declaration wins.
    gcj = _site("hospital-site.kml", crs="gcj02")
    assert gcj.crs == "gcj02" and 0.003 < shapely.hausdorff_distance(gcj.geometry, PLOT) < 0.01
    assert _error("site.kml", (SITES / "hospital-site.kml").read_bytes(), crs="EPSG:4528").code == "site_crs_conflict"


def test_a_geojson_crs_member_is_read() -> None:
    doc = json.loads((SITES / "hospital-site.geojson").read_text(encoding="utf-8"))
    site = _site("hospital-site-shp.zip")
    ring = [list(p) for p in shapely.get_coordinates(Polygon(_gk_ring()))]
    doc["features"][0]["geometry"]["coordinates"] = [ring]
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4528"}}
    got = site_from_file("gk.geojson", json.dumps(doc).encode())
    assert got.crs == "EPSG:4528" and shapely.hausdorff_distance(got.geometry, site.geometry) < CM


def _gk_ring() -> list[tuple[float, float]]:
    from screening.project.coordinates import from_wgs84

    return [from_wgs84(3, 40, x, y) for x, y in PLOT.exterior.coords[:-1]]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_before_inflating() -> None:
    bomb = _zip({"a.shp": b"\0" * (MAX_UNZIPPED_BYTES + 1)})
    assert len(bomb) < MAX_FILE_BYTES  # small on the wire
    e = _error("bomb.zip", bomb)
    assert e.code == "site_file_too_large" and "unpacks to" in e.message
    e = _error("ratio.kmz", _zip({"doc.kml": b" " * 5_000_000}))
    assert e.code == "site_file_too_large" and "inflates" in e.message


def test_zip_member_names_never_reach_a_path(tmp_path: Path) -> None:
    members = {}
    with zipfile.ZipFile(SITES / "hospital-site-shp.zip") as z:
        for info in z.infolist():
            members["../../" + Path(info.filename).name.replace("hongxian", "escape")] = z.read(info)
    site = site_from_file("evil.zip", _zip(members))
    assert shapely.hausdorff_distance(site.geometry, PLOT) < CM
    assert not any(p.name.startswith("escape") for p in Path("/tmp").parent.glob("*"))


def test_zip_with_several_shapefiles_asks_for_a_layer() -> None:
    with zipfile.ZipFile(SITES / "hospital-site-shp.zip") as z:
        parts = {Path(i.filename).name: z.read(i) for i in z.infolist()}
    both = {**parts, **{n.replace("hongxian", "other"): d for n, d in parts.items()}}
    e = _error("two.zip", _zip(both))
    assert e.code == "site_file_layer" and "hongxian, other" in e.message
    assert site_from_file("two.zip", _zip(both), layer="other").crs == "EPSG:4528"
    assert _error("none.zip", _zip({"readme.txt": b"x"})).code == "site_file_unreadable"
    no_dbf = {n: d for n, d in parts.items() if not n.endswith(".dbf")}
    assert _error("nodbf.zip", _zip(no_dbf)).code == "site_file_unreadable"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("site.dwg", b"AC1032", "site_file_format"),
        ("site.shp", b"x", "site_file_format"),
        ("big.kml", b" " * (MAX_FILE_BYTES + 1), "site_file_too_large"),
        ("x.kml", b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>', "site_file_unreadable"),
        ("x.kml", b"<kml><Placemark>", "site_file_unreadable"),
        ("x.kml", b"<kml><Point><coordinates>abc</coordinates></Point></kml>", "site_file_unreadable"),
        ("x.kml", b"<kml><Document/></kml>", "site_file_no_outline"),
        ("x.geojson", b'{"type": "Point", "coordinates": [1, 2]', "site_file_unreadable"),
        ("x.geojson", b'{"type": "MultiPoint", "coordinates": [[120.1, 29.4], [120.2, 29.4]]}', "site_file_no_outline"),
        ("x.kmz", b"not a zip", "site_file_unreadable"),
        ("x.txt", b"\xff\xfe\xfa\xfb J1 1 2", "input_not_utf8"),
        ("x.txt", "点号,X,Y\nJ1,3240282.5,4049599x\n".encode(), "site_table_bad_row"),
    ],
)
def test_bad_files_are_typed_errors(name: str, data: bytes, code: str) -> None:
    e = _error(name, data)
    assert e.code == code, str(e)


def test_a_point_from_a_geojson_file_and_a_layer_for_a_kml_is_refused() -> None:
    site = site_from_file("p.geojson", b'{"type": "Point", "coordinates": [120.1, 29.4]}')
    assert site.kind == "point"
    assert _error("x.kml", (SITES / "hospital-site.kml").read_bytes(), layer="a").code == "site_file_layer"


# ---------------------------------------------------------------------- in a project file and the CLI


def _project(tmp_path: Path, location: str, name: str = "p.yaml") -> Path:
    text = HOSPITAL.read_text(encoding="utf-8")
    head, _, _ = text.partition("location:")
    path = tmp_path / name
    path.write_text(head + location, encoding="utf-8")
    return path


def test_location_file_is_read_beside_the_project(tmp_path: Path, screener: Screener) -> None:
    (tmp_path / "cad").mkdir()
    shutil.copy(SITES / "hospital-site.dxf", tmp_path / "cad" / "红线.dxf")
    path = _project(
        tmp_path, "location:\n  file: cad/红线.dxf\n  crs: EPSG:4528\n  layer: 红线\n  address: 某县开发区\n"
    )
    project = load_project(path, screener.vocabulary)
    assert project.site is not None and project.site.address == "某县开发区"
    assert shapely.hausdorff_distance(project.site.geometry, PLOT) < CM
    # The same decision as the example's WGS84 polygon.
    example = screener.screen(load_project(HOSPITAL, screener.vocabulary))
    got = screener.screen(project)
    assert got.tier == example.tier and got.location is not None and example.location is not None
    assert _without_site(got.location) == _without_site(example.location)


def _without_site(location: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in location.items() if k != "site"}


@pytest.mark.parametrize(
    ("file", "code"),
    [
        ("../site.dxf", "site_file_bad_path"),
        ("/etc/hostname", "site_file_bad_path"),
        ("https://example.org/a.dxf", "site_file_bad_path"),
        ("missing.dxf", "site_file_missing"),
    ],
)
def test_location_file_paths_stay_in_the_project_folder(
    tmp_path: Path, screener: Screener, file: str, code: str
) -> None:
    (tmp_path / "p").mkdir()
    shutil.copy(SITES / "hospital-site.dxf", tmp_path / "site.dxf")
    path = _project(tmp_path / "p", f"location:\n  file: {file}\n  crs: EPSG:4528\n")
    with pytest.raises(ProjectError) as info:
        load_project(path, screener.vocabulary)
    assert (info.value.code, info.value.field, info.value.line) == (code, "location.file", 21)


def test_location_file_is_refused_in_text_sent_without_a_folder(screener: Screener) -> None:
    text = HOSPITAL.read_text(encoding="utf-8").partition("location:")[0] + "location: {file: a.dxf, crs: EPSG:4528}\n"
    with pytest.raises(ProjectError) as info:
        parse_project(text, screener.vocabulary)
    assert info.value.code == "site_file_not_allowed" and "/v1/sites/parse" in (info.value.hint or "")


def test_a_table_file_error_names_the_table_file_and_line(tmp_path: Path, screener: Screener) -> None:
    lines = (SITES / "hospital-site-exchange.txt").read_text(encoding="utf-8").splitlines()
    lines[12] = lines[12].replace(",1,", ",1,7")  # J3's X gains a digit
    (tmp_path / "jzd.txt").write_text("\n".join(lines), encoding="utf-8")
    path = _project(tmp_path, "location:\n  file: jzd.txt\n  crs: cgcs2000-gk3\n")
    with pytest.raises(ProjectError) as info:
        load_project(path, screener.vocabulary)
    e = info.value
    assert (e.file, e.line, e.code) == (str(tmp_path / "jzd.txt"), 13, "site_outside_china"), str(e)
    assert "point J3 (table line 13)" in e.message


def test_check_with_site_replaces_the_location(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["check", str(HOSPITAL), "--format", "json", "--date", "2025-09-01"]
    base = json.loads(runner.invoke(app, args).output)
    for site, extra in (
        ("hospital-site.dxf", ["--site-crs", "EPSG:4528", "--site-layer", "红线"]),
        ("hospital-site-shp.zip", []),
        ("hospital-site-jzd.txt", ["--site-crs", "cgcs2000-gk3"]),
    ):
        result = runner.invoke(app, [*args, "--site", str(SITES / site), *extra])
        assert result.exit_code == 0, result.output
        got = json.loads(result.output)
        assert (got["tier"], _without_site(got["location"])) == (base["tier"], _without_site(base["location"]))
        assert got["location"]["site"]["crs"] == ("EPSG:4528")
        DECISION_SCHEMA.validate(got)  # an EPSG code is a crs the decision schema allows
    result = runner.invoke(app, [*args, "--format", "text", "--site", str(SITES / "hospital-site.dxf")])
    assert result.exit_code == 2 and "site_missing_crs" in result.output


# ---------------------------------------------------------------------- property: any bytes, a typed answer

_fuzz_prefix = {
    "dxf": (SITES / "hospital-site.dxf").read_bytes()[:3000],
    "kml": (SITES / "hospital-site.kml").read_bytes()[:300],
    "geojson": (SITES / "hospital-site.geojson").read_bytes()[:200],
    "zip": (SITES / "hospital-site-shp.zip").read_bytes()[:600],
    "kmz": (SITES / "hospital-site.kmz").read_bytes()[:300],
    "txt": "点号,X,Y\nJ1,3240282.522,40495996.376\n".encode(),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ext=st.sampled_from(sorted(_fuzz_prefix)), cut=st.integers(0, 3000), tail=st.binary(max_size=400))
def test_any_bytes_give_a_site_or_a_project_error(ext: str, cut: int, tail: bytes) -> None:
    data = _fuzz_prefix[ext][:cut] + tail  # a damaged real file, or noise
    try:
        site = site_from_file(f"x.{ext}", data, crs="EPSG:4528" if ext in ("dxf", "txt") else None)
    except ProjectError as e:
        assert e.code.startswith(("site_", "input_", "project_")), e
        return
    assert site.geometry.is_valid and not site.geometry.is_empty


def _r12(layer: bytes, ring: list[tuple[float, float]], codepage: bytes = b"ANSI_936") -> bytes:
    """A hand-written R12 DXF with one closed POLYLINE, as older Chinese CAD versions save it."""
    groups = [b"0", b"SECTION", b"2", b"HEADER", b"9", b"$ACADVER", b"1", b"AC1009", b"9", b"$DWGCODEPAGE", b"3"]
    groups += [codepage, b"0", b"ENDSEC", b"0", b"SECTION", b"2", b"ENTITIES"]
    groups += [b"0", b"POLYLINE", b"8", layer, b"66", b"1", b"10", b"0.0", b"20", b"0.0", b"70", b"1"]
    for x, y in ring:
        groups += [b"0", b"VERTEX", b"8", layer, b"10", f"{x:.3f}".encode(), b"20", f"{y:.3f}".encode()]
    groups += [b"0", b"SEQEND", b"0", b"ENDSEC", b"0", b"EOF"]
    return b"\r\n".join(groups) + b"\r\n"


@pytest.mark.parametrize("layer", ["红线".encode("gbk"), b"\\U+7EA2\\U+7EBF"])
def test_an_old_dxf_with_a_chinese_layer_name(layer: bytes) -> None:
    site = site_from_file("old.dxf", _r12(layer, _gk_ring()), crs="EPSG:4528", layer="红线")
    assert shapely.hausdorff_distance(site.geometry, PLOT) < CM


def test_thousands_of_closed_polylines_ask_for_the_layer() -> None:
    doc = ezdxf.new()
    msp = doc.modelspace()
    x0, y0 = _gk_ring()[0]
    for i in range(2_001):
        x, y = x0 + 20 * (i % 50), y0 + 20 * (i // 50)
        msp.add_lwpolyline(
            [(x, y), (x + 10, y), (x + 10, y + 10), (x, y + 10)], close=True, dxfattribs={"layer": "建筑"}
        )
    msp.add_lwpolyline(_gk_ring(), close=True, dxfattribs={"layer": "红线"})
    stream = io.StringIO()
    doc.write(stream)
    data = stream.getvalue().encode()
    e = _error("many.dxf", data, crs="EPSG:4528")
    assert e.code == "site_file_layer" and "2,002 closed polylines" in e.message and "建筑 (2001)" in e.message
    assert (
        shapely.hausdorff_distance(site_from_file("many.dxf", data, crs="EPSG:4528", layer="红线").geometry, PLOT) < CM
    )


def test_a_shapefile_in_another_crs_is_converted_with_a_warning(tmp_path: Path) -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(geometry=[PLOT], crs="EPSG:4490").to_crs("EPSG:32650")  # UTM 50N
    frame.to_file(tmp_path / "utm.shp", engine="pyogrio")
    members = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    site = site_from_file("utm.zip", _zip(members))
    assert site.crs == "cgcs2000" and shapely.hausdorff_distance(site.geometry, PLOT) < 1e-6
    assert "UTM zone 50N" in site.warnings[0] and "100 m" in site.warnings[0]
