"""The list engine: local packs load with clear errors, and the durable-rules join rules give
the same three-valued answer as the reference evaluator, for every bundled entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.engine.local_lists import ListEngine, compile_entry
from screening.errors import RuleError
from screening.facts.derive import Facts, LayerKinds
from screening.packs.conditions import evaluate
from screening.packs.ruleset import load_rules
from screening.project.model import project_from_data

from .conftest import ROOT

RULES = load_rules()
ENTRIES = [e for p in RULES.local_packs for e in p.entries]


@dataclass(frozen=True)
class Hit:
    """A zone hit as locate.ZoneHit has it (the fields facts.py reads)."""

    layer: str
    kind: str
    code: str = "Z1"
    name: str = "zone"
    relation: str = "inside"
    distance_m: float = 0.0
    overlap_share: float | None = None
    unit_class: str | None = None
    sensitive_area: str | None = None
    protection_class: str | None = None
    park_type: str | None = None


@dataclass(frozen=True)
class Loc:
    hits: tuple[Hit, ...] = ()
    nearby: tuple[Hit, ...] = ()
    covered: dict[str, bool] = field(default_factory=dict)
    jurisdictions: tuple[str, ...] = ("330999",)
    buffer_m: float = 500.0


LAYERS = {
    "boundary": LayerKinds("admin_boundary", frozenset()),
    "units": LayerKinds("control_unit", frozenset()),
    "red_line": LayerKinds("ecological_red_line", frozenset({"ecological_red_line"})),
    "water": LayerKinds("sensitive_area", frozenset({"drinking_water_source_protection_area"})),
    "reserve": LayerKinds("sensitive_area", frozenset({"nature_reserve"})),
    "living": LayerKinds("sensitive_area", frozenset({"residential_area", "education_area"})),
    "parks": LayerKinds("park", frozenset()),
    "reform": LayerKinds("reform_area", frozenset()),
}
HITS = [
    Hit("boundary", "admin_boundary", "330999"),
    Hit("units", "control_unit", "ZH33099910001", unit_class="priority"),
    Hit("units", "control_unit", "ZH33099920001", unit_class="key"),
    Hit("units", "control_unit", "ZH33099930001", unit_class="general"),
    Hit("red_line", "ecological_red_line"),
    Hit("water", "sensitive_area", sensitive_area="drinking_water_source_protection_area", protection_class="first"),
    Hit("water", "sensitive_area", sensitive_area="drinking_water_source_protection_area", protection_class="second"),
    Hit("living", "sensitive_area", sensitive_area="residential_area"),
    Hit("parks", "park", "P1", park_type="chemical"),
    Hit("parks", "park", "P2", park_type="general"),
    Hit("reform", "reform_area", "R1"),
]
CODES = ["2631", "2661", "26", "3360", "3411", "3612", "0313", "8421", "4416", "2211", "3311", "13"]
PROCESSES = ["electroplating", "chemical_reaction", "mixing_or_repackaging_only", "tanning"]
FEATURES = ["discharges_pollutants", "livestock_scale_farm", "national_major_strategic_project", "distributed_pv"]
QUANTITIES = ["vocs_t_per_year", "so2_t_per_year", "coal_oil_boiler_t_per_hour"]


@st.composite
def projects(draw: st.DrawFn) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "p",
        "construction": draw(st.sampled_from(["new", "expansion", "relocation", "renovation"])),
        "industry_codes": draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        data["processes"] = draw(st.lists(st.sampled_from(PROCESSES), max_size=2, unique=True))
    if draw(st.booleans()):
        data["features"] = draw(st.lists(st.sampled_from(FEATURES), max_size=2, unique=True))
    data["quantities"] = {
        q: draw(st.sampled_from([0, 0.5, 10, 25])) for q in draw(st.lists(st.sampled_from(QUANTITIES), unique=True))
    }
    return data


@st.composite
def locations(draw: st.DrawFn) -> Loc:
    hits = tuple(draw(st.lists(st.sampled_from(HITS), max_size=4, unique=True)))
    near = tuple(
        Hit(
            h.layer,
            h.kind,
            h.code,
            relation="nearby",
            distance_m=draw(st.sampled_from([100.0, 400.0, 800.0])),
            sensitive_area=h.sensitive_area,
        )
        for h in draw(st.lists(st.sampled_from(HITS[7:8]), max_size=1))
    )
    covered = {lid: draw(st.booleans()) for lid in LAYERS}
    return Loc(hits, near, covered)


@pytest.fixture(scope="module")
def engine() -> ListEngine:
    return ListEngine(ENTRIES)


def test_bundled_packs_load_with_entries() -> None:
    ids = {p.id for p in RULES.local_packs}
    assert {"zoning-national", "sample-county"} <= ids
    assert len(ENTRIES) >= 30
    for e in ENTRIES:
        assert e.citation and e.text, e.id
        assert compile_entry(e).conjunctions, f"{e.id} can never hold"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=projects(), loc=locations())
def test_join_rules_agree_with_reference(engine: ListEngine, data: dict[str, object], loc: Loc) -> None:
    facts = Facts(project_from_data(data, RULES.vocabulary), location=loc, layers=LAYERS)
    got = engine.evaluate(facts, ENTRIES)
    for e in ENTRIES:
        assert got[e.id] == evaluate(e.condition, facts), (e.id, data, loc)


def test_chemical_plant_outside_the_chemical_park_is_prohibited(engine: ListEngine) -> None:
    data = {"name": "p", "construction": "new", "industry_codes": ["2661"], "processes": ["chemical_reaction"]}
    outside = Loc(hits=(HITS[0], HITS[3], HITS[9]), covered=dict.fromkeys(LAYERS, True))
    inside = Loc(hits=(HITS[0], HITS[2], HITS[8]), covered=dict.fromkeys(LAYERS, True))
    project = project_from_data(data, RULES.vocabulary)
    assert engine.evaluate(Facts(project, location=outside, layers=LAYERS), ENTRIES)["region.space.1"] is True
    assert engine.evaluate(Facts(project, location=inside, layers=LAYERS), ENTRIES)["region.space.1"] is False
    # no park layer covers the site: the park question is open, so is the prohibition
    uncovered = Loc(hits=(HITS[0], HITS[3]), covered={**dict.fromkeys(LAYERS, True), "parks": False})
    assert engine.evaluate(Facts(project, location=uncovered, layers=LAYERS), ENTRIES)["region.space.1"] is None


def test_distance_condition_needs_the_search_to_reach_that_far(engine: ListEngine) -> None:
    data = {"name": "p", "construction": "new", "industry_codes": ["3360"], "features": ["discharges_pollutants"]}
    project = project_from_data(data, RULES.vocabulary)
    home = Hit("living", "sensitive_area", relation="nearby", distance_m=300.0, sensitive_area="residential_area")
    near = Loc(hits=(HITS[0], HITS[3]), nearby=(home,), covered=dict.fromkeys(LAYERS, True))
    far = Loc(hits=(HITS[0], HITS[3]), covered=dict.fromkeys(LAYERS, True))
    short_search = Loc(hits=(HITS[0], HITS[3]), covered=dict.fromkeys(LAYERS, True), buffer_m=100.0)
    assert engine.evaluate(Facts(project, location=near, layers=LAYERS), ENTRIES)["class.general.2"] is True
    assert engine.evaluate(Facts(project, location=far, layers=LAYERS), ENTRIES)["class.general.2"] is False
    assert engine.evaluate(Facts(project, location=short_search, layers=LAYERS), ENTRIES)["class.general.2"] is None


def _write_pack(tmp: Path, list_text: str, pack_extra: str = "") -> Path:
    root = tmp / "rules"
    (root / "p" / "lists").mkdir(parents=True)
    (root / "vocabulary.yaml").write_text((ROOT / "rules" / "vocabulary.yaml").read_text(encoding="utf-8"))
    directory = ROOT / "rules" / "directory-2021"
    (root / "directory-2021" / "items").mkdir(parents=True)
    (root / "directory-2021" / "pack.yaml").write_text((directory / "pack.yaml").read_text(encoding="utf-8"))
    item = (directory / "items" / "item_108.yaml").read_text(encoding="utf-8")
    (root / "directory-2021" / "items" / "item_108.yaml").write_text(item)
    (root / "p" / "pack.yaml").write_text(
        "id: p\nkind: local\ntitle: t\nversion: '1'\njurisdiction: '33'\neffective_from: 2025-01-01\n" + pack_extra
    )
    (root / "p" / "lists" / "l.yaml").write_text(list_text)
    return root


@pytest.mark.parametrize(
    ("entry", "message", "hint"),
    [
        ("effect: prohibitted\n    dimension: space_layout", "unknown effect 'prohibitted'", "prohibited"),
        ("effect: prohibited\n    dimension: space", "unknown dimension 'space'", "space_layout"),
        ("effect: exempt\n    dimension: exemption_catalog", "needs 'tiers'", None),
        ("effect: prohibited\n    dimension: space_layout\n    colour: red", "unknown field 'colour'", None),
    ],
)
def test_bad_list_entries_are_refused_with_a_location(tmp_path: Path, entry: str, message: str, hint: str) -> None:
    text = f"id: l\ntitle: t\nentries:\n  - id: a.1\n    text: x\n    {entry}\n    when: true\n"
    with pytest.raises(RuleError) as err:
        load_rules(_write_pack(tmp_path, text))
    assert message in err.value.message
    assert err.value.file and err.value.file.endswith("l.yaml") and err.value.line
    if hint:
        assert hint in (err.value.hint or "")


def test_zone_condition_with_an_unknown_kind_suggests_one(tmp_path: Path) -> None:
    text = (
        "id: l\ntitle: t\nentries:\n  - id: a.1\n    text: x\n    effect: prohibited\n    dimension: space_layout\n"
        "    when: {zone: {kind: red_line}}\n"
    )
    with pytest.raises(RuleError) as err:
        load_rules(_write_pack(tmp_path, text))
    assert "unknown zone kind 'red_line'" in err.value.message
    assert "ecological_red_line" in (err.value.hint or "")


def test_zone_conditions_are_refused_in_the_directory(tmp_path: Path) -> None:
    root = _write_pack(
        tmp_path, "id: l\ntitle: t\nentries:\n  - {id: a.1, text: x, effect: notice, dimension: quota, when: true}\n"
    )
    item = root / "directory-2021" / "items" / "item_108.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("{quantity: beds, lt: 20}", "{zone: {kind: park}}", 1))
    with pytest.raises(RuleError) as err:
        load_rules(root)
    assert "local rule packs" in err.value.message


def test_list_id_must_match_file_name(tmp_path: Path) -> None:
    text = "id: other\ntitle: t\nentries:\n  - {id: a.1, text: x, effect: notice, dimension: quota, when: true}\n"
    with pytest.raises(RuleError) as err:
        load_rules(_write_pack(tmp_path, text))
    assert err.value.hint == "use id: l"


def _project(i: int) -> Facts:
    codes = ["2661", "3360", "3411", "8421"]
    data = {"name": "p", "construction": "new", "industry_codes": [codes[i % 4]], "processes": [], "features": []}
    return Facts(project_from_data(data, RULES.vocabulary), location=Loc((HITS[0], HITS[3 - i % 2])), layers=LAYERS)


def test_no_list_session_survives(engine: ListEngine) -> None:
    from screening.engine import durable as eng

    before = next(eng._SIDS)
    engine.evaluate(_project(0), ENTRIES)
    after = next(eng._SIDS)
    assert after == before + 2  # exactly one session, used and deleted
    with pytest.raises(Exception, match="error code: 309"):  # 309: no such session
        eng._get_host().get_state(engine.ruleset, f"s{before + 1}")


def test_list_sessions_are_isolated_across_threads(engine: ListEngine) -> None:
    import threading

    facts = [_project(i) for i in range(8)]
    want = [engine.evaluate(f, ENTRIES) for f in facts]
    errors: list[str] = []

    def work(k: int) -> None:
        for _ in range(60):
            if engine.evaluate(facts[k], ENTRIES) != want[k]:
                errors.append(f"thread {k} got another project's answer")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.slow
def test_list_engine_memory_is_flat(engine: ListEngine) -> None:
    import resource

    facts = [_project(i) for i in range(4)]
    for i in range(1000):
        engine.evaluate(facts[i % 4], ENTRIES)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for i in range(6000):
        engine.evaluate(facts[i % 4], ENTRIES)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 4 * 1024, f"RSS grew {grown_kib} KiB over 6,000 list evaluations (300,000 facts)"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.tuples(projects(), locations()), min_size=1, max_size=6))
def test_one_session_for_many_screenings_gives_each_its_own_answer(
    engine: ListEngine, batch: list[tuple[dict[str, object], Loc]]
) -> None:
    # A batch's chunk shares one session and sends each distinct comparison once: no
    # screening may see another's facts, and each gets what a session of its own gives.
    from screening.engine import durable as eng

    facts = [Facts(project_from_data(d, RULES.vocabulary), location=loc, layers=LAYERS) for d, loc in batch]
    alone = [engine.evaluate(f, ENTRIES) for f in facts]
    before = next(eng._SIDS)
    together = engine.evaluate_many([(f, ENTRIES) for f in facts])
    assert next(eng._SIDS) == before + 2  # one session for all of them
    assert together == alone
    for f, got in zip(facts, together, strict=True):
        assert all(got[e.id] == evaluate(e.condition, f) for e in ENTRIES)


def test_a_chunk_larger_than_a_session_can_hold_is_split(engine: ListEngine) -> None:
    # Hazard 10: a durable-rules session of about 20,000 facts fails (MessageObservedException).
    # A big screen_many chunk sends more distinct comparisons than that: they go in slices.
    import random

    from screening.engine import durable as eng

    rng = random.Random(1)  # the mix of the probe that failed at 24,000 facts in one session
    n = 24_000
    messages = []
    for i in range(n):
        lo = rng.choice([0, 50, 100, 200])
        hi = lo + rng.choice([0, 0, 100])
        op, v = rng.choice(["gte", "gt", "lt", "lte"]), float(rng.choice([0, 1, 100, 150]))
        messages.append({"x_list": 1, "lit": i, "op": op, "v": v, "lo": float(lo), "hi": float(hi)})
    before = next(eng._SIDS)
    recorded = eng.run_session(engine.ruleset, messages)
    assert next(eng._SIDS) - before - 1 == -(-n // eng.SESSION_FACTS)
    got = dict((i, mode) for mode, i in recorded)
    assert len(recorded) == len(got) == n
    for m in messages[:500]:
        if m["op"] == "gte":
            assert got[m["lit"]] == ("T" if m["lo"] >= m["v"] else "P" if m["hi"] >= m["v"] else "F")
