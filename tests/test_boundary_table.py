"""界址点 tables: columns by header or position, several rings, errors naming the line and point."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import ProjectError, load_rules, parse_project
from screening.project.boundary_table import TableProblem, parse_table
from screening.project.coordinates import from_wgs84
from screening.project.site import parse_site

from .conftest import MINI_RULES

PLOT = [(119.9588, 29.2798), (119.9608, 29.2798), (119.9608, 29.2813), (119.9588, 29.2813)]
GK = [from_wgs84(3, 40, lon, lat) for lon, lat in PLOT]
WGS_AREA = 0.002 * 0.0015


def _rows(points: list[tuple[float, float]], sep: str = ",", first: int = 1) -> list[str]:
    """Surveyors' rows: 点号, X (northing), Y (easting)."""
    return [f"J{i}{sep}{n:.3f}{sep}{e:.3f}" for i, (e, n) in enumerate(points, start=first)]


def _site(text: str, **location: object) -> object:
    return parse_site({"crs": "cgcs2000-gk3", **location, "table": text})


def test_a_permit_table_with_title_header_and_closing_point() -> None:
    text = "\n".join(["界址点坐标表", "坐标系：CGCS2000 3度带", "点号,X(m),Y(m)", *_rows(GK), _rows(GK)[0]])
    site = _site(text)
    assert site.kind == "polygon" and site.crs == "EPSG:4528"  # type: ignore[attr-defined]
    assert site.geometry.area == pytest.approx(WGS_AREA, rel=1e-3)  # type: ignore[attr-defined]


@pytest.mark.parametrize("sep", [",", "\t", " ", "   ", "，", ";"])
def test_separators(sep: str) -> None:
    site = _site("\n".join(_rows(GK, sep)))
    assert site.geometry.area == pytest.approx(WGS_AREA, rel=1e-3)  # type: ignore[attr-defined]


def test_header_names_the_order() -> None:
    rows = [f"{i},{e:.3f},{n:.3f}" for i, (e, n) in enumerate(GK, 1)]  # Y before X
    site = _site("\n".join(["序号,Y坐标,X坐标", *rows]))
    assert site.geometry.area == pytest.approx(WGS_AREA, rel=1e-3)  # type: ignore[attr-defined]
    geo = "\n".join(["点号\t经度\t纬度", *[f"J{i}\t{lon}\t{lat}" for i, (lon, lat) in enumerate(PLOT, 1)]])
    site = parse_site({"crs": "wgs84", "table": geo})
    assert site is not None and site.geometry.area == pytest.approx(WGS_AREA, rel=1e-6)


def test_a_geographic_table_without_header_is_told_apart_by_its_values() -> None:
    for rows in ([f"{lat} {lon}" for lon, lat in PLOT], [f"{lon} {lat}" for lon, lat in PLOT]):
        site = parse_site({"crs": "gcj02", "table": "\n".join(rows)})
        assert site is not None and site.kind == "polygon"


def test_several_rings_by_closing_point_blank_line_and_ring_number() -> None:
    a = GK
    b = [(e + 1000, n) for e, n in GK]  # a second plot 1 km east
    hole = [(e + 60, n + 50) for e, n in [GK[0], (GK[0][0] + 40, GK[0][1]), (GK[0][0] + 40, GK[0][1] + 40)]]
    by_closing = "\n".join([*_rows(a), _rows(a)[0], *_rows(b, first=5), _rows(b, first=5)[0]])
    by_blank = "\n".join([*_rows(a), "", *_rows(b, first=5)])
    by_ring = "\n".join(
        [f"J{i},{r},{n:.3f},{e:.3f}" for r, ring in ((1, a), (2, b)) for i, (e, n) in enumerate(ring, 1)]
    )
    for text in (by_closing, by_blank, by_ring):
        site = _site(text)
        assert site.geometry.geom_type == "MultiPolygon", text  # type: ignore[attr-defined]
        assert site.geometry.area == pytest.approx(2 * WGS_AREA, rel=1e-3)  # type: ignore[attr-defined]
    with_hole = _site("\n".join([*_rows(a), _rows(a)[0], "地块内扣除", *_rows(hole, first=10)]))
    assert len(with_hole.geometry.interiors) == 1  # type: ignore[attr-defined]
    assert with_hole.geometry.area < WGS_AREA  # type: ignore[attr-defined]


def test_one_row_is_a_point() -> None:
    site = _site(_rows(GK)[0])
    assert site.kind == "point"  # type: ignore[attr-defined]


def _table_error(text: str, crs: str = "cgcs2000-gk3") -> ProjectError:
    with pytest.raises(ProjectError) as info:
        parse_site({"crs": crs, "table": text})
    return info.value


def test_swapped_columns_name_the_line_and_point() -> None:
    rows = [f"J{i},{e:.3f},{n:.3f}" for i, (e, n) in enumerate(GK, 1)]  # Y, X without a header saying so
    e = _table_error("\n".join(["点号,X,Y", *rows]))
    assert e.code == "site_swapped_coordinates" and e.message.startswith("point J1 (table line 2)")
    assert "X is the northing" in (e.hint or "") and e.field == "location.table"


def test_a_bad_number_names_its_line_and_column() -> None:
    rows = _rows(GK)
    rows[2] = rows[2].replace(".", "O", 1)[:-1] + "x"  # a letter O for a zero, as typed from a scan
    e = _table_error("\n".join(rows))
    assert e.code == "site_table_bad_row" and "table line 3" in e.message and "column 2" in e.message


def test_a_wrong_zone_in_a_table() -> None:
    e = _table_error("\n".join(_rows(GK)), "EPSG:4527")
    assert e.code == "site_wrong_zone" and "point J1 (table line 1)" in e.message and "zone: 40" in (e.hint or "")


def test_too_few_corners_and_an_empty_table() -> None:
    e = _table_error("\n".join(_rows(GK[:2])))
    assert e.code == "site_bad_geometry" and "ring from point J1 (table line 1)" in e.message
    assert _table_error("界址点坐标表\n点号,X,Y\n").code == "site_table_empty"
    assert _table_error("J1 1 2 3 4 5").code == "site_table_bad_row"


def test_table_lines_in_a_project_file_point_into_the_yaml() -> None:
    vocab = load_rules(MINI_RULES, bundled=False).vocabulary
    rows = _rows(GK)
    rows[3] = rows[3].replace("J4,", "J4,9")  # X gets a digit too many: far outside China
    text = "name: x\nconstruction: new\nindustry_codes: ['1512']\nlocation:\n  crs: EPSG:4528\n  table: |\n"
    text += "".join(f"    {r}\n" for r in ["点号,X,Y", *rows])
    with pytest.raises(ProjectError) as info:
        parse_project(text, vocab, source="p.yaml")
    e = info.value
    assert (e.code, e.file, e.line) == ("site_outside_china", "p.yaml", 11), str(e)
    assert "point J4 (table line 5)" in e.message


# ---------------------------------------------------------------------- property: what is written is read

coordinate = st.decimals(min_value=100_000, max_value=9_999_999, places=3).map(float)
separators = st.sampled_from([",", "\t", " ", "，", ";", " , "])


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=40, unique=True),
    sep=separators,
    header=st.sampled_from([None, "点号{s}X{s}Y", "点号{s}X(m){s}Y(m)", "点名{s}北坐标{s}东坐标", "ID{s}N{s}E"]),
    title=st.booleans(),
    close=st.booleans(),
    crlf=st.booleans(),
)
def test_a_written_table_reads_back(
    points: list[tuple[float, float]], sep: str, header: str | None, title: bool, close: bool, crlf: bool
) -> None:
    lines = ["界址点成果表"] if title else []
    if header:
        lines.append(header.format(s=sep))
    rows = [f"J{i}{sep}{x}{sep}{y}" for i, (x, y) in enumerate(points, 1)]
    lines += rows + ([rows[0]] if close else [])
    rings = parse_table(("\r\n" if crlf else "\n").join(lines))
    assert len(rings) == 1
    got = [(p.label, p.north, p.east) for p in rings[0]]
    want = [(f"J{i}", x, y) for i, (x, y) in enumerate(points, 1)]
    assert got == want + ([want[0]] if close else [])
    first_row = len(lines) - len(rows) - (1 if close else 0) + 1
    assert [p.line for p in rings[0]][: len(rows)] == list(range(first_row, first_row + len(rows)))


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.sampled_from("J0123456789.,\t -x\n点号XY纬度经度"), max_size=300))
def test_any_text_is_rings_or_a_table_problem(text: str) -> None:
    try:
        rings = parse_table(text)
    except TableProblem as p:
        assert p.code in ("site_table_bad_row", "site_table_empty") and p.message
        return
    assert rings and all(ring for ring in rings)
