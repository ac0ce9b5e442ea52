"""PostGIS as a zone source: import the bundled zones, load them back, same features, same locate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screening.errors import ZoneError

from .conftest import postgres_url

zonelayers = pytest.importorskip("screening.zones.layers", reason="the zone loader is not in this checkout yet")
from screening import load_rules  # noqa: E402
from screening.zones.postgis import import_zones, is_postgis_url, table_name  # noqa: E402

VOCAB = load_rules().vocabulary  # zones are checked against the vocabulary in use

ROOT = Path(__file__).resolve().parents[2]


def test_urls_that_mean_postgis() -> None:
    assert is_postgis_url("postgresql://u@h/db")
    assert is_postgis_url("postgresql+psycopg://u@h/db")
    assert not is_postgis_url("zones/")
    assert not is_postgis_url(None)


@pytest.mark.parametrize("bad", ["a;drop table x", 'a"b', "a b", "a" * 49, ""])
def test_layer_ids_that_cannot_name_a_table_are_refused(bad: str) -> None:
    with pytest.raises(ZoneError) as e:
        table_name(bad)
    assert e.value.code == "zone_postgis_bad_layer_id"


@pytest.fixture(scope="module")
def imported() -> Any:
    url = postgres_url()
    counts = import_zones(ROOT / "zones", url, VOCAB)
    return url, counts


def test_import_then_load_gives_the_same_layers(imported: Any) -> None:
    url, counts = imported
    from_files = zonelayers.load_zones(ROOT / "zones", vocabulary=VOCAB)
    from_db = zonelayers.load_zones(url, vocabulary=VOCAB)
    assert set(counts) == set(from_files.layers) == set(from_db.layers)
    for lid in from_files.layers:
        n_files = int((from_files.features["layer"] == lid).sum())
        n_db = int((from_db.features["layer"] == lid).sum())
        assert counts[lid] == n_files == n_db, lid
    assert from_db.versions() == from_files.versions()
    assert from_db.features.crs == from_files.features.crs


def test_locate_agrees_between_files_and_postgis(imported: Any) -> None:
    url, _ = imported
    from screening.project.site import parse_site
    from screening.sources.yaml_doc import read_yaml_file
    from screening.zones.locate import locate

    points = read_yaml_file(ROOT / "zones" / "sample-county" / "reference-points.yaml").data["points"]
    from_files = zonelayers.load_zones(ROOT / "zones", vocabulary=VOCAB)
    from_db = zonelayers.load_zones(url, vocabulary=VOCAB)
    for p in points[:5]:
        site = parse_site({"crs": "wgs84", "point": p["point"]})
        a = locate(site, from_files, 500)
        b = locate(site, from_db, 500)
        assert sorted((h.layer, h.code, h.relation) for h in a.hits) == sorted(
            (h.layer, h.code, h.relation) for h in b.hits
        ), p["id"]
        assert sorted((h.layer, h.code) for h in b.hits) == sorted(
            (layer, str(code)) for layer, codes in p["hits"].items() for code in codes
        ), p["id"]
