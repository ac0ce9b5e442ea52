"""PostGIS as a zone source: copy a zones directory into PostGIS, and read it back.

`envscreen zones import DIR URL` writes each layer of a zones directory, as its file has it
(attributes and CRS untouched), into a table `envscreen_zone_<layer id>`, and the text of
`layers.yaml` into `envscreen_zone_manifest`. `load_zones("postgresql://...")` imports this
module, which registers a manifest opener for the scheme and a reader for `table` layers
(`zonelayers.register_source`, `register_reader`): the manifest comes from the database with
each layer's `file` replaced by its table, and the loader validates and normalises the
tables exactly as it does files. An agency keeps its layers where they live; the manifest
stays the one description of what they mean."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..errors import ZoneError
from ..packs.vocabulary import Vocabulary
from ..sources.yaml_doc import YamlDoc, parse_yaml, read_yaml_file
from .layers import LayerSpec, load_zones, register_reader, register_source

MANIFEST_TABLE = "envscreen_zone_manifest"
TABLE_PREFIX = "envscreen_zone_"
SCHEMES = ("postgresql", "postgres")
# A table name is built from a layer id and always double-quoted; this keeps it a plain identifier
# within PostgreSQL's 63-byte limit (layer ids allow letters, digits, '_' and '-').
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,62}$")


def is_postgis_url(source: Any) -> bool:
    return (
        isinstance(source, str) and source.split("://", 1)[0].split("+", 1)[0].lower() in SCHEMES and ("://" in source)
    )


def table_name(layer_id: str) -> str:
    """`control_units` -> `envscreen_zone_control_units`; refuses ids that cannot name a table."""
    name = TABLE_PREFIX + layer_id
    if not layer_id or not _TABLE.match(name):
        raise ZoneError(
            "zone_postgis_bad_layer_id",
            f"layer id '{layer_id}' cannot name a PostGIS table",
            field="layers.id",
            hint=f"use letters, digits, '_' and '-', at most {63 - len(TABLE_PREFIX)} characters",
        )
    return name


def _quoted(table: str) -> str:
    if not _TABLE.match(table):
        raise ZoneError("zone_postgis_bad_table", f"'{table}' is not a plain table name", field="layers.table")
    return f'"{table}"'


def make_engine(url: str) -> Any:
    """An engine with no pool: a zone load opens a few connections once, and leaves none behind."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    if parsed.drivername in SCHEMES:
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver envscreen installs
    return create_engine(parsed, poolclass=NullPool)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


# ----------------------------------------------------------------------- import


def import_zones(zones_dir: Path | str, url: str, vocabulary: Vocabulary) -> dict[str, int]:
    """Write every layer of `zones_dir` and its manifest into the PostGIS database at `url`.

    The directory is loaded and validated first (`load_zones`), so a broken directory imports
    nothing; the tables are then replaced in one transaction. Returns {layer id: feature count}."""
    import pyogrio
    from sqlalchemy import text

    zones_dir = Path(zones_dir)
    manifest_path = zones_dir if zones_dir.suffix in (".yaml", ".yml") else zones_dir / "layers.yaml"
    root = manifest_path.parent
    load_zones(
        manifest_path, vocabulary=vocabulary
    )  # the same checks as `check --zones DIR`, before anything is written
    manifest_text = manifest_path.read_text(encoding="utf-8")
    frames: dict[str, Any] = {}
    for entry in read_yaml_file(manifest_path).data["layers"]:
        layer_id = str(entry["id"])
        frame = pyogrio.read_dataframe(root / str(entry["file"]), layer=entry.get("table"))
        if frame.crs is None:
            frame = frame.set_crs(str(entry["crs"]))
        frames[layer_id] = frame
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            for layer_id, frame in frames.items():
                frame.to_postgis(table_name(layer_id), conn, if_exists="replace", index=False)
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
                {"manifest": manifest_text, "source": str(root.resolve()), "at": dt.datetime.now(dt.UTC)},
            )
    finally:
        engine.dispose()
    return {layer_id: len(frame) for layer_id, frame in frames.items()}


# ----------------------------------------------------------------------- read


def open_manifest(url: str) -> YamlDoc:
    """The manifest stored by `import_zones`, each layer reading its table instead of its file."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    source = f"{safe_url(url)}#{MANIFEST_TABLE}"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(f"SELECT manifest FROM {MANIFEST_TABLE} WHERE id = 1")).first()
    except DBAPIError as exc:
        raise ZoneError(
            "zone_postgis_unreadable",
            f"cannot read the zone manifest from PostGIS: {type(exc.orig).__name__}",
            file=source,
            hint="run `envscreen zones import DIR URL` first, and check the URL",
        ) from None
    finally:
        engine.dispose()
    if row is None:
        raise ZoneError(
            "zone_postgis_no_manifest", f"{MANIFEST_TABLE} is empty", file=source, hint="run `envscreen zones import`"
        )
    doc = parse_yaml(str(row[0]), source=source)
    layers = doc.data.get("layers") if isinstance(doc.data, dict) else None
    for entry in layers if isinstance(layers, list) else []:
        if isinstance(entry, dict) and "id" in entry:
            entry.pop("file", None)
            entry["table"] = table_name(str(entry["id"]))
    return doc


def read_table_layer(spec: LayerSpec, root: str) -> Any:
    """One layer from its PostGIS table, as stored (the loader normalises it)."""
    import geopandas as gpd
    from sqlalchemy import text

    if not is_postgis_url(root):
        raise spec.error(
            "zone_manifest_no_reader",
            f"layer '{spec.id}' names a table, which only a PostGIS source can read",
            "table",
            hint="a zones directory gives each layer a `file:`",
        )
    table = str(spec.table)
    engine = make_engine(root)
    try:
        with engine.connect() as conn:
            geom = conn.execute(
                text("SELECT f_geometry_column FROM geometry_columns WHERE f_table_name = :t"), {"t": table}
            ).scalar()
            if geom is None:
                raise spec.error(
                    "zone_postgis_no_table",
                    f"no PostGIS table {table} for layer '{spec.id}'",
                    "table",
                    hint="import the zones directory again: envscreen zones import DIR URL",
                )
            return gpd.read_postgis(text(f"SELECT * FROM {_quoted(table)}"), conn, geom_col=str(geom))
    finally:
        engine.dispose()


for _scheme in SCHEMES:
    register_source(_scheme, open_manifest)
register_reader("table", read_table_layer)
