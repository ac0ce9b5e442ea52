"""POST /v1/sites/parse over real HTTP: a site file or a pasted 界址点 table becomes a GeoJSON
Feature in WGS84 that a screening takes as its location; bad input is a located problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import shapely
import yaml
from shapely.geometry import Polygon, shape

from api.settings import Settings
from screening import Screener

from ..conftest import ROOT
from .conftest import LiveServer, _serve, database_url

SITES = ROOT / "tests" / "fixtures" / "sites"
HOSPITAL = ROOT / "examples" / "site-hospital-in-reform-area.yaml"
PLOT = Polygon([(119.9588, 29.2798), (119.9608, 29.2798), (119.9608, 29.2813), (119.9588, 29.2813)])


def _upload(client: httpx.Client, name: str, **form: str) -> httpx.Response:
    data = (SITES / name).read_bytes()
    return client.post("/v1/sites/parse", files={"file": (name, data)}, data=form)


@pytest.mark.parametrize(
    ("name", "form", "crs"),
    [
        ("hospital-site.dxf", {"crs": "EPSG:4528", "layer": "红线"}, "EPSG:4528"),
        ("hospital-site-shp.zip", {}, "EPSG:4528"),
        ("hospital-site.kmz", {}, "wgs84"),
        ("hospital-site.geojson", {}, "wgs84"),
        ("hospital-site-jzd.txt", {"crs": "cgcs2000-gk3", "zone": "40"}, "EPSG:4528"),
    ],
)
def test_a_site_file_becomes_a_wgs84_feature(client: httpx.Client, name: str, form: dict[str, str], crs: str) -> None:
    r = _upload(client, name, **form)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "Feature" and body["properties"]["kind"] == "polygon" and body["properties"]["crs"] == crs
    assert shapely.hausdorff_distance(shape(body["geometry"]), PLOT) < 1e-7
    assert body["properties"]["vertices"] == 4


def test_the_returned_geometry_screens_like_the_example(client: httpx.Client) -> None:
    site = _upload(client, "hospital-site.dxf", crs="EPSG:4528", layer="红线").json()
    project = yaml.safe_load(HOSPITAL.read_text(encoding="utf-8"))
    project["application_date"] = str(project["application_date"])
    example = client.post("/v1/screenings", json=project).json()["decision"]
    project["location"] = {"crs": "wgs84", "geometry": site["geometry"]}
    r = client.post("/v1/screenings", json=project)
    assert r.status_code == 201, r.text
    got = r.json()["decision"]
    assert got["tier"] == example["tier"] == "registration"
    assert [h["code"] for h in got["location"]["hits"]] == [h["code"] for h in example["location"]["hits"]]


def test_a_pasted_table(client: httpx.Client) -> None:
    text = (SITES / "hospital-site-jzd.txt").read_bytes().decode("gb18030")
    r = client.post("/v1/sites/parse", data={"table": text, "crs": "EPSG:4528"})
    assert r.status_code == 200, r.text
    assert shapely.hausdorff_distance(shape(r.json()["geometry"]), PLOT) < 1e-7
    bad = text.replace("J3,3240448.716,40496190.782", "J3,40496190.782,3240448.716")
    r = client.post("/v1/sites/parse", data={"table": bad, "crs": "EPSG:4528"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    error = r.json()["errors"][0]
    assert error["code"] == "site_swapped_coordinates" and error["line"] == 7 and "J3" in error["message"]
    assert "X is the northing" in error["hint"]


@pytest.mark.parametrize(
    ("files", "form", "status", "code"),
    [
        ({"file": ("site.dxf", (SITES / "hospital-site.dxf").read_bytes())}, {}, 422, "site_missing_crs"),
        ({"file": ("site.dxf", b"x")}, {"crs": "EPSG:4528"}, 422, "site_file_unreadable"),
        ({"file": ("site.dwg", b"AC1032")}, {}, 422, "site_file_format"),
        (
            {"file": ("site.dxf", (SITES / "hospital-site.dxf").read_bytes())},
            {"crs": "EPSG:4527"},
            422,
            "site_wrong_zone",
        ),
        (None, {"crs": "wgs84"}, 422, "request_site_source"),
        ({"file": ("a.kml", b"<kml/>")}, {"table": "J1 1 2"}, 422, "request_site_source"),
        ({"file": ("a.txt", b"J1 3240282 40495996")}, {"crs": "cgcs2000-gk3", "zone": "forty"}, 422, None),
    ],
)
def test_bad_uploads_are_problems(
    client: httpx.Client,
    files: dict[str, tuple[str, bytes]] | None,
    form: dict[str, str],
    status: int,
    code: str | None,
) -> None:
    r = client.post("/v1/sites/parse", files=files, data=form) if files else client.post("/v1/sites/parse", data=form)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if code is not None:
        assert r.json()["errors"][0]["code"] == code, r.text


@pytest.fixture(scope="module")
def small(api_screener: Screener, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(database_url=database_url("sqlite", tmp_path_factory.mktemp("sites")), max_site_file_bytes=4096)
    yield from _serve(settings, api_screener)


def test_the_site_file_limit(small: LiveServer, tmp_path: Path) -> None:
    with httpx.Client(base_url=small.url, timeout=30) as c:
        r = c.post("/v1/sites/parse", files={"file": ("big.kml", b" " * 5000)})
        assert r.status_code == 413 and r.json()["errors"][0]["code"] == "site_file_too_large"
        r = c.post("/v1/sites/parse", files={"file": ("big.kml", b" " * 200_000)})  # past the body limit too
        assert r.status_code == 413
        # Other paths keep the general body limit (1 MiB), not the site file's.
        r = c.post("/v1/screenings", content=b"{}" + b" " * 5000, headers={"content-type": "application/json"})
        assert r.status_code == 422


def test_a_project_body_takes_a_table_but_names_no_file(client: httpx.Client) -> None:
    project = yaml.safe_load(HOSPITAL.read_text(encoding="utf-8"))
    project["application_date"] = str(project["application_date"])
    table = (SITES / "hospital-site-exchange.txt").read_text(encoding="utf-8")
    project["location"] = {"crs": "cgcs2000-gk3", "table": table}
    r = client.post("/v1/screenings", json=project)
    assert r.status_code == 201, r.text
    assert r.json()["decision"]["tier"] == "registration"
    assert r.json()["decision"]["location"]["site"]["crs"] == "EPSG:4528"
    project["location"] = {"crs": "EPSG:4528", "file": "/etc/hostname"}
    r = client.post("/v1/screenings", json=project)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "site_file_not_allowed"
