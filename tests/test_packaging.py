"""The wheel carries the rule packs, the sample zones and the web app, and an installed envscreen finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def test_wheel_carries_the_rules_and_finds_them(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(out.glob("envscreen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "screening/rules/vocabulary.yaml" in names
    assert "screening/rules/directory-2021/pack.yaml" in names
    items = {n for n in names if n.startswith("screening/rules/directory-2021/items/item_") and n.endswith("0.yaml")}
    assert items, "item files missing from the wheel"
    assert "screening/rules/sample-county/lists/region_wide.yaml" in names
    assert "screening/zones/layers.yaml" in names
    assert "api/main.py" in names and "api/static/index.html" in names
    assert "api/static/vendor/leaflet/leaflet.js" in names
    assert {
        "screening/schemas/decision-v2.schema.json",
        "screening/schemas/questions-v1.schema.json",
        "screening/locale/zh_CN/LC_MESSAGES/messages.po",  # the message catalog: errors in Chinese
    } <= names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run from an unrelated directory with only the unpacked wheel on the path: no checkout to fall back on.
    code = (
        "from screening.packs.ruleset import default_rules_dir, load_rules; "
        "d = default_rules_dir(); print(d); r = load_rules(); print(len(r.directory.items)); "
        "from screening import load_rules; from screening.zones.layers import load_zones; "
        "print(len(load_zones(vocabulary=load_rules().vocabulary).layers)); "
        "from screening.schemas import load_schema; load_schema('decision-v2'); load_schema('questions-v1'); "
        "from screening.i18n import translate; assert translate(\"unknown field 'x'\", 'zh') == \"未知的字段：'x'\""
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    rules_dir, count, layers = r.stdout.split()
    assert Path(rules_dir).is_relative_to(site)
    assert int(count) == 173
    assert int(layers) == 13
