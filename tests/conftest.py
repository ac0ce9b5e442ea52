from __future__ import annotations

from pathlib import Path

import pytest

from screening.screener import Screener

ROOT = Path(__file__).resolve().parent.parent
MINI_RULES = ROOT / "tests" / "fixtures" / "mini_rules"


@pytest.fixture(scope="session")
def mini_screener() -> Screener:
    return Screener(MINI_RULES)


@pytest.fixture(scope="session")
def screener() -> Screener:
    """The bundled rules, compiled once for the whole session."""
    return Screener()
