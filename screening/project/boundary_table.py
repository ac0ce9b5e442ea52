"""Read a 界址点 coordinate table (boundary points, as land surveys and planning permits list them)
into rings of points, each with its line number.

Columns are named by a header line (点号, X, Y; 纬度, 经度; 圈号 ...) or, without one, read as
`点号 X Y`, `点号 圈号 X Y` (the land-survey exchange format) or `X Y`. X is the northing and Y
the easting, as Chinese surveyors write them. Fields are separated by commas, tabs, semicolons
or spaces. A ring ends where its first point comes again (by 点号 or coordinates), at a blank
line or a text line such as `地块2`, or where the 圈号 changes.

>>> rings = parse_table("点号,X,Y\\nJ1,3300000,40493120.5\\nJ2,3300100,40493120.5\\n"
...                     "J3,3300100,40493220.5\\nJ1,3300000,40493120.5\\n")
>>> [(p.label, p.line, p.east, p.north) for p in rings[0]][:2]
[('J1', 2, 40493120.5, 3300000.0), ('J2', 3, 40493120.5, 3300100.0)]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_TABLE_BYTES = 1024 * 1024
MAX_POINTS = 10_000  # as the site's vertex limit (site.MAX_VERTICES)

_SEP = re.compile(r"[,，;；\t]|\s+")
_UNIT = re.compile(r"[（(\[【].*?[)）\]】]|坐标$|[:：]$")
# Header words (lower case, units in brackets removed) -> the column they name.
_HEADER = {
    "label": {"点号", "点名", "界址点号", "界址点", "点", "序号", "编号", "id", "no", "no.", "name", "point", "pt"},
    "ring": {"圈号", "环号", "圈", "ring", "part"},
    "north": {"x", "北", "北坐标", "纵坐标", "n", "north", "northing", "x坐标"},
    "east": {"y", "东", "东坐标", "横坐标", "e", "east", "easting", "y坐标"},
    "lat": {"纬度", "lat", "latitude", "b"},
    "lon": {"经度", "lon", "lng", "long", "longitude", "l"},
}
_LABEL = re.compile(r"^[A-Za-z\u4e00-\u9fff]{0,3}\d+[A-Za-z]?$")  # J1, 12, 界址点3, K7a
_LOOKUP = {word: col for col, words in _HEADER.items() for word in words}


@dataclass(frozen=True)
class TablePoint:
    """One boundary point: `east`/`north` are the easting and northing (or longitude and latitude)."""

    label: str | None
    line: int
    east: float
    north: float


class TableProblem(Exception):
    """Raised for a table that cannot be read: `line` (1-based) is where, when known."""

    def __init__(self, code: str, message: str, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.hint = hint


def _number(token: str) -> float | None:
    try:
        x = float(token)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _header(tokens: list[str]) -> dict[str, int] | None:
    """The columns a header line names, or None when it is not a header (a title, say)."""
    cols: dict[str, int] = {}
    for i, t in enumerate(tokens):
        word = _UNIT.sub("", t.strip().lower()).strip()
        col = _LOOKUP.get(word)
        if col is not None and col not in cols:
            cols[col] = i
    has_xy = ("north" in cols and "east" in cols) or ("lat" in cols and "lon" in cols)
    return cols if has_xy else None


def _infer(tokens: list[str], line: int, geographic: bool) -> dict[str, int]:
    """Columns of a table without a header, from its first data row."""
    values = [_number(t) for t in tokens]
    n = len(tokens)
    if n == 2:
        cols = {"north": 0, "east": 1}
    elif n == 3:
        cols = {"label": 0, "north": 1, "east": 2}
    elif n == 4 and values[1] is not None and float(values[1]).is_integer():
        cols = {"label": 0, "ring": 1, "north": 2, "east": 3}
    else:
        raise TableProblem(
            "site_table_bad_row",
            f"cannot tell the columns of a row of {n} fields",
            line,
            "add a header line naming them, e.g. 点号,X,Y (X northing, Y easting) or 点号,经度,纬度",
        )
    if geographic:
        # Latitude (3-54°N) and longitude (73-136°E) of China do not overlap: the first row tells
        # which column is which when no header says it.
        a, b = values[cols["north"]], values[cols["east"]]
        if a is not None and b is not None and a > 60 and b < 60:
            cols["lon"], cols["lat"] = cols.pop("north"), cols.pop("east")
        else:
            cols["lat"], cols["lon"] = cols.pop("north"), cols.pop("east")
    return cols


def parse_table(text: str, *, geographic: bool = False) -> list[list[TablePoint]]:
    """Return the rings of a 界址点 table; raise TableProblem naming the line.

    `geographic`: the crs is longitude/latitude; without a header the columns are then told
    apart by their values. Points keep their order; a ring's repeated closing point is kept."""
    if len(text) > MAX_TABLE_BYTES:
        raise TableProblem(
            "input_too_large", f"the table is longer than {MAX_TABLE_BYTES:,} characters", None, "send the outline only"
        )
    cols: dict[str, int] | None = None
    rings: list[list[TablePoint]] = []
    ring: list[TablePoint] = []
    ring_key: str | None = None
    closed = False
    count = 0

    def end_ring() -> None:
        nonlocal ring, closed
        if ring:
            rings.append(ring)
        ring, closed = [], False

    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            if not line and len(ring) >= 3:
                end_ring()
            continue
        if line.startswith("[") or line.endswith("@") or ("=" in line and cols is None):
            # Sections, `key=value` lines and parcel lines (ending in @) of the land-survey exchange format.
            end_ring()
            continue
        tokens = [t for t in _SEP.split(line) if t]
        numbers = [_number(t) for t in tokens]
        if sum(v is not None for v in numbers) < 2:
            header = _header(tokens) if cols is None else None
            if header is not None:
                cols = header
            elif (
                cols is not None
                and len(tokens) >= max(cols.values()) + 1
                and (any(v is not None for v in numbers) or ("label" in cols and _LABEL.match(tokens[cols["label"]])))
            ):
                raise _bad_row(tokens, numbers, cols, number)  # a coordinate row with a typo, not a title
            else:
                end_ring()  # a title or a parcel name such as 地块2
            continue
        if cols is None:
            cols = _infer(tokens, number, geographic)
        point, key = _row(tokens, numbers, cols, number)
        count += 1
        if count > MAX_POINTS:
            raise TableProblem(
                "site_too_many_vertices",
                f"the table has more than {MAX_POINTS:,} points",
                number,
                "simplify the outline (a few metres of tolerance is enough for screening)",
            )
        if closed or (ring_key is not None and key != ring_key):
            end_ring()
        ring_key = key
        ring.append(point)
        first = ring[0]
        if len(ring) >= 4 and (
            (point.label is not None and point.label == first.label)
            or (point.east, point.north) == (first.east, first.north)
        ):
            closed = True
    end_ring()
    if not rings:
        raise TableProblem(
            "site_table_empty",
            "the table has no coordinate rows",
            None,
            "rows like J1,3300000.00,40493120.50 (点号, X northing, Y easting), one per line",
        )
    return rings


def _bad_row(tokens: list[str], numbers: list[float | None], cols: dict[str, int], line: int) -> TableProblem:
    for name in ("north", "east", "lat", "lon"):
        i = cols.get(name)
        if i is not None and (i >= len(tokens) or numbers[i] is None):
            got = f"'{tokens[i]}'" if i < len(tokens) else "nothing"
            return TableProblem(
                "site_table_bad_row",
                f"column {i + 1} ({_COLUMN_NAMES[name]}) holds {got}, not a number",
                line,
                "coordinates are plain numbers such as 3300000.25 (no letters, one decimal point)",
            )
    return TableProblem("site_table_bad_row", "the row is not a coordinate row", line)


_COLUMN_NAMES = {"north": "X, northing", "east": "Y, easting", "lat": "latitude", "lon": "longitude"}


def _row(
    tokens: list[str], numbers: list[float | None], cols: dict[str, int], line: int
) -> tuple[TablePoint, str | None]:
    if "lat" in cols:
        north_i, east_i = cols["lat"], cols["lon"]
    else:
        north_i, east_i = cols["north"], cols["east"]
    if max(north_i, east_i) >= len(tokens) or numbers[north_i] is None or numbers[east_i] is None:
        raise _bad_row(tokens, numbers, cols, line)
    label_i = cols.get("label")
    label = tokens[label_i] if label_i is not None and label_i < len(tokens) else None
    ring_i = cols.get("ring")
    key = tokens[ring_i] if ring_i is not None and ring_i < len(tokens) else None
    north, east = numbers[north_i], numbers[east_i]
    assert north is not None and east is not None
    return TablePoint(label, line, east, north), key
