"""GET /v1/zones/layers and /v1/zones/{layer}: GeoJSON in WGS84 with a bbox filter."""

from __future__ import annotations

import httpx
import pytest

pytest.importorskip("screening.zones.layers", reason="the zone loader is not in this checkout yet")


@pytest.fixture(scope="module")
def layers(client: httpx.Client) -> list[dict]:
    r = client.get("/v1/zones/layers")
    assert r.status_code == 200
    return r.json()["layers"]  # type: ignore[no-any-return]


def test_layers_describe_each_layer(layers: list[dict]) -> None:
    assert layers, "the bundled sample region has layers"
    for layer in layers:
        assert layer["id"] and layer["kind"] and layer["version"]
        assert layer["feature_count"] > 0
        minlon, minlat, maxlon, maxlat = layer["bbox"]
        # WGS84 degrees inside China, not metres of the work CRS
        assert 73 < minlon <= maxlon < 136 and 3 < minlat <= maxlat < 54


def test_layer_is_a_feature_collection_in_wgs84(client: httpx.Client, layers: list[dict]) -> None:
    layer = layers[0]
    r = client.get(f"/v1/zones/{layer['id']}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == layer["feature_count"]
    props = fc["features"][0]["properties"]
    assert {"code", "name", "kind", "layer", "unit_class"} <= set(props)
    assert props["layer"] == layer["id"]
    lon, lat = _first_position(fc["features"][0]["geometry"]["coordinates"])
    assert layer["bbox"][0] - 1e-6 <= lon <= layer["bbox"][2] + 1e-6


def test_bbox_filters_features(client: httpx.Client, layers: list[dict]) -> None:
    layer = max(layers, key=lambda x: x["feature_count"])
    minlon, minlat, maxlon, maxlat = layer["bbox"]
    far = client.get(f"/v1/zones/{layer['id']}", params={"bbox": "0,0,1,1"})
    assert far.status_code == 200
    assert far.json()["features"] == []
    whole = client.get(f"/v1/zones/{layer['id']}", params={"bbox": f"{minlon},{minlat},{maxlon},{maxlat}"})
    assert len(whole.json()["features"]) == layer["feature_count"]
    corner = f"{minlon},{minlat},{minlon + (maxlon - minlon) / 10},{minlat + (maxlat - minlat) / 10}"
    part = client.get(f"/v1/zones/{layer['id']}", params={"bbox": corner})
    assert part.status_code == 200
    assert len(part.json()["features"]) <= layer["feature_count"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "3,3,1,1", "0,0,200,1", "nan,0,1,1"])
def test_bad_bbox_is_422_naming_bbox(client: httpx.Client, layers: list[dict], bbox: str) -> None:
    r = client.get(f"/v1/zones/{layers[0]['id']}", params={"bbox": bbox})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "bbox"


@pytest.mark.parametrize("layer", ["no_such_layer", "..", "a%2Fb"])
def test_unknown_layer_is_404_or_422(client: httpx.Client, layer: str) -> None:
    r = client.get(f"/v1/zones/{layer}")
    assert r.status_code in (404, 422)
    assert r.headers["content-type"] == "application/problem+json"


def _first_position(coords: list) -> tuple[float, float]:
    while isinstance(coords[0], list):
        coords = coords[0]
    return float(coords[0]), float(coords[1])
