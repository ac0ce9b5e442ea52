"""Bad project input: every mistake is a typed error with a code, a location and a hint.

Only the mini fixture rule set (tests/fixtures/mini_rules) is used here.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import InputError, ProjectError, load_project, load_rules, parse_project, project_from_data
from screening.errors import EnvscreenError
from screening.packs.vocabulary import Vocabulary
from screening.screener import Screener
from screening.sources import yaml_doc as yaml_source
from screening.sources.yaml_doc import parse_yaml, read_yaml_file

from .conftest import LIQUOR_PROJECT, MINI_RULES

GOOD = LIQUOR_PROJECT
# The required part only, three lines: tests append to it.
BASE = "name: x\nconstruction: new\nindustry_codes: ['1512']\n"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_rules(MINI_RULES, bundled=False).vocabulary


def _project_error(text: str, vocab: Vocabulary) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        parse_project(text, vocab, source="p.yaml")
    assert type(info.value) is ProjectError
    return info.value


def _yaml_error(text: str, vocab: Vocabulary) -> InputError:
    """A YAML-level error: an InputError that is not a ProjectError."""
    with pytest.raises(InputError) as info:
        parse_project(text, vocab, source="p.yaml")
    assert type(info.value) is InputError, f"expected a plain InputError, got {type(info.value).__name__}"
    return info.value


# --------------------------------------------------------------------------- the error type


def test_error_hierarchy_and_exit_codes() -> None:
    assert issubclass(ProjectError, InputError)
    assert issubclass(InputError, EnvscreenError)
    assert InputError.exit_code == 2
    assert ProjectError.exit_code == 2


def test_error_str_and_dict_carry_location_code_field_and_hint(vocab: Vocabulary) -> None:
    e = _project_error(BASE + "processes: [electroplatng]\n", vocab)
    s = str(e)
    assert s.startswith("p.yaml:4: project_unknown_processes: ")
    assert "(field 'processes.0')" in s
    assert s.endswith("did you mean 'electroplating'?")
    assert e.to_dict() == {
        "code": "project_unknown_processes",
        "message": "unknown process 'electroplatng'",
        "file": "p.yaml",
        "line": 4,
        "field": "processes.0",
        "hint": "did you mean 'electroplating'?",
    }


# --------------------------------------------------------------------------- malformed YAML


def test_malformed_yaml_reports_the_line(vocab: Vocabulary) -> None:
    text = "name: x\nconstruction: new\nindustry_codes: ['1512']\nprocesses: [fermentation\nquantities: {}\n"
    e = _yaml_error(text, vocab)
    assert e.code == "yaml_syntax"
    assert e.line in (4, 5)  # the unclosed list opens on 4; the parser notices on 5
    assert e.file == "p.yaml"
    assert e.message.startswith("not valid YAML: ")
    assert "indentation" in (e.hint or "")


def test_bad_indentation_reports_the_line(vocab: Vocabulary) -> None:
    e = _yaml_error("name: x\nconstruction: new\n  industry_codes: ['1512']\n", vocab)
    assert e.code == "yaml_syntax"
    assert e.line == 3


def test_tab_indentation_is_a_syntax_error(vocab: Vocabulary) -> None:
    e = _yaml_error("name: x\nconstruction: new\nquantities:\n\tbeds: 3\n", vocab)
    assert e.code == "yaml_syntax"
    assert e.line == 4


def test_mapping_as_a_key_is_refused(vocab: Vocabulary) -> None:
    e = _yaml_error(BASE + "? [a, b]\n: c\n", vocab)
    assert e.code == "yaml_key"
    assert e.line == 4


def test_invalid_date_value(vocab: Vocabulary) -> None:
    e = _yaml_error(BASE + "application_date: 2021-13-45\n", vocab)
    assert e.code == "yaml_value"
    assert e.line == 4
    assert "2021-13-45" in e.message


# --------------------------------------------------------------------------- unknown names


def test_unknown_top_level_field_with_did_you_mean(vocab: Vocabulary) -> None:
    e = _project_error(BASE + "procesess: [fermentation]\n", vocab)
    assert e.code == "project_unknown_field"
    assert e.line == 4
    assert e.field == "procesess"
    assert e.hint == "did you mean 'processes'?"


def test_unknown_top_level_field_without_a_close_match_lists_the_fields(vocab: Vocabulary) -> None:
    e = _project_error(BASE + "zzzzzz: 1\n", vocab)
    assert e.code == "project_unknown_field"
    assert e.line == 4
    assert e.hint is not None and e.hint.startswith("fields are: name, id, ")
    assert "industry_codes" in e.hint and "quantities" in e.hint


@pytest.mark.parametrize(
    ("extra", "code", "line", "field", "hint"),
    [
        (
            "processes:\n  - fermentation\n  - electroplatng\n",
            "project_unknown_processes",
            6,
            "processes.1",
            "did you mean 'electroplating'?",
        ),
        ("processes: [anodising]\n", "project_unknown_processes", 4, "processes.0", "did you mean 'anodizing'?"),
        (
            "features: [raw_material_forrest]\n",
            "project_unknown_features",
            4,
            "features.0",
            "did you mean 'raw_material_forest'?",
        ),
        (
            "sensitive_areas: [residential_area, nature_reserv]\n",
            "project_unknown_sensitive_areas",
            4,
            "sensitive_areas.1",
            "did you mean 'nature_reserve'?",
        ),
        ("quantities:\n  bed: 3\n", "project_unknown_quantity", 5, "quantities.bed", "did you mean 'beds'?"),
        (
            "project_types: [hospitl]\n",
            "project_unknown_project_types",
            4,
            "project_types.0",
            "did you mean 'hospital'?",
        ),
    ],
)
def test_unknown_vocabulary_term_with_did_you_mean(
    vocab: Vocabulary, extra: str, code: str, line: int, field: str, hint: str
) -> None:
    e = _project_error(BASE + extra, vocab)
    assert (e.code, e.line, e.field, e.hint) == (code, line, field, hint)


def test_unknown_project_type_alone(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: new\nproject_types: [hospitl]\n", vocab)
    assert (e.code, e.line, e.field, e.hint) == (
        "project_unknown_project_types",
        3,
        "project_types.0",
        "did you mean 'hospital'?",
    )
    assert e.message == "unknown project type 'hospitl'"


def test_unknown_term_without_a_close_match_points_to_the_vocabulary(vocab: Vocabulary) -> None:
    e = _project_error(BASE + "processes: [quantum_tunnelling]\n", vocab)
    assert e.code == "project_unknown_processes"
    assert e.hint == "see `envscreen vocabulary` for the processes terms"


def test_unknown_construction_kind_with_did_you_mean(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: expanson\nindustry_codes: ['1512']\n", vocab)
    assert e.code == "project_unknown_construction"
    assert e.line == 2
    assert e.field == "construction"
    assert e.hint == "did you mean 'expansion'?"


def test_unknown_construction_kind_without_a_close_match_lists_the_kinds(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: demolish\nindustry_codes: ['1512']\n", vocab)
    assert e.code == "project_unknown_construction"
    assert e.hint == "one of: new, expansion, renovation"


def test_industry_code_outside_every_division(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: new\nindustry_codes: ['1512', '9800']\n", vocab)
    assert e.code == "project_unknown_code"
    assert e.field == "industry_codes.1"
    assert e.line == 3


# --------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    ("extra", "line", "field", "in_message"),
    [
        ("quantities:\n  beds: twenty\n", 5, "quantities.beds", "'beds' must be a number in beds, not 'twenty'"),
        ("quantities:\n  beds: '20'\n", 5, "quantities.beds", "'beds' must be a number"),
        ("quantities:\n  beds: true\n", 5, "quantities.beds", "'beds' must be a number"),
        ("quantities: [beds, 20]\n", 4, "quantities", "'quantities' must be a mapping"),
        ("processes: 5\n", 4, "processes", "'processes' must be a list"),
        ("features: raw_material_forest\n", 4, "features", "'features' must be a list"),
        ("sensitive_areas: 0\n", 4, "sensitive_areas", "'sensitive_areas' must be a list"),
        ("industrial_building: 'yes please'\n", 4, "industrial_building", "must be true or false"),
        ("touches_main_works: 1\n", 4, "touches_main_works", "must be true or false"),
        ("application_date: soon\n", 4, "application_date", "must be a date"),
        ("location: [1, 2]\n", 4, "location", "'location' must be a mapping"),
        ("description: [a, b]\n", 4, "description", "'description' must be text"),
    ],
)
def test_wrong_types(vocab: Vocabulary, extra: str, line: int, field: str, in_message: str) -> None:
    e = _project_error(BASE + extra, vocab)
    assert e.code == "project_wrong_type"
    assert (e.line, e.field) == (line, field)
    assert in_message in e.message


def test_number_for_the_industry_code_list(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: new\nindustry_codes: 1512\n", vocab)
    assert (e.code, e.line, e.field) == ("project_wrong_type", 3, "industry_codes")


def test_string_for_the_industry_code_list(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: new\nindustry_codes: '1512'\n", vocab)
    assert (e.code, e.line, e.field) == ("project_wrong_type", 3, "industry_codes")
    assert "['3360']" in e.message


@pytest.mark.parametrize("value", ["true", "false", "1.5", "{a: 1}", "[['1512']]"])
def test_non_text_industry_code(vocab: Vocabulary, value: str) -> None:
    e = _project_error(f"name: x\nconstruction: new\nindustry_codes:\n  - '1512'\n  - {value}\n", vocab)
    assert (e.code, e.line, e.field) == ("project_wrong_type", 5, "industry_codes.1")


def test_bool_for_the_name(vocab: Vocabulary) -> None:
    e = _project_error("name: true\nconstruction: new\nindustry_codes: ['1512']\n", vocab)
    assert (e.code, e.line, e.field) == ("project_wrong_type", 1, "name")


@pytest.mark.parametrize(("value", "shown"), [("1512", "1512"), ("33", "33")])
def test_unquoted_industry_code(vocab: Vocabulary, value: str, shown: str) -> None:
    # YAML 1.1 reads 0411 as octal 265: the reason unquoted codes are refused outright
    # (0411 itself is refused earlier, as a YAML number in another base: see below).
    e = _project_error(f"name: x\nconstruction: new\nindustry_codes:\n  - {value}\n", vocab)
    assert e.code == "project_code_not_quoted"
    assert (e.line, e.field) == (4, "industry_codes.0")
    assert e.message == f"the industry code {shown} must be quoted"
    assert e.hint is not None and "quotes" in e.hint and "'0411'" in e.hint


@pytest.mark.parametrize("code", ["33a", "1", "98xx", "12345", "", "15 12", "１５１２"])
def test_bad_code_format(vocab: Vocabulary, code: str) -> None:
    e = _project_error(f"name: x\nconstruction: new\nindustry_codes: ['{code}']\n", vocab)
    assert e.code == "project_bad_code"
    assert (e.line, e.field) == (3, "industry_codes.0")
    assert e.hint is not None and "2 to 4 digits" in e.hint


# --------------------------------------------------------------------------- bad quantities


def test_negative_quantity(vocab: Vocabulary) -> None:
    e = _project_error(BASE + "quantities:\n  beds: -1\n", vocab)
    assert e.code == "project_bad_quantity"
    assert (e.line, e.field) == (5, "quantities.beds")
    assert "negative" in e.message
    assert e.hint is not None and "说明2" in e.hint


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf"])
def test_nan_and_infinite_quantities(vocab: Vocabulary, value: str) -> None:
    e = _project_error(BASE + f"quantities:\n  beds: {value}\n", vocab)
    assert e.code == "project_bad_quantity"
    assert (e.line, e.field) == (5, "quantities.beds")
    assert e.message == "'beds' must be a finite number"


def test_absurd_quantity_above_the_vocabulary_max(vocab: Vocabulary) -> None:
    assert vocab.terms("quantities")["beds"].max == 100000
    e = _project_error(BASE + "quantities:\n  beds: 100001\n", vocab)
    assert e.code == "project_absurd_quantity"
    assert (e.line, e.field) == (5, "quantities.beds")
    assert "100000" in e.message
    assert e.hint == "check the unit and the number of zeros"


def test_quantity_at_the_vocabulary_max_is_accepted(vocab: Vocabulary) -> None:
    p = parse_project(BASE + "quantities: {beds: 100000, solvent_coating_t_per_year: 0}\n", vocab)
    assert p.quantities == {"beds": 100000.0, "solvent_coating_t_per_year": 0.0}


def test_integer_too_large_for_a_float_is_absurd_not_a_crash(vocab: Vocabulary) -> None:
    e = _project_error(BASE + "quantities:\n  beds: " + "9" * 400 + "\n", vocab)
    assert e.code == "project_absurd_quantity"
    assert (e.line, e.field) == (5, "quantities.beds")


def test_integer_too_large_for_a_float_from_plain_data(vocab: Vocabulary) -> None:
    data = {"name": "x", "construction": "new", "industry_codes": ["1512"], "quantities": {"beds": -(10**400)}}
    with pytest.raises(ProjectError) as info:
        project_from_data(data, vocab)
    assert info.value.code == "project_bad_quantity"
    assert info.value.field == "quantities.beds"


# --------------------------------------------------------------------------- missing things


def test_missing_name(vocab: Vocabulary) -> None:
    e = _project_error("construction: new\nindustry_codes: ['1512']\n", vocab)
    assert (e.code, e.field) == ("project_missing_field", "name")
    assert e.message == "the field 'name' is required"
    assert e.line == 1


@pytest.mark.parametrize("value", ["", "''", "'   '", "null"])
def test_empty_name_is_missing(vocab: Vocabulary, value: str) -> None:
    e = _project_error(f"name: {value}\nconstruction: new\nindustry_codes: ['1512']\n", vocab)
    assert (e.code, e.field) == ("project_missing_field", "name")


def test_missing_construction_lists_the_kinds(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nindustry_codes: ['1512']\n", vocab)
    assert (e.code, e.field) == ("project_missing_field", "construction")
    assert e.hint is not None and e.hint.endswith("one of: new, expansion, renovation")


def test_neither_industry_codes_nor_project_types(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: new\nprocesses: [fermentation]\n", vocab)
    assert e.code == "project_missing_field"
    assert e.field is None
    assert "industry_codes" in e.message and "project_types" in e.message
    assert e.hint is not None and "envscreen vocabulary" in e.hint


def test_empty_lists_of_codes_and_types_are_neither(vocab: Vocabulary) -> None:
    e = _project_error("name: x\nconstruction: new\nindustry_codes: []\nproject_types: []\n", vocab)
    assert e.code == "project_missing_field"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "null\n"])
def test_empty_file(vocab: Vocabulary, text: str) -> None:
    e = _project_error(text, vocab)
    assert e.code == "project_empty"
    assert e.hint is not None and "examples/" in e.hint


@pytest.mark.parametrize("text", ["- name: x\n- construction: new\n", "just a sentence\n", "42\n"])
def test_not_a_mapping(vocab: Vocabulary, text: str) -> None:
    e = _project_error(text, vocab)
    assert e.code == "project_not_mapping"
    assert e.line == 1


# --------------------------------------------------------------------------- unsafe YAML

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_fails_fast_without_expanding(vocab: Vocabulary) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputError) as info:
            parse_project(BILLION_LAUGHS, vocab, source="bomb.yaml")
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    e = info.value
    assert type(e) is InputError
    assert e.code == "yaml_alias"
    assert e.line == 2  # the first alias, *a on line 2
    assert e.hint == "write the value out in full"
    assert elapsed < 1.0
    assert peak < 5_000_000  # 9**9 "lol"s expanded would be gigabytes


def test_billion_laughs_nested_inside_a_project_field(vocab: Vocabulary) -> None:
    text = BASE + "location:\n" + "".join("  " + line + "\n" for line in BILLION_LAUGHS.splitlines())
    start = time.perf_counter()
    e = _yaml_error(text, vocab)
    assert e.code == "yaml_alias"
    assert e.line == 6  # BASE is 3 lines, location: 4, a: 5, the first alias (*a) 6
    assert time.perf_counter() - start < 1.0


def test_even_a_single_alias_is_refused(vocab: Vocabulary) -> None:
    e = _yaml_error("name: &n x\nconstruction: new\nindustry_codes: ['1512']\ndescription: *n\n", vocab)
    assert e.code == "yaml_alias"
    assert e.line == 4


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['echo pwned']",
        "!!python/object/new:os.system ['echo pwned']",
        "!!python/name:os.system",
        "!!python/object:builtins.dict {}",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!custom x",
        "!<tag:example.com,2000:x> y",
    ],
)
def test_tags_are_refused(vocab: Vocabulary, value: str) -> None:
    e = _yaml_error(f"name: x\nconstruction: new\nindustry_codes: ['1512']\ndescription: {value}\n", vocab)
    assert e.code == "yaml_tag"
    assert e.line == 4
    assert e.hint == "only plain values, lists and mappings are accepted"


def test_python_tag_does_not_run(vocab: Vocabulary, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\nconstruction: new\n"
    e = _yaml_error(text, vocab)
    assert e.code == "yaml_tag"
    assert e.line == 1
    assert not marker.exists()


def test_explicit_standard_tags_are_accepted(vocab: Vocabulary) -> None:
    p = parse_project("name: !!str 2021\nconstruction: new\nindustry_codes: [!!str 1512]\n", vocab)
    assert p.name == "2021"
    assert p.industry_codes == ("1512",)


def test_merge_key_with_an_inline_mapping(vocab: Vocabulary) -> None:
    e = _yaml_error(BASE + "quantities:\n  <<: {beds: 3}\n", vocab)
    assert e.code == "yaml_alias"
    assert e.line == 5
    assert "<<" in e.message


def test_merge_key_with_an_alias(vocab: Vocabulary) -> None:
    e = _yaml_error("defaults: &d {name: x}\n<<: *d\nconstruction: new\n", vocab)
    assert e.code == "yaml_alias"
    assert e.line == 2


def test_duplicate_top_level_key(vocab: Vocabulary) -> None:
    e = _yaml_error("name: x\nconstruction: new\nindustry_codes: ['1512']\nname: y\n", vocab)
    assert e.code == "yaml_duplicate_key"
    assert e.line == 4
    assert "'name'" in e.message


def test_duplicate_nested_key(vocab: Vocabulary) -> None:
    e = _yaml_error(BASE + "quantities:\n  beds: 1\n  beds: 2\n", vocab)
    assert e.code == "yaml_duplicate_key"
    assert e.line == 6


def test_deep_nesting_is_an_input_error_not_a_crash(vocab: Vocabulary) -> None:
    e = _yaml_error(BASE + "location: " + "[" * 5000 + "]" * 5000 + "\n", vocab)
    assert e.code == "input_too_deep"


def test_too_many_values(vocab: Vocabulary, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_source, "MAX_NODES", 50)
    e = _yaml_error(BASE + "location: {x: [" + ", ".join(["1"] * 60) + "]}\n", vocab)
    assert e.code == "input_too_large"
    assert e.line == 4


# --------------------------------------------------------------------------- files


def test_file_larger_than_the_limit(tmp_path: Path, vocab: Vocabulary) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(GOOD.encode() + b"#" * yaml_source.MAX_BYTES)
    with pytest.raises(InputError) as info:
        load_project(big, vocab)
    e = info.value
    assert type(e) is InputError
    assert e.code == "input_too_large"
    assert e.file == str(big)
    assert e.hint is not None


def test_file_at_the_limit_is_read(tmp_path: Path, vocab: Vocabulary) -> None:
    f = tmp_path / "full.yaml"
    body = GOOD.encode()
    f.write_bytes(body + b"#" * (yaml_source.MAX_BYTES - len(body)))
    assert f.stat().st_size == yaml_source.MAX_BYTES
    assert load_project(f, vocab).name == "酒厂"


def test_text_larger_than_the_limit(vocab: Vocabulary) -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("a: b\n" + "#" * 100, source="t.yaml", max_bytes=50)
    assert info.value.code == "input_too_large"
    assert info.value.file == "t.yaml"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a POSIX named pipe")
def test_a_stream_that_never_ends_is_cut_at_the_limit(tmp_path: Path) -> None:
    # stat() reports size 0 for a pipe (or /dev/zero): the reader must stop at the limit itself.
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    release = threading.Event()
    outcome: list[BaseException | object] = []

    def writer() -> None:
        with open(fifo, "wb") as w:
            try:
                w.write(b"#" * 100)
                w.flush()
            except BrokenPipeError:
                pass
            release.wait(10)

    def reader() -> None:
        try:
            outcome.append(read_yaml_file(fifo, max_bytes=10))
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    w = threading.Thread(target=writer, daemon=True)
    r = threading.Thread(target=reader, daemon=True)
    w.start()
    r.start()
    r.join(5)
    stuck = r.is_alive()
    release.set()
    r.join(5)
    w.join(5)
    assert not stuck, "read_yaml_file waited for the end of an endless stream"
    assert len(outcome) == 1 and isinstance(outcome[0], InputError)
    assert outcome[0].code == "input_too_large"


def test_non_utf8_bytes(tmp_path: Path, vocab: Vocabulary) -> None:
    f = tmp_path / "gbk.yaml"
    f.write_bytes("name: 酒厂\nconstruction: new\n".encode("gbk"))
    with pytest.raises(InputError) as info:
        load_project(f, vocab)
    e = info.value
    assert type(e) is InputError
    assert e.code == "input_not_utf8"
    assert e.file == str(f)
    assert e.hint == "save the file as UTF-8"
    assert "byte 6" in e.message  # the first GBK byte follows "name: "


def test_utf8_bom_is_accepted(tmp_path: Path, vocab: Vocabulary) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_project(f, vocab).name == "酒厂"


def test_missing_file(tmp_path: Path, vocab: Vocabulary) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load_project(missing, vocab)
    e = info.value
    assert type(e) is InputError
    assert e.code == "input_unreadable"
    assert e.file == str(missing)
    assert "No such file" in e.message


def test_directory_instead_of_a_file(tmp_path: Path, vocab: Vocabulary) -> None:
    with pytest.raises(InputError) as info:
        load_project(tmp_path, vocab)
    assert info.value.code == "input_unreadable"


def test_file_errors_name_the_file_and_line(tmp_path: Path, vocab: Vocabulary) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(BASE + "quantities:\n  bedz: 3\n", encoding="utf-8")
    with pytest.raises(ProjectError) as info:
        load_project(f, vocab)
    e = info.value
    assert (e.file, e.line, e.field, e.hint) == (str(f), 5, "quantities.bedz", "did you mean 'beds'?")
    assert str(e).startswith(f"{f}:5: project_unknown_quantity")


def test_plain_data_errors_have_a_field_but_no_line(vocab: Vocabulary) -> None:
    data = {"name": "x", "construction": "new", "industry_codes": ["1512"], "processes": ["electroplatng"]}
    with pytest.raises(ProjectError) as info:
        project_from_data(data, vocab, source="api")
    e = info.value
    assert (e.code, e.file, e.line, e.field) == ("project_unknown_processes", "api", None, "processes.0")
    assert e.hint == "did you mean 'electroplating'?"


# --------------------------------------------------------------------------- valid projects


def test_valid_project_round_trips(vocab: Vocabulary) -> None:
    text = """\
name: '  电镀件厂  '
id: P-7
description: 阳极氧化生产线
construction: expansion
industry_codes: [' 2110 ', '2110', '15']
industrial_building: true
processes: [anodizing]
features: []
quantities: {solvent_coating_t_per_year: 12, beds: 0.5}
sensitive_areas: [residential_area]
touches_main_works: false
application_date: 2026-11-23
location: {crs: wgs84, point: [116.4, 39.9]}
"""
    p = parse_project(text, vocab, source="ok.yaml")
    assert p.name == "电镀件厂"
    assert p.id == "P-7"
    assert p.description == "阳极氧化生产线"
    assert p.construction == "expansion"
    assert p.industry_codes == ("2110", "15")
    assert p.project_types == ()
    assert p.processes == frozenset({"anodizing", "electroplating"})  # 说明6: anodizing implies electroplating
    assert p.declared_processes == ("anodizing",)
    assert p.features == frozenset()
    assert p.industrial_building is True
    assert p.quantities == {"solvent_coating_t_per_year": 12.0, "beds": 0.5}
    assert all(type(v) is float for v in p.quantities.values())
    assert p.sensitive_areas == frozenset({"residential_area"})
    assert p.touches_main_works is False
    assert p.application_date == dt.date(2026, 11, 23)
    assert p.location == {"crs": "wgs84", "point": [116.4, 39.9]}
    assert p.site is not None and p.site.kind == "point" and p.site.geometry.coords[0] == (116.4, 39.9)
    assert p.source == "ok.yaml"


def test_quoted_date_and_json_text(vocab: Vocabulary) -> None:
    text = '{"name": "h", "construction": "new", "project_types": ["hospital"], "application_date": "2021-01-01"}'
    p = parse_project(text, vocab)
    assert p.project_types == ("hospital",)
    assert p.industry_codes == ()
    assert p.application_date == dt.date(2021, 1, 1)


def test_absent_lists_are_unknown_and_empty_lists_are_none(vocab: Vocabulary) -> None:
    absent = parse_project(BASE, vocab)
    assert absent.processes is None
    assert absent.features is None
    assert absent.sensitive_areas is None
    assert absent.industrial_building is None
    assert absent.declared_processes == ()
    assert absent.quantities == {}
    empty = parse_project(BASE + "processes: []\nfeatures: []\nsensitive_areas: []\n", vocab)
    assert empty.processes == frozenset()
    assert empty.features == frozenset()
    assert empty.sensitive_areas == frozenset()


def test_null_processes_is_absent(vocab: Vocabulary) -> None:
    assert parse_project(BASE + "processes:\n", vocab).processes is None


def test_duplicate_terms_are_kept_once(vocab: Vocabulary) -> None:
    p = parse_project(BASE + "processes: [fermentation, fermentation, blending_only]\n", vocab)
    assert p.declared_processes == ("fermentation", "blending_only")
    assert p.processes == frozenset({"fermentation", "blending_only"})


def test_loaded_file_screens(tmp_path: Path) -> None:
    # The validated project goes through the screener: anodizing implies electroplating,
    # which puts a furniture maker (2110, item 36) into the report_book column.
    screener = Screener(MINI_RULES, bundled_rules=False)
    f = tmp_path / "furniture.yaml"
    f.write_text(
        "name: f\nconstruction: new\nindustry_codes: ['2110']\nindustrial_building: true\nprocesses: [anodizing]\n",
        encoding="utf-8",
    )
    d = screener.screen(load_project(f, screener.vocabulary))
    assert d.tier == "report_book"
    assert [x.rule_id for x in d.findings] == ["item_036.report_book.1"]


# --------------------------------------------------------------------------- YAML 1.1 numbers


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("010", "octal"),  # YAML 1.1: 8
        ("+010", "octal"),
        ("00", "octal"),
        ("010_", "octal"),  # found by the property test below
        ("0x10", "hex"),  # 16
        ("0b10", "binary"),  # 2
        ("1:30", "base 60"),  # 90
        ("1:30.5", "base 60"),  # 90.5
        ("!!int '010'", "octal"),  # an explicit tag reads it as octal too
    ],
)
def test_numbers_yaml_11_reads_in_another_base_are_refused(vocab: Vocabulary, value: str, kind: str) -> None:
    e = _yaml_error(BASE + f"quantities:\n  beds: {value}\n", vocab)
    assert e.code == "yaml_ambiguous_number"
    assert (e.file, e.line, e.field) == ("p.yaml", 5, "quantities.beds")
    assert kind.split()[0] in e.message
    assert e.hint is not None and "quote" in e.hint and "decimal" in e.hint


def test_a_base_60_coordinate_is_refused_with_its_field(vocab: Vocabulary) -> None:
    # 120:30 would be the number 7230, a point far outside China, silently.
    e = _yaml_error(BASE + "location:\n  point: [120:30, 30.2]\n", vocab)
    assert e.code == "yaml_ambiguous_number"
    assert (e.line, e.field) == (5, "location.point.0")


def test_an_unquoted_octal_looking_code_is_refused_before_it_becomes_a_number(vocab: Vocabulary) -> None:
    e = _yaml_error("name: x\nconstruction: new\nindustry_codes: [0411]\n", vocab)
    assert e.code == "yaml_ambiguous_number"
    assert (e.line, e.field) == (3, "industry_codes.0")
    assert e.hint is not None and "'0411'" in e.hint


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("10", 10),
        ("1.5", 1.5),
        ("1e3", 1000),
        ("2.5e3", 2500),
        ("1.0e+3", 1000),
        ("1_000", 1000),
        ("0", 0),
        ("0.5", 0.5),
    ],
)
def test_plain_decimals_and_exponents_are_read_as_written(vocab: Vocabulary, value: str, amount: float) -> None:
    p = parse_project(BASE + f"quantities:\n  beds: {value}\n", vocab)
    assert p.quantities == {"beds": amount}


def test_quoted_and_yaml_12_forms_stay_text(vocab: Vocabulary) -> None:
    # Quoting is the way out; 0o10 (YAML 1.2 octal) and 08 are text in YAML 1.1: a number field refuses them.
    assert parse_yaml("a: '010'\nb: 0o10\nc: 08\nd: '1:30'\n").data == {"a": "010", "b": "0o10", "c": "08", "d": "1:30"}
    e = _project_error(BASE + "quantities:\n  beds: 0o10\n", vocab)
    assert e.code == "project_wrong_type"


def test_yes_and_no_are_booleans_only_where_a_boolean_fits(vocab: Vocabulary) -> None:
    # YAML 1.1 reads yes/no/on/off as true/false. Kept: in a true/false field that is what was
    # meant, and every other field refuses a boolean with its location.
    assert parse_project(BASE + "industrial_building: yes\n", vocab).industrial_building is True
    e = _project_error(BASE + "quantities:\n  beds: on\n", vocab)
    assert (e.code, e.field) == ("project_wrong_type", "quantities.beds")
    e = _project_error("name: no\nconstruction: new\nindustry_codes: ['1512']\n", vocab)
    assert (e.code, e.field) == ("project_wrong_type", "name")


def test_a_number_too_long_to_convert_is_an_input_error(vocab: Vocabulary) -> None:
    e = _yaml_error(BASE + "quantities:\n  beds: " + "1" * 5000 + "\n", vocab)
    assert e.code == "input_number_too_large"
    assert (e.line, e.field) == (5, "quantities.beds")
    assert "5,000 digits" in e.message
    assert len(e.message) < 400  # the digits are not echoed back


def test_a_surrogate_escape_is_an_input_error(vocab: Vocabulary) -> None:
    e = _yaml_error('name: "x\\ud800"\nconstruction: new\nindustry_codes: ["1512"]\n', vocab)
    assert e.code == "input_bad_unicode"
    assert e.line == 1


def test_a_lone_surrogate_in_the_text_is_an_input_error(vocab: Vocabulary) -> None:
    # Text handed over from a JSON string (the batch endpoint's YAML items) can hold one.
    e = _yaml_error(BASE + "description: 'a\ud800b'\n", vocab)
    assert e.code == "input_bad_unicode"
    assert (e.file, e.line) == ("p.yaml", 4)


_NUMBERISH = st.text(alphabet="0123456789_:.eE+-xob", min_size=1, max_size=10)


@settings(max_examples=400, deadline=None)
@given(_NUMBERISH)
def test_a_plain_scalar_is_its_decimal_reading_text_as_written_or_refused(token: str) -> None:
    # Never a third reading: a number that differs from the decimal one a person sees is refused.
    try:
        value = parse_yaml(f"a: {token}\n").data["a"]
    except InputError:
        return
    if isinstance(value, str):
        assert value == token
        return
    assert not isinstance(value, bool)
    assert isinstance(value, (int, float)), value
    plain = token.replace("_", "")
    try:
        person: float = int(plain)
    except ValueError:
        person = float(plain)  # a number YAML read but Python's decimal reading cannot: fails here
    assert value == person, repr(token)
