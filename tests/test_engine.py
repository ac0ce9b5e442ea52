"""The durable-rules wrapper and its guard-rails (../shared/engine/DURABLE-RULES.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from screening.engine import durable as eng
from screening.errors import EngineError
from screening.facts.derive import Facts
from screening.packs.ruleset import load_rules
from screening.project.model import project_from_data
from screening.screener import Screener

from .conftest import ROOT


def _write_big_pack(root: Path, n_items: int) -> None:
    """A synthetic pack large enough to fill several rulesets to MAX_RULES."""
    (root / "big" / "items").mkdir(parents=True)
    (root / "vocabulary.yaml").write_text(
        "construction_kinds: {new: {zh: 新建, en: new}}\n"
        "quantities: {beds: {zh: 床位, en: beds, unit: beds, max: 100000}}\n"
        "industry_divisions: {'10': a, '11': b, '12': c}\n",
        encoding="utf-8",
    )
    # Synthetic codes 1001.. need a code list of their own: a rules directory may ship one.
    rows = ['{code: "B", name_zh: 采矿业, parent: null}'] + [
        f'{{code: "{d}", name_zh: d{d}, parent: B}}' for d in (10, 11, 12)
    ]
    groups = sorted({str(1000 + i)[:3] for i in range(1, n_items + 1)})
    rows += [f'{{code: "{g}", name_zh: g{g}, parent: "{g[:2]}"}}' for g in groups]
    rows += [f'{{code: "{1000 + i}", name_zh: c{i}, parent: "{str(1000 + i)[:3]}"}}' for i in range(1, n_items + 1)]
    (root / "industry-codes").mkdir()
    (root / "industry-codes" / "synthetic.yaml").write_text("codes:\n" + "".join(f"  - {r}\n" for r in rows), "utf-8")
    pack = (MINI := ROOT / "tests/fixtures/mini_rules/mini/pack.yaml").read_text(encoding="utf-8")
    assert MINI.exists()
    (root / "big" / "pack.yaml").write_text(pack.replace("id: mini", "id: big"), encoding="utf-8")
    for i in range(1, n_items + 1):
        (root / "big" / "items" / f"item_{i:03d}.yaml").write_text(
            f"""
id: item_{i:03d}
item: {i}
text: synthetic {i}
match: {{industry_codes: ["{1000 + i}"]}}
columns:
  report_book:
    text: big
    clauses: [{{id: item_{i:03d}.report_book.1, text: big, when: {{quantity: beds, gte: {i + 100}}}}}]
  report_form:
    text: small
    clauses: [{{id: item_{i:03d}.report_form.1, text: small, when: {{quantity: beds, gte: {i}}}}}]
""",
            encoding="utf-8",
        )


def test_rulesets_stay_far_below_the_registration_hang(screener: Screener) -> None:
    # Hazard 2: registration hangs at 530 rules in one ruleset.
    sizes = [len(rs.rules) + 1 for rs in screener.engine.rulesets]
    assert sizes and max(sizes) <= eng.MAX_RULES < 530
    assert all(2 * len(rs.fact_keys) + 2 <= 255 for rs in screener.engine.rulesets)  # hazard 8 (lo+hi, sid, guard)


def test_every_ruleset_has_a_catch_all(mini_screener: Screener) -> None:
    for rs in mini_screener.engine.rulesets:
        definition = mini_screener.engine._definition(rs)
        assert definition["catch_all"]["all"] == [{"m": {eng._GUARD_KEY: 1}}]


def test_big_pack_is_split_and_screens(tmp_path: Path) -> None:
    _write_big_pack(tmp_path, 150)
    s = Screener(tmp_path, bundled_rules=False)
    assert len(s.engine.rulesets) >= 4
    assert all(len(rs.rules) + 1 <= eng.MAX_RULES for rs in s.engine.rulesets)
    for i, beds, tier in [
        (7, 107, "report_book"),
        (7, 106, "report_form"),
        (140, 139, "exempt"),
        (150, 250, "report_book"),
    ]:
        p = project_from_data(
            {"name": "x", "construction": "new", "industry_codes": [str(1000 + i)], "quantities": {"beds": beds}},
            s.vocabulary,
        )
        assert s.screen(p).tier == tier


_UNMATCHED_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tests.test_engine import _write_big_pack
from pathlib import Path
from screening.engine import durable as eng
from screening.screener import Screener
root = Path({tmp!r})
_write_big_pack(root, 150)
s = Screener(root, bundled_rules=False)
rs = max(s.engine.rulesets, key=lambda r: len(r.rules))
msg = {{}}
for key in rs.fact_keys:  # facts that no real rule matches: every code false, so only the catch-all fires
    if key.startswith("c_"):
        msg[key + "__lo"] = msg[key + "__hi"] = 0
for k in range(3000):
    fired = eng._assert_isolated(rs.name, dict(msg, **{{eng._GUARD_KEY: 1}}))
    assert fired == set(), fired
print("ok", len(rs.rules))
"""


def test_unmatched_facts_do_not_corrupt_the_heap(tmp_path: Path) -> None:
    # Hazard 1: delete_state after an unmatched fact in a ruleset of ~150+ rules aborts the
    # process within a few hundred events. A subprocess, so a crash fails the test.
    script = _UNMATCHED_SCRIPT.format(root=str(ROOT), tmp=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("ok")
    assert int(r.stdout.split()[1]) >= 150


def test_action_exception_is_not_swallowed() -> None:
    # Hazard 7: durable-rules stores an action's exception in the state instead of raising.
    def boom(c: object) -> None:
        raise RuntimeError("boom")

    name = "test_boom_ruleset"
    with eng._LOCK:
        eng._get_host().register_rulesets(
            {
                name: {
                    "r": {"all": [{"m": {eng._GUARD_KEY: 1}}], "run": boom},
                }
            }
        )
    with pytest.raises(EngineError, match="boom"):
        eng._assert_isolated(name, {eng._GUARD_KEY: 1})
    # and the session was still deleted: the next call starts clean and fails the same way
    with pytest.raises(EngineError):
        eng._assert_isolated(name, {eng._GUARD_KEY: 1})


_CASES = [
    (
        {
            "industry_codes": ["1512"],
            "industrial_building": True,
            "processes": ["fermentation"],
            "quantities": {"liquor_capacity_kl_per_year": 1000},
        },
        "report_book",
    ),
    (
        {
            "industry_codes": ["1512"],
            "industrial_building": True,
            "processes": ["fermentation"],
            "quantities": {"liquor_capacity_kl_per_year": 999},
        },
        "report_form",
    ),
    ({"industry_codes": ["1512"], "industrial_building": False, "processes": []}, "exempt"),
    ({"project_types": ["hospital"], "quantities": {"beds": 19}}, "registration"),
    ({"project_types": ["hospital"], "quantities": {"beds": 20}}, "report_form"),
    ({"project_types": ["hospital"], "quantities": {"beds": 500}}, "report_book"),
    ({"industry_codes": ["2110"], "industrial_building": True, "processes": ["anodizing"]}, "report_book"),
    ({"industry_codes": ["5211"]}, "exempt"),
]


def test_concurrent_screenings_are_isolated(mini_screener: Screener) -> None:
    # Hazard 3: concurrent posts from threads crash without one lock. Each thread checks its own answers.
    projects = [
        (project_from_data({"name": f"p{i}", "construction": "new", **spec}, mini_screener.vocabulary), tier)
        for i, (spec, tier) in enumerate(_CASES)
    ]
    errors: list[str] = []

    def worker(offset: int) -> None:
        for k in range(300):
            p, tier = projects[(k + offset) % len(projects)]
            try:
                got = mini_screener.screen(p).tier
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
                return
            if got != tier:
                errors.append(f"{p.name}: {got} != {tier}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _rss_kib() -> int:
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_memory_is_flat_over_100000_screenings(mini_screener: Screener) -> None:
    # Hazards 4/5: leaked sessions exhaust the 1,024-session cap and slow everything down.
    projects = [
        project_from_data({"name": "m", "construction": "new", **spec}, mini_screener.vocabulary) for spec, _ in _CASES
    ]
    for k in range(10_000):  # warm-up: allocator pools and caches settle
        mini_screener.screen(projects[k % len(projects)])
    before = _rss_kib()
    for k in range(100_000):
        mini_screener.screen(projects[k % len(projects)])
    grown = _rss_kib() - before
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB over 100,000 screenings"


def test_no_session_survives_a_screening(mini_screener: Screener) -> None:
    p = project_from_data({"name": "x", "construction": "new", **_CASES[0][0]}, mini_screener.vocabulary)
    before = next(eng._SIDS)
    mini_screener.screen(p)
    after = next(eng._SIDS)
    assert after > before + 1  # the screening used a session of its own
    host = eng._get_host()
    for rs in mini_screener.engine.rulesets:
        for sid in range(before + 1, after):
            with pytest.raises(Exception, match="error code: 309"):  # 309: no such session
                host.get_state(rs.name, f"s{sid}")


def test_facts_only_carry_what_the_ruleset_reads(mini_screener: Screener) -> None:
    p = project_from_data({"name": "x", "construction": "new", **_CASES[0][0]}, mini_screener.vocabulary)
    rs = mini_screener.engine.rulesets[0]
    msg = Facts(p).message(rs.fact_keys)
    assert {k.rsplit("__", 1)[0] for k in msg} <= set(rs.fact_keys)
    assert msg["c_151__lo"] == msg["c_151__hi"] == 1 and msg["p_fermentation__lo"] == 1
    # liquor capacity given, beds not: unknown spans everything, never 0
    assert msg["q_liquor_capacity_kl_per_year__lo"] == msg["q_liquor_capacity_kl_per_year__hi"] == 1000
    if "q_beds__lo" in msg:
        assert msg["q_beds__lo"] <= -1e15 and msg["q_beds__hi"] >= 1e15


def test_rules_compile_once_per_screener() -> None:
    rules = load_rules(ROOT / "tests/fixtures/mini_rules", bundled=False)
    a, b = Screener(rules), Screener(rules)
    assert {r.name for r in a.engine.rulesets}.isdisjoint({r.name for r in b.engine.rulesets})


def test_many_screenings_in_one_session_each_get_their_own_rules(mini_screener: Screener) -> None:
    # fire_many sends a chunk's screenings to one session per ruleset (equal messages once):
    # each must get exactly the rules a session of its own fires, twice over in any order.
    engine = mini_screener.engine
    projects = [
        project_from_data({"name": f"p{i}", "construction": "new", **spec}, mini_screener.vocabulary)
        for i, (spec, _) in enumerate(_CASES)
    ]
    work = [
        (engine.facts(p), engine.candidates(p.industry_codes, p.project_types, p.quantities))
        for p in projects + projects[::-1]
    ]
    alone = [engine.fire(f, items) for f, items in work]
    assert any(alone) and len(set(alone)) > 3  # the cases fire different rules
    before = next(eng._SIDS)
    together = engine.fire_many(work)
    sessions = next(eng._SIDS) - before - 1
    assert together == alone
    assert sessions == len({engine._ruleset_of[n].name for _, items in work for n in items})
    # and the tiers of a whole chunk are those of one by one
    tiers = [d.tier for d in mini_screener.screen_many(projects)]
    assert tiers == [tier for _, tier in _CASES]
