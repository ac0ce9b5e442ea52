from __future__ import annotations

from pathlib import Path

import pytest

from screening.screener import Screener

ROOT = Path(__file__).resolve().parent.parent
MINI_RULES = ROOT / "tests" / "fixtures" / "mini_rules"

# A valid project for the fixture rules (item 25, report_book); its fields sit on lines 1..6.
LIQUOR_PROJECT = """\
name: 酒厂
construction: new
industry_codes: ['1512']
industrial_building: true
processes: [fermentation]
quantities: {liquor_capacity_kl_per_year: 1000}
"""

# Every quantity a bundled local-pack entry reads, declared 0: only the site then decides.
QUIET_QUANTITIES = {
    q: 0
    for q in (
        "vocs_t_per_year",
        "so2_t_per_year",
        "nox_t_per_year",
        "cod_t_per_year",
        "ammonia_nitrogen_t_per_year",
        "coal_oil_boiler_t_per_hour",
        "industrial_wastewater_discharge_m3_per_day",
    )
}


@pytest.fixture(scope="session")
def mini_screener() -> Screener:
    return Screener(MINI_RULES, bundled_rules=False)


@pytest.fixture(scope="session")
def screener() -> Screener:
    """The bundled rules, compiled once for the whole session."""
    return Screener()
