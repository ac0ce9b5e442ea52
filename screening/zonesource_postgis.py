"""PostGIS as a zone source: copy a zones directory into PostGIS, and read it back.

`envscreen zones import DIR URL` writes each layer of a zones directory, as its file has it
(attributes and CRS untouched), into a table `envscreen_zone_<layer id>`, and the text of
`layers.yaml` into `envscreen_zone_manifest`. `load_zones("postgresql://...")` then reads the
manifest from there and each layer from its table instead of its file, and normalises and
validates them exactly as it does files: an agency keeps its layers where they live, and the
manifest stays the one description of what they mean."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .errors import ZoneError
from .yaml_source import read_yaml_file

MANIFEST_TABLE = "envscreen_zone_manifest"
TABLE_PREFIX = "envscreen_zone_"
_LAYER_ID = re.compile(r"^[a-z][a-z0-9_]{0,45}$")  # becomes part of a table name: nothing else gets in


def is_postgis_url(source: Any) -> bool:
    return isinstance(source, str) and source.split(":", 1)[0].lower() in (
        "postgresql",
        "postgresql+psycopg",
        "postgres",
    )


def table_name(layer_id: str) -> str:
    """`control_units` -> `envscreen_zone_control_units`; refuses ids that are not plain snake_case."""
    if not _LAYER_ID.match(layer_id):
        raise ZoneError(
            "zone_postgis_bad_layer_id",
            f"layer id '{layer_id}' cannot name a PostGIS table",
            field="layers.id",
            hint="use lower-case letters, digits and _ (at most 46 characters)",
        )
    return TABLE_PREFIX + layer_id


def make_engine(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver envscreen installs
    return create_engine(parsed)


def manifest_layers(doc_data: Any, source: str) -> list[dict[str, Any]]:
    layers = doc_data.get("layers") if isinstance(doc_data, dict) else None
    if not isinstance(layers, list) or not all(isinstance(x, dict) and "id" in x for x in layers):
        raise ZoneError("zone_manifest_no_layers", "the manifest has no list of layers", file=source, field="layers")
    return layers


def import_zones(zones_dir: Path | str, url: str) -> dict[str, int]:
    """Write every layer of `zones_dir` and its manifest into the PostGIS database at `url`.

    The directory is loaded and validated first (`load_zones`), so a broken directory imports
    nothing; the tables are then replaced in one transaction. Returns {layer id: feature count}."""
    import geopandas as gpd
    from sqlalchemy import text

    from .zonelayers import load_zones

    zones_dir = Path(zones_dir)
    load_zones(zones_dir)  # the same checks as `check --zones DIR`, before anything is written
    manifest_path = zones_dir / "layers.yaml"
    manifest_text = manifest_path.read_text(encoding="utf-8")
    layers = manifest_layers(read_yaml_file(manifest_path).data, str(manifest_path))
    frames: dict[str, Any] = {}
    for spec in layers:
        layer_id = str(spec["id"])
        path = zones_dir / str(spec["file"])
        frame = gpd.read_file(path, layer=spec.get("table")) if spec.get("table") else gpd.read_file(path)
        if frame.crs is None and spec.get("crs"):
            frame = frame.set_crs(str(spec["crs"]))
        frames[table_name(layer_id)] = frame
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            for table, frame in frames.items():
                frame.to_postgis(table, conn, if_exists="replace", index=False)
            conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {MANIFEST_TABLE} "
                    "(id integer PRIMARY KEY, manifest text NOT NULL, imported_from text, imported_at timestamptz)"
                )
            )
            conn.execute(text(f"DELETE FROM {MANIFEST_TABLE}"))
            conn.execute(
                text(
                    f"INSERT INTO {MANIFEST_TABLE} (id, manifest, imported_from, imported_at) "
                    "VALUES (1, :manifest, :source, :at)"
                ),
                {"manifest": manifest_text, "source": str(zones_dir.resolve()), "at": dt.datetime.now(dt.UTC)},
            )
    finally:
        engine.dispose()
    return {str(spec["id"]): len(frames[table_name(str(spec["id"]))]) for spec in layers}


class PostgisSource:
    """Reads what `import_zones` wrote: the manifest text and each layer's frame (as its file had it)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def manifest_text(self) -> str:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        try:
            with self.engine.connect() as conn:
                row = conn.execute(text(f"SELECT manifest FROM {MANIFEST_TABLE} WHERE id = 1")).first()
        except DBAPIError as exc:
            raise ZoneError(
                "zone_postgis_unreadable",
                f"cannot read the zone manifest from PostGIS: {type(exc.orig).__name__}",
                file=_safe(self.url),
                hint="run `envscreen zones import DIR URL` first, and check the URL",
            ) from None
        if row is None:
            raise ZoneError(
                "zone_postgis_no_manifest",
                f"{MANIFEST_TABLE} is empty",
                file=_safe(self.url),
                hint="run `envscreen zones import DIR URL`",
            )
        return str(row[0])

    def read_layer(self, layer_id: str) -> Any:
        import geopandas as gpd
        from sqlalchemy import text

        table = table_name(layer_id)
        with self.engine.connect() as conn:
            geom = conn.execute(
                text("SELECT f_geometry_column FROM geometry_columns WHERE f_table_name = :t"), {"t": table}
            ).scalar()
            if geom is None:
                raise ZoneError(
                    "zone_postgis_no_table",
                    f"no PostGIS table {table} for layer '{layer_id}'",
                    file=_safe(self.url),
                    field=f"layers.{layer_id}",
                    hint="import the zones directory again",
                )
            return gpd.read_postgis(text(f'SELECT * FROM "{table}"'), conn, geom_col=str(geom))

    def close(self) -> None:
        self.engine.dispose()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
