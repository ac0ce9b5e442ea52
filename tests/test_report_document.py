"""The pre-screening opinion (预审意见) as PDF and Word, checked as a reader would: the PDF's pages
rendered to pictures (pdftoppm), its text extracted (pdftotext), its fonts listed (pdffonts);
the Word file opened with python-docx. Every expected string comes from the Decision."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import numpy as np
import pypdf
import pytest
from docx.oxml.ns import qn
from typer.testing import CliRunner

from screening import InputError, Screener, load_project
from screening.cli import app
from screening.errors import SetupError
from screening.report import document as rd
from screening.report.render import tier_label

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
CHEMICAL = EXAMPLES / "site-chemical-plant-outside-park.yaml"  # prohibited, in a general-control unit
WORKSHOP = EXAMPLES / "site-workshop-near-homes.yaml"  # conditional, homes nearby
RETAIL = EXAMPLES / "retail-shop.yaml"  # no site
ROAD = EXAMPLES / "site-road-through-red-line.yaml"  # a line across control units and a red line
POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdffonts", "pdfimages"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils missing (scripts/apt-packages.txt)")


class Screened:
    def __init__(self, screener: Screener, path: Path, on: dt.date | None = None) -> None:
        project = load_project(path, screener.vocabulary)
        # `on` decides which packs are in force, whatever the example's application_date says.
        self.project = dataclasses.replace(project, application_date=on) if on else project
        self.decision = screener.screen(self.project, on=on or dt.date(2026, 1, 15))
        self.vocab = screener.vocabulary
        self.map = rd.site_map_png(self.project, screener.zones, screener.buffer_m)

    def render(self, fmt: str) -> bytes:
        return rd.render_report(self.decision, self.vocab, fmt, project=self.project, site_map=self.map)


@pytest.fixture(scope="module")
def chemical(screener: Screener) -> Screened:
    return Screened(screener, CHEMICAL)


@pytest.fixture(scope="module")
def chemical_pdf(chemical: Screened, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "chemical.pdf"
    out.write_bytes(chemical.render("pdf"))
    return out


def _run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True, timeout=60).stdout


def _flat(text: str) -> str:
    """Text without whitespace: table cells wrap lines anywhere in Chinese text."""
    return re.sub(r"\s+", "", text)


def _pages_as_pictures(pdf: Path, tmp: Path) -> Iterator[np.ndarray]:
    """Each page rendered by poppler as a greyscale picture (PGM), as an array of 0..255."""
    _run("pdftoppm", "-r", "30", "-gray", pdf, tmp / "page")
    for f in sorted(tmp.glob("page-*.pgm")):
        data = f.read_bytes()
        magic, width, height, maxval, pixels = data.split(maxsplit=4)
        assert magic == b"P5" and maxval == b"255"
        yield np.frombuffer(pixels[: int(width) * int(height)], dtype=np.uint8).reshape(int(height), int(width))


@needs_poppler
def test_pdf_pages_render_and_none_is_blank(chemical_pdf: Path, tmp_path: Path) -> None:
    pages = list(_pages_as_pictures(chemical_pdf, tmp_path))
    assert 2 <= len(pages) <= 12
    for i, page in enumerate(pages, 1):
        inked = float((page < 200).mean())  # share of the page that is not paper
        assert inked > 0.01, f"page {i} is blank ({inked:.4f} inked)"
    assert len(pypdf.PdfReader(chemical_pdf).pages) == len(pages)


@needs_poppler
def test_pdf_text_says_what_the_decision_says(chemical: Screened, chemical_pdf: Path) -> None:
    d = chemical.decision
    text = _flat(_run("pdftotext", "-enc", "UTF-8", chemical_pdf, "-"))
    assert rd.TITLE in text
    assert _flat(d.project) in text
    assert d.tier and _flat(tier_label(d.tier, "zh")) in text
    assert d.admissibility is not None and d.admissibility.status == "prohibited"
    assert "禁止准入" in text and _flat(d.admissibility.message_zh) in text
    prohibition = d.admissibility.reasons[0]
    assert _flat(prohibition.citation) in text
    assert _flat(d.findings[0].citation) in text  # the national directory's clause
    for dimension in ("空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"):
        assert dimension in text
    assert rd.NOT_CONFORMS in text
    assert d.screened_on and d.screened_on in text
    assert _flat(rd.DISCLAIMER) in text
    assert all(f"{layer}" in text for layer in d.zone_layers)


@needs_poppler
def test_pdf_embeds_its_cjk_font_and_no_other(chemical_pdf: Path) -> None:
    rows = _run("pdffonts", chemical_pdf).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", f"font {name} is not embedded"
        assert "WenQuanYi" in name
    # The same from the PDF objects: each font carries its TrueType program.
    reader = pypdf.PdfReader(chemical_pdf)
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert fonts and all(
        f["/FontDescriptor"].get("/FontFile2")
        for f in (x["/DescendantFonts"][0] if "/DescendantFonts" in x else x for x in fonts)
    )


@needs_poppler
def test_pdf_has_the_site_map_only_when_there_is_a_site(chemical_pdf: Path, screener: Screener, tmp_path: Path) -> None:
    images = [row.split()[2] for row in _run("pdfimages", "-list", chemical_pdf).splitlines()[2:]]
    assert images.count("image") == 1  # (its transparency is a second entry, an smask)
    retail = Screened(screener, RETAIL)
    assert retail.map is None
    out = tmp_path / "retail.pdf"
    out.write_bytes(retail.render("pdf"))
    assert _run("pdfimages", "-list", out).splitlines()[2:] == []
    assert "未提供项目位置" in _flat(_run("pdftotext", "-enc", "UTF-8", out, "-"))


def test_pdf_is_the_same_bytes_each_time_and_from_threads(chemical: Screened) -> None:
    """A document of one decision is reproducible (no timestamps or random ids), also when the
    API's worker threads render several at once."""
    from concurrent.futures import ThreadPoolExecutor

    first = chemical.render("pdf")
    with ThreadPoolExecutor(4) as pool:
        again = list(pool.map(lambda _: chemical.render("pdf"), range(6)))
    assert all(a == first for a in again)


def _docx_text(data: bytes, tmp: Path) -> tuple[Any, str]:
    path = tmp / "report.docx"
    path.write_bytes(data)
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return document, "\n".join(parts)


def test_docx_tables_hold_the_conformity_analysis(chemical: Screened, tmp_path: Path) -> None:
    d = chemical.decision
    document, text = _docx_text(chemical.render("docx"), tmp_path)
    overview = next(t for t in document.tables if t.rows[0].cells[0].text == "事项")
    assert [c.text for c in overview.rows[1].cells] == ["项目名称", d.project]
    zoning = next(t for t in document.tables if t.rows[0].cells[0].text == "管控维度")
    rows = [[c.text for c in r.cells] for r in zoning.rows[1:]]
    assert d.location is not None
    unit = next(z for z in d.location["hits"] if z["kind"] == "control_unit")
    assert unit["code"] in rows[0][0] and len(set(rows[0])) == 1  # the unit's title row spans the table
    dims = [r[0] for r in rows[1:]]
    assert dims[0] == "空间布局约束" and {"污染物排放管控", "环境风险防控", "资源开发效率要求"} <= set(dims)
    assert d.admissibility is not None
    prohibited = [r for r in rows if r[1].endswith(d.admissibility.reasons[0].citation)]
    assert prohibited and prohibited[0][3] == rd.NOT_CONFORMS
    assert rd.DISCLAIMER in text
    assert len(document.inline_shapes) == 1  # the site map
    for name in ("Normal", "Title", "Heading 1"):  # Chinese text in a named font, not a theme's
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == rd.DOCX_EAST_ASIAN_FONT and fonts.get(qn("w:eastAsiaTheme")) is None
    assert tier_label(d.tier or "", "zh") in text


def test_pdf_and_docx_say_the_same(chemical: Screened, tmp_path: Path) -> None:
    """Both writers lay out one outline: every paragraph and table cell of it is in the Word file."""
    _, text = _docx_text(chemical.render("docx"), tmp_path)
    outline = rd.outline(chemical.decision, chemical.vocab, project=chemical.project, site_map=chemical.map)
    for block in outline.blocks:
        if isinstance(block, rd.Para | rd.Heading):
            assert block.text in text
        elif isinstance(block, rd.Bullets):
            assert all(i in text for i in block.items)
        elif isinstance(block, rd.Table):
            assert all(cell in text for row in block.rows for cell in row)


def _zoning_rows(o: rd.Outline) -> list[tuple[str, ...]]:
    table = next(b for b in o.blocks if isinstance(b, rd.Table) and b.header[0] == "管控维度")
    return [r for i, r in enumerate(table.rows) if i not in table.group_rows]


def test_a_dimension_without_entries_conforms_only_when_the_lists_were_checked(screener: Screener) -> None:
    workshop = Screened(screener, WORKSHOP)
    rows = _zoning_rows(rd.outline(workshop.decision, workshop.vocab))
    assert ("污染物排放管控", "未触发本维度的禁止、限制或管控类条款", "—", rd.CONFORMS) in rows
    # Before the county's pack is in force the lists cannot be checked: nothing "conforms".
    early = Screened(screener, WORKSHOP, on=dt.date(2025, 1, 1))
    assert early.decision.admissibility and early.decision.admissibility.jurisdiction_gaps
    rows = _zoning_rows(rd.outline(early.decision, early.vocab))
    assert rows and all(r[3] != rd.CONFORMS for r in rows)
    assert {r[3] for r in rows if r[1] == "地方准入清单未能核对"} == {rd.TO_CHECK}


def test_an_entry_of_another_zone_is_its_own_group_not_every_units(screener: Screener) -> None:
    road = Screened(screener, ROAD)
    a = road.decision.admissibility
    assert a and a.status == "prohibited"
    red_line = next(f for f in a.reasons if any(z.kind == "ecological_red_line" for z in f.zones))
    table = next(
        b for b in rd.outline(road.decision, road.vocab).blocks if isinstance(b, rd.Table) and b.header[0] == "管控维度"
    )
    titles = [table.rows[i][0] for i in table.group_rows]
    assert sum(t.startswith("环境管控单元") for t in titles) >= 2
    zone = next(z for z in red_line.zones if z.kind == "ecological_red_line")
    assert titles[-1].startswith("选址涉及的其他管控分区") and zone.code in titles[-1]
    hits = [i for i, r in enumerate(table.rows) if r[1].endswith(red_line.citation)]
    assert len(hits) == 1 and hits[0] > table.group_rows[-1]
    assert table.rows[hits[0]][3] == rd.NOT_CONFORMS


def test_report_format_and_errors(chemical: Screened, tmp_path: Path) -> None:
    assert rd.report_format("a/b.PDF") == "pdf" and rd.report_format("x.docx") == "docx"
    with pytest.raises(InputError) as bad:
        rd.report_format(tmp_path / "out.doc")
    assert bad.value.code == "input_report_format" and str(tmp_path / "out.docx") in (bad.value.hint or "")
    with pytest.raises(InputError) as none:
        rd.write_report(chemical.decision, chemical.vocab, tmp_path / "out")
    assert none.value.code == "input_report_format" and "out.pdf" in (none.value.hint or "")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError) as unwritable:
        rd.write_report(chemical.decision, chemical.vocab, blocker / "out.pdf")
    assert unwritable.value.code == "input_report_unwritable" and unwritable.value.file == str(blocker / "out.pdf")
    with pytest.raises(InputError) as fmt:
        rd.render_report(chemical.decision, chemical.vocab, "odt")
    assert fmt.value.code == "input_report_format"


def test_a_machine_without_the_font_gets_a_typed_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no fc-match
    monkeypatch.setattr(rd, "_KNOWN_FONT_PATHS", (str(tmp_path / "missing.ttc"),))
    rd.cjk_font_file.cache_clear()
    try:
        with pytest.raises(SetupError) as missing:
            rd.cjk_font_file()
    finally:
        rd.cjk_font_file.cache_clear()
    assert missing.value.code == "report_no_cjk_font" and missing.value.exit_code == 1
    assert rd.CJK_FONT_PACKAGE in (missing.value.hint or "")


def test_cli_writes_reports(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "one" / "opinion.pdf"
    result = runner.invoke(app, ["check", str(WORKSHOP), "--report", str(out), "--date", "2026-01-15"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"%PDF-"
    pattern = tmp_path / "many" / "*.docx"
    result = runner.invoke(app, ["check", str(WORKSHOP), str(RETAIL), "--report", str(pattern)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == [
        "retail-shop.docx",
        "site-workshop-near-homes.docx",
    ]
    envscreen = ROOT / ".venv" / "bin" / "envscreen"
    bad = subprocess.run(
        [str(envscreen), "check", str(WORKSHOP), "--report", str(tmp_path / "x.odt")], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "input_report_format" in bad.stderr and bad.stdout == ""
    assert not (tmp_path / "x.odt").exists()
