"""Coordinates as Chinese users hold them -> WGS84: CGCS2000 Gauss-Krüger zones and BD-09.

A projected position is (easting, northing) in metres. CGCS2000 3-degree zones are EPSG:4513-4533
(zone 25-45, the zone number written before the easting: Y=40493120.5 is zone 40) and
EPSG:4534-4554 (central meridian 75°E-135°E, no zone number); 6-degree zones EPSG:4491-4501
and 4502-4512 likewise. Problems are raised as CoordinateProblem (code, message, hint); the site
parser turns them into ProjectErrors naming the field, file and line.

>>> gk = resolve_crs("EPSG:4528")
>>> lon, lat = to_wgs84(gk, 40493120.5, 3300000.0)
>>> round(lon, 6), round(lat, 6)
(119.928829, 29.818535)
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

# Geodesy, not regulation: the zone numbers and central meridians CGCS2000 defines for China.
# 3-degree zone n has its central meridian at 3n°E; 6-degree zone n at (6n - 3)°E.
ZONES = {3: range(25, 46), 6: range(13, 24)}
# EPSG codes of the first zone, with and without the zone number in the easting.
_EPSG_FIRST = {(3, True): 4513, (3, False): 4534, (6, True): 4491, (6, False): 4502}
FALSE_EASTING_M = 500_000.0
# A zone spans width/2 either side of its meridian; surveys near an edge often run on into the
# next zone, so a little more is accepted before we call the zone wrong.
ZONE_MARGIN_DEG = 0.5
# Northings of China (3°N-54°N) lie between about 330 km and 6,000 km.
NORTHING_M = (300_000.0, 6_100_000.0)
# The box of site.py: coordinates outside it cannot be Chinese at all.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

GEOGRAPHIC_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "cgcs2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "4490": "cgcs2000",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
}
# Names for a Gauss-Krüger crs whose zone is given by `zone:`, `central_meridian:` or the easting.
_GK_NAMES = {
    "cgcs2000-gk3": 3,
    "cgcs2000-3": 3,
    "cgcs2000-3degree": 3,
    "gk3": 3,
    "cgcs2000-gk6": 6,
    "cgcs2000-6": 6,
    "gk6": 6,
}
CRS_HINT = (
    "crs is one of: wgs84 (GPS), cgcs2000 (天地图, official maps), gcj02 (高德/腾讯 web maps), bd09 (百度), "
    "or projected CGCS2000 Gauss-Krüger metres: EPSG:4513-4554 or cgcs2000-gk3 with zone: or central_meridian:"
)


class CoordinateProblem(Exception):
    """Raised for a crs or position that cannot be read; `key` names the location field at fault
    (crs, zone, central_meridian) or is None for the position itself."""

    def __init__(self, code: str, message: str, hint: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.key = key


@dataclass(frozen=True)
class GaussKruger:
    """A CGCS2000 Gauss-Krüger projection: `width` 3 or 6 degrees; `zone` known once declared or
    read from an easting; `prefixed` True when eastings carry the zone number, False when they
    must not, None when either is accepted (cgcs2000-gk3)."""

    width: int
    zone: int | None = None
    prefixed: bool | None = None
    declared: str = "cgcs2000-gk3"

    @property
    def central_meridian(self) -> int | None:
        return None if self.zone is None else central_meridian(self.width, self.zone)

    def epsg(self, prefixed: bool) -> int | None:
        if self.zone is None:
            return None
        return epsg_code(self.width, self.zone, prefixed)

    @property
    def name(self) -> str:
        """The canonical name kept in Site.crs: the EPSG code once the zone is known."""
        if self.zone is None:
            return self.declared
        return f"EPSG:{self.epsg(self.prefixed is not False)}"


def central_meridian(width: int, zone: int) -> int:
    return width * zone if width == 3 else 6 * zone - 3


def zone_of_meridian(width: int, meridian: float) -> int | None:
    zone = meridian / 3 if width == 3 else (meridian + 3) / 6
    return int(zone) if float(zone).is_integer() and int(zone) in ZONES[width] else None


def epsg_code(width: int, zone: int, prefixed: bool) -> int:
    return _EPSG_FIRST[(width, prefixed)] + zone - ZONES[width].start


def _from_epsg(code: int) -> GaussKruger | None:
    for (width, prefixed), first in _EPSG_FIRST.items():
        zones = ZONES[width]
        if first <= code < first + len(zones):
            return GaussKruger(width, zones.start + code - first, prefixed, f"EPSG:{code}")
    return None


def resolve_crs(value: Any, zone: Any = None, meridian: Any = None) -> str | GaussKruger:
    """Return the canonical geographic name (wgs84, cgcs2000, gcj02, bd09) or a GaussKruger.

    >>> resolve_crs("cgcs2000-gk3", zone=40).name
    'EPSG:4528'
    >>> resolve_crs("EPSG:4549").central_meridian
    120
    """
    if value is None:
        raise CoordinateProblem(
            "site_missing_crs", "the location needs a crs: which map the coordinates come from", CRS_HINT, "crs"
        )
    text = str(value).strip().lower().replace(" ", "").replace("：", ":") if isinstance(value, (str, int)) else ""
    if isinstance(value, bool):
        text = ""
    geographic = GEOGRAPHIC_ALIASES.get(text)
    if geographic is not None:
        for key, given in (("zone", zone), ("central_meridian", meridian)):
            if given is not None:
                raise CoordinateProblem(
                    "site_bad_zone",
                    f"'{key}' is for projected coordinates, but crs {value} is longitude/latitude",
                    "drop it, or give the projected crs, e.g. crs: cgcs2000-gk3",
                    key,
                )
        return geographic
    code = re.fullmatch(r"(?:epsg:)?(\d{4,5})", text)
    if code is not None:
        gk = _from_epsg(int(code.group(1)))
        if gk is None:
            raise CoordinateProblem(
                "site_bad_crs",
                f"crs {value} is not accepted",
                "accepted EPSG codes: 4326, 4490 and the CGCS2000 Gauss-Krüger zones 4491-4554",
                "crs",
            )
        return _with_zone(gk, zone, meridian, fixed=True)
    width = _GK_NAMES.get(text)
    if width is None:
        named = _by_name(value)
        if named is not None:
            if isinstance(named, GaussKruger):
                return _with_zone(named, zone, meridian, fixed=True)
            return resolve_crs(named, zone, meridian)
        hint = CRS_HINT
        if re.fullmatch(r"(cgcs2000|cgcs)?[-_/]?(gk|3|6|3°|3度|三度)?.*", text) and ("gk" in text or "度" in text):
            hint = "did you mean cgcs2000-gk3 (3-degree zones) with zone: or central_meridian:?"
        raise CoordinateProblem("site_bad_crs", f"unknown crs '{value}'", hint, "crs")
    return _with_zone(GaussKruger(width, None, None, text), zone, meridian, fixed=False)


def _by_name(value: Any) -> str | GaussKruger | None:
    """A crs given by its name as GIS programs print it ("CGCS2000 / 3-degree Gauss-Kruger zone 40",
    "CGCS2000_3_Degree_GK_CM_120E"), looked up in PROJ's database; None when it is not one we take.
    Only names: PROJ strings (+proj=...), JSON and URLs are not looked up."""
    if not isinstance(value, str) or len(value) > 200 or value.strip()[:1] in ("+", "{", "[") or "://" in value:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        code = CRS.from_user_input(value.strip()).to_epsg(min_confidence=70)
    except CRSError:
        return None
    if code in (4326, 4490):
        return "wgs84" if code == 4326 else "cgcs2000"
    gk = _from_epsg(code) if code is not None else None
    return GaussKruger(gk.width, gk.zone, gk.prefixed, value.strip()) if gk is not None else None


def _with_zone(gk: GaussKruger, zone: Any, meridian: Any, *, fixed: bool) -> GaussKruger:
    width = gk.width
    zones = ZONES[width]
    declared: int | None = None
    if zone is not None:
        if isinstance(zone, bool) or not isinstance(zone, (int, float)) or not float(zone).is_integer():
            raise CoordinateProblem("site_bad_zone", f"zone must be a whole number, not {zone!r}", None, "zone")
        z = int(zone)
        if z not in zones:
            fits = zone_of_meridian(width, z)
            hint = (
                f"did you mean central_meridian: {z} (zone {fits})?"
                if fits
                else f"{width}-degree zones are {zones.start}-{zones.stop - 1}"
            )
            raise CoordinateProblem("site_bad_zone", f"there is no {width}-degree zone {z} in China", hint, "zone")
        declared = z
    if meridian is not None:
        if isinstance(meridian, bool) or not isinstance(meridian, (int, float)):
            raise CoordinateProblem(
                "site_bad_zone",
                f"central_meridian must be a number of degrees, not {meridian!r}",
                None,
                "central_meridian",
            )
        z2 = zone_of_meridian(width, float(meridian))
        if z2 is None:
            if float(meridian).is_integer() and int(meridian) in zones:
                cm = central_meridian(width, int(meridian))
                hint = f"did you mean zone: {int(meridian)} (central meridian {cm}°E)?"
            else:
                cms = [central_meridian(width, z) for z in zones]
                hint = f"{width}-degree central meridians are {cms[0]}°E to {cms[-1]}°E in steps of {width}°"
            raise CoordinateProblem(
                "site_bad_zone",
                f"{meridian}°E is not the central meridian of a {width}-degree zone",
                hint,
                "central_meridian",
            )
        if declared is not None and declared != z2:
            raise CoordinateProblem(
                "site_bad_zone",
                f"zone {declared} and central_meridian {meridian} disagree (zone {declared} is "
                f"{central_meridian(width, declared)}°E)",
                "give one of them",
                "central_meridian",
            )
        declared = z2
    if declared is not None and gk.zone is not None and declared != gk.zone:
        raise CoordinateProblem(
            "site_bad_zone",
            f"crs {gk.declared} is zone {gk.zone} ({gk.central_meridian}°E), but the location says zone {declared}",
            f"use crs: EPSG:{epsg_code(width, declared, gk.prefixed is not False)} or drop zone/central_meridian",
            "zone" if zone is not None else "central_meridian",
        )
    if declared is not None:
        return GaussKruger(width, declared, gk.prefixed, gk.declared)
    return gk


# ---------------------------------------------------------------------- Gauss-Krüger -> WGS84

_local = threading.local()  # pyproj Transformers are not safe to share between threads


def _transformer(epsg: int) -> Any:
    cache: dict[int, Any] = _local.__dict__.setdefault("transformers", {})
    t = cache.get(epsg)
    if t is None:
        from pyproj import Transformer

        # CGCS2000 and WGS84 agree to a few centimetres: the geographic result is taken as WGS84,
        # as site.py takes crs cgcs2000.
        t = cache[epsg] = Transformer.from_crs(epsg, 4490, always_xy=True)
    return t


def _transformer_to_gk(epsg: int) -> Any:
    cache: dict[int, Any] = _local.__dict__.setdefault("inverse", {})
    t = cache.get(epsg)
    if t is None:
        from pyproj import Transformer

        t = cache[epsg] = Transformer.from_crs(4490, epsg, always_xy=True)
    return t


def split_easting(gk: GaussKruger, easting: float) -> tuple[int | None, float]:
    """Return (zone number written in the easting or None, the easting without it)."""
    if easting >= 1_000_000:
        zone = int(easting // 1_000_000)
        return zone, easting - zone * 1_000_000
    return None, easting


def read_zone(gk: GaussKruger, easting: float, northing: float) -> GaussKruger:
    """Return `gk` with its zone fixed from this position (a zone number before the easting), or
    raise the problem: a prefix the crs does not take, a prefix that is no zone, another zone
    than declared, or no zone anywhere."""
    width = gk.width
    prefix, rest = split_easting(gk, easting)
    at = f"{_m(easting)}, {_m(northing)}"
    if prefix is None:
        if gk.prefixed is True:
            raise CoordinateProblem(
                "site_wrong_zone",
                f"crs {gk.declared} takes eastings with the zone number in front (8 digits, e.g. "
                f"{gk.zone}{int(FALSE_EASTING_M)}), but [{at}] has none",
                f"without the zone number use crs: EPSG:{gk.epsg(False)} (central meridian {gk.central_meridian}°E)",
            )
        if gk.zone is None:
            raise CoordinateProblem(
                "site_missing_zone",
                f"[{at}]: the easting has no zone number in front, and the location gives no zone",
                f"add zone: (e.g. 40) or central_meridian: (e.g. 120), or use crs: EPSG:{_EPSG_FIRST[(width, False)]}-"
                f"{_EPSG_FIRST[(width, False)] + len(ZONES[width]) - 1}",
                "zone",
            )
        return GaussKruger(width, gk.zone, False if gk.prefixed is None else gk.prefixed, gk.declared)
    if prefix not in ZONES[width]:
        other = 6 if width == 3 else 3
        if prefix in ZONES[other]:
            hint = (
                f"{prefix} is a {other}-degree zone: use crs: EPSG:{epsg_code(other, prefix, True)} "
                f"(cgcs2000-gk{other})"
            )
        else:
            hint = f"{width}-degree zone numbers are {ZONES[width].start}-{ZONES[width].stop - 1}; check the easting"
        raise CoordinateProblem(
            "site_wrong_zone", f"[{at}]: the easting starts with {prefix}, which is no {width}-degree zone", hint
        )
    if gk.prefixed is False:
        raise CoordinateProblem(
            "site_wrong_zone",
            f"crs {gk.declared} takes eastings without the zone number, but [{at}] starts with zone {prefix}",
            f"use crs: EPSG:{epsg_code(width, prefix, True)} (zone {prefix}, {central_meridian(width, prefix)}°E), "
            f"or crs: cgcs2000-gk{width}",
        )
    if gk.zone is not None and prefix != gk.zone:
        raise CoordinateProblem(
            "site_wrong_zone",
            f"the location is zone {gk.zone} ({gk.central_meridian}°E), but the easting of [{at}] starts with "
            f"zone {prefix} ({central_meridian(width, prefix)}°E)",
            f"these coordinates fit zone {prefix}: use zone: {prefix} "
            f"(crs: EPSG:{epsg_code(width, prefix, True)}), or check the easting",
        )
    del rest
    return GaussKruger(width, prefix, True if gk.prefixed is None else gk.prefixed, gk.declared)


def to_wgs84(gk: GaussKruger, easting: float, northing: float) -> tuple[float, float]:
    """Return (lon, lat) of one position of a zone (read_zone first when the zone is not fixed);
    raise CoordinateProblem when it cannot be a Chinese position of that zone."""
    at = f"{_m(easting)}, {_m(northing)}"
    if not NORTHING_M[0] <= northing <= NORTHING_M[1]:
        raise CoordinateProblem(
            "site_outside_china",
            f"[{at}]: a northing of {_m(northing)} m is outside China (about {NORTHING_M[0] / 1000:,.0f} to "
            f"{NORTHING_M[1] / 1000:,.0f} km from the equator)",
            "projected positions are [easting, northing] in metres; check the northing's digits",
        )
    gk = read_zone(gk, easting, northing)
    assert gk.zone is not None
    _, rest = split_easting(gk, easting)
    lon, lat = _transformer(epsg_code(gk.width, gk.zone, False)).transform(rest, northing)
    cm = central_meridian(gk.width, gk.zone)
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon - cm) > gk.width / 2 + ZONE_MARGIN_DEG:
        off = f"{abs(lon - cm):.1f}° from" if math.isfinite(lon) else "nowhere near"
        raise CoordinateProblem(
            "site_wrong_zone",
            f"[{at}] lies {off} the central meridian {cm}°E of zone {gk.zone}; a {gk.width}-degree zone reaches "
            f"{gk.width / 2:g}°",
            "check the zone and the easting (500,000 m at the central meridian; a zone number may have been "
            "dropped or a digit lost)",
        )
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        raise CoordinateProblem(
            "site_outside_china",
            f"[{at}] in zone {gk.zone} is at {lon:.4f}°E, {lat:.4f}°N, outside China (73-136°E, 3-54°N)",
            "projected positions are [easting, northing] in metres; check the northing",
        )
    return float(lon), float(lat)


def from_wgs84(width: int, zone: int, lon: float, lat: float, *, prefixed: bool = True) -> tuple[float, float]:
    """Return (easting, northing) of a WGS84 position in a zone: the inverse of to_wgs84."""
    e, n = _transformer_to_gk(epsg_code(width, zone, False)).transform(lon, lat)
    return (float(e) + (zone * 1_000_000 if prefixed else 0.0), float(n))


def looks_swapped(gk: GaussKruger, a: float, b: float) -> str | None:
    """Return a hint when (a, b), refused as (easting, northing), reads fine as (northing, easting)."""
    if not (NORTHING_M[0] <= a <= NORTHING_M[1]):
        return None
    try:
        to_wgs84(gk, b, a)
    except CoordinateProblem:
        return None
    return f"write [{_m(b)}, {_m(a)}]"


# ---------------------------------------------------------------------- BD-09


def bd09_to_wgs84(coords: Any) -> Any:
    """Convert an (n, 2) array of BD-09 lon/lat to WGS84 by prcoords' iterative inverse (about a
    centimetre): Baidu adds its own shift on top of GCJ-02."""
    import prcoords

    out = [prcoords.bd_wgs_bored(prcoords.Coords(lat, lon)) for lon, lat in coords]
    return np.asarray([(c.lon, c.lat) for c in out], dtype=float).reshape(-1, 2)


def _m(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")
