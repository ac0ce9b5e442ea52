"""Stage 1, load project: validate a project description against the vocabulary."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ProjectError, did_you_mean
from ..packs.industry_codes import IndustryCodes
from ..packs.vocabulary import Term, Vocabulary
from ..sources.yaml_doc import YamlDoc, parse_yaml, read_yaml_file

if TYPE_CHECKING:
    from .site import Site

_CODE = re.compile(r"^[0-9]{2,4}$")
_SECTION_CODE = re.compile(r"^[A-Ta-t]([0-9]{2,4})?$")
# The code the national investment project online approval platform (全国投资项目在线审批监管平台)
# gives every project: year (4 digits), admin division (6), industry (2), project kind (2),
# serial (6). Only this shape is checked: the digits' meanings are the platform's business.
_PROJECT_CODE = re.compile(r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$")
_PROJECT_CODE_DIGITS = 20
_LEVEL_ZH = {2: "division (大类)", 3: "group (中类)", 4: "class (小类)"}
_FIELDS = {
    "name": "project name (required)",
    "id": "your own reference for the project",
    "project_code": "the national investment project code (项目代码), e.g. 2020-330999-26-03-012345",
    "description": "free text",
    "construction": "construction kind (required)",
    "industry_codes": "GB/T 4754-2017 industry codes",
    "project_types": "project types for items without an industry code",
    "processes": "complete list of process flags",
    "features": "yes/no features that hold (a feature not listed is asked, unless answered false)",
    "industrial_building": "true when production is in an industrial building (说明4)",
    "quantities": "newly added quantities, unit in the name (说明2)",
    "sensitive_areas": "kinds of sensitive area involved (第三条); [] for none",
    "touches_main_works": "false for a renovation or expansion not touching the main works (第四条)",
    "application_date": "date of application, YYYY-MM-DD",
    "answers": "answers to `envscreen questions`: question id -> true/false or a number, e.g. "
    "{features.livestock_scale_farm: false, quantities.beds: 120}",
    "location": "the site for zoning checks (optional): crs (wgs84 | cgcs2000 | gcj02 | bd09, or CGCS2000 "
    "Gauss-Krüger: EPSG:4513-4554, cgcs2000-gk3 with zone or central_meridian) and one of point, line, polygon, "
    "geometry, table (界址点), file (.dxf .kml .kmz .zip .geojson .txt .csv); address (free text)",
}


@dataclass(frozen=True)
class Project:
    """A validated project. `None` for processes/sensitive_areas/industrial_building means "not
    declared" (unknown), which is not the same as an empty list (declared none). A feature or
    project type not listed is unknown unless `answers` says false: nobody can enumerate them.
    `answers` holds the explicit yes/no answers by question id (`features.livestock_scale_farm`);
    answered numbers are merged into `quantities`, answered true terms into their lists."""

    name: str
    construction: str
    industry_codes: tuple[str, ...] = ()
    project_types: tuple[str, ...] = ()
    processes: frozenset[str] | None = None
    declared_processes: tuple[str, ...] = ()
    features: frozenset[str] | None = None
    industrial_building: bool | None = None
    quantities: dict[str, float] = field(default_factory=dict)
    sensitive_areas: frozenset[str] | None = None
    touches_main_works: bool | None = None
    application_date: dt.date | None = None
    id: str | None = None
    project_code: str | None = None  # the national 项目代码, shape-checked
    description: str | None = None
    location: dict[str, Any] | None = None
    answers: dict[str, bool] = field(default_factory=dict)
    answered: tuple[str, ...] = ()  # every question id the `answers` field answered, in file order
    source: str | None = None
    site: Site | None = None  # `location` read by site.py: geometry in WGS84 lon/lat


def load_project(path: Path | str, vocab: Vocabulary, *, site_file: dict[str, Any] | None = None) -> Project:
    """Read and validate a project file; raise ProjectError with file, line and field.
    `location.file` is read relative to the project file's folder. `site_file`: a location
    (`{file: path, crs: ...}`) that replaces the project's own, keeping its address
    (`envscreen check --site FILE`); its path may lead anywhere, as the user typed it."""
    doc = read_yaml_file(path)
    base = Path(path).parent
    if site_file is not None and isinstance(doc.data, dict):
        own = doc.data.get("location")
        address = own.get("address") if isinstance(own, dict) else None
        given = Path(site_file["file"])
        base = given.parent
        location = {**site_file, "file": given.name, **({"address": address} if address is not None else {})}
        doc = YamlDoc({**doc.data, "location": location}, doc.source, doc.lines)
    return project_from_doc(doc, vocab, base_dir=base)


def parse_project(text: str, vocab: Vocabulary, *, source: str = "<input>") -> Project:
    """Validate a project given as YAML (or JSON) text."""
    return project_from_doc(parse_yaml(text, source=source), vocab)


def project_from_data(data: Any, vocab: Vocabulary, *, source: str = "<input>") -> Project:
    """Validate a project already parsed into plain data (no line numbers)."""
    return project_from_doc(YamlDoc(data=data, source=source), vocab)


def project_from_doc(doc: YamlDoc, vocab: Vocabulary, *, base_dir: Path | None = None) -> Project:
    """Validate a parsed project. `base_dir`: where `location.file` is read from (the project
    file's folder); None refuses `location.file` (text sent over the API names no files). The
    ProjectError raised carries the other bad fields in `also`."""
    try:
        return _Validator(doc, vocab, base_dir).project()
    except ProjectError as exc:
        exc.also = _more_errors(doc, vocab, exc, base_dir)
        raise


MAX_ERRORS = 20  # a project has about 15 fields: past that, the file is not a project


def _more_errors(
    doc: YamlDoc, vocab: Vocabulary, first: ProjectError, base_dir: Path | None
) -> tuple[ProjectError, ...]:
    """The errors of the other fields: validate again with each bad top-level field left out (a
    required one given a stand-in), until the project passes or an error repeats a field."""
    if not isinstance(doc.data, dict):
        return ()
    data = dict(doc.data)
    standins = {"name": "-", "construction": next(iter(vocab.terms("construction_kinds")), "")}
    out: list[ProjectError] = []
    removed: set[str] = set()
    exc = first
    for _ in range(MAX_ERRORS):
        key = str(exc.field).split(".")[0] if exc.field else None
        if key is None or key in removed or (key not in data and key not in standins):
            break
        removed.add(key)
        if key in standins:
            data[key] = standins[key]
        else:
            del data[key]
        try:
            _Validator(YamlDoc(data=data, source=doc.source, lines=doc.lines), vocab, base_dir).project()
            break
        except ProjectError as e:
            # a field left out must not come back as "missing": that is this pass, not the project
            if e.code == "project_missing_field" and (
                (e.field or "") in removed or (not e.field and removed & {"industry_codes", "project_types"})
            ):
                break
            out.append(e)
            exc = e
    return tuple(sorted(out, key=lambda e: e.line or 0))


def _short(label: str) -> str:
    """A label without its parenthesis: 改建（含技术改造） -> 改建."""
    return re.split(r"[（(]", label, maxsplit=1)[0].strip()


def _by_label(terms: dict[str, Term], value: Any) -> str | None:
    """The term whose Chinese label is `value` (`新建` -> new), or its label without the
    parenthesis when that names one term only (`改建` -> renovation); None if none is."""
    if not isinstance(value, str) or value in terms:
        return None
    text = value.strip()
    exact = [tid for tid, t in terms.items() if t.zh == text]
    if len(exact) == 1:
        return exact[0]
    short = [tid for tid, t in terms.items() if _short(t.zh) == text]
    return short[0] if len(short) == 1 else None


def _did_you_mean(value: str, terms: dict[str, Term]) -> str | None:
    """A "did you mean" to the term id, for a misspelt id or a near Chinese label (电渡 -> electroplating)."""
    hint = did_you_mean(value, terms)
    if hint is not None or not re.search(r"[\u4e00-\u9fff]", value):
        return hint
    labels = {t.zh: tid for tid, t in terms.items()} | {_short(t.zh): tid for tid, t in terms.items()}
    close = difflib.get_close_matches(value, list(labels), n=1, cutoff=0.5)
    if not close:  # a label that contains what was written, or is contained in it: 电镀 in 电镀工艺
        close = [label for label in labels if label and (value in label or label in value)][:1]
    if not close:
        return None
    suggestion = labels[close[0]]
    return f"did you mean '{suggestion}'?"


class _Validator:
    def __init__(self, doc: YamlDoc, vocab: Vocabulary, base_dir: Path | None = None) -> None:
        self.doc = doc
        self.vocab = vocab
        self.base_dir = base_dir

    def fail(self, path: tuple[Any, ...], code: str, message: str, hint: str | None = None) -> ProjectError:
        return self.doc.error(ProjectError, code, path, message, hint)

    def project(self) -> Project:
        data = self.doc.data
        if data is None:
            raise self.fail(
                (),
                "project_empty",
                "the project file is empty",
                hint="start from an example in examples/ or docs/project-format.md",
            )
        if not isinstance(data, dict):
            raise self.fail(
                (), "project_not_mapping", "a project must be a mapping of fields (name: ..., construction: ...)"
            )
        self.doc.only_keys(ProjectError, "project_unknown_field", (), data, _FIELDS)
        for key in ("name", "construction"):
            if key not in data or data[key] is None or (isinstance(data[key], str) and not data[key].strip()):
                raise self.fail(
                    (key,),
                    "project_missing_field",
                    f"the field '{key}' is required",
                    hint=_FIELDS[key]
                    + (
                        f"; one of: {', '.join(self.vocab.terms('construction_kinds'))}"
                        if key == "construction"
                        else ""
                    ),
                )
        codes = self.codes(data.get("industry_codes"))
        types = self.term_list("project_types", data.get("project_types"), "project_types") or []
        if not codes and not types:
            raise self.fail(
                (),
                "project_missing_field",
                "give at least one of 'industry_codes' or 'project_types'",
                hint="industry_codes: ['3360'] (GB/T 4754-2017), or project_types from `envscreen vocabulary`",
            )
        processes = self.term_list("processes", data.get("processes"), "processes", optional=True)
        features = self.term_list("features", data.get("features"), "features", optional=True)
        areas = self.term_list("sensitive_areas", data.get("sensitive_areas"), "sensitive_areas", optional=True)
        quantities = self.quantities(data.get("quantities"))
        building = self.boolean("industrial_building", data.get("industrial_building"))
        listed = {
            "processes": processes or [],
            "features": features or [],
            "project_types": types,
            "sensitive_areas": areas or [],
            "industry_codes": list(codes),
        }
        answers, numbers, answered = self.answers(data.get("answers"), listed, quantities, building)
        for qid, value in answers.items():
            section, _, term = qid.partition(".")
            if value is True and section == "project_types" and term not in types:
                types.append(term)  # routes the project to the type's items
            if value is True and section == "features":
                features = [*(features or []), term]
            if value is True and section == "industry_codes" and term not in codes:
                codes = (*codes, *self.codes([term], ("answers", qid)))
        if "industrial_building" in numbers:
            building = bool(numbers.pop("industrial_building"))
        quantities.update(numbers)
        return Project(
            name=self.text("name", data["name"]),
            construction=self.choice("construction", data["construction"], "construction_kinds"),
            industry_codes=codes,
            project_types=tuple(types),
            processes=None if processes is None else frozenset(self.vocab.expand_implied("processes", processes)),
            declared_processes=tuple(processes or ()),
            features=None if features is None else frozenset(features),
            industrial_building=building,
            quantities=quantities,
            sensitive_areas=None if areas is None else frozenset(areas),
            touches_main_works=self.boolean("touches_main_works", data.get("touches_main_works")),
            application_date=self.date("application_date", data.get("application_date")),
            id=None if data.get("id") is None else self.text("id", data["id"]),
            project_code=self.project_code(data.get("project_code")),
            description=None if data.get("description") is None else self.text("description", data["description"]),
            location=self.location(data.get("location")),
            answers={k: v for k, v in answers.items() if not k.startswith("quantities.")},
            answered=answered,
            source=self.doc.source,
            site=self.site(data.get("location")),
        )

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail((key,), "project_wrong_type", f"'{key}' must be text")
        s = str(value).strip()
        if len(s) > 500:
            raise self.fail((key,), "project_value_too_long", f"'{key}' is longer than 500 characters")
        return s

    def project_code(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(
                ("project_code",),
                "project_wrong_type",
                "'project_code' must be text like '2020-330999-26-03-012345'",
                hint="quote it: a spreadsheet or YAML may read the digits as a number or a date",
            )
        code = value.strip()
        if _PROJECT_CODE.match(code):
            return code
        digits = re.sub(r"[^0-9]", "", code)
        hint = "the shape is YYYY-DDDDDD-II-TT-NNNNNN: year, admin division, industry, kind, serial"
        if len(digits) == _PROJECT_CODE_DIGITS and not re.search(r"[^0-9\s\-－—_/.]", code):
            hint = f"did you mean '{digits[:4]}-{digits[4:10]}-{digits[10:12]}-{digits[12:14]}-{digits[14:]}'?"
        raise self.fail(
            ("project_code",),
            "project_bad_project_code",
            f"'{code[:40]}' is not a national project code (项目代码)",
            hint=hint,
        )

    def choice(self, key: str, value: Any, section: str) -> str:
        terms = self.vocab.terms(section)
        term = _by_label(terms, value)
        if term is not None:
            return term
        if not isinstance(value, str) or value not in terms:
            raise self.fail(
                (key,),
                f"project_unknown_{key}",
                f"unknown {key} '{value}'",
                hint=_did_you_mean(str(value), terms) or f"one of: {', '.join(terms)}",
            )
        return value

    def boolean(self, key: str, value: Any) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail((key,), "project_wrong_type", f"'{key}' must be true or false, not '{value}'")
        return value

    def date(self, key: str, value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail((key,), "project_wrong_type", f"'{key}' must be a date like 2026-11-23, not '{value}'")

    def codes(self, value: Any, at: tuple[Any, ...] | None = None) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(("industry_codes",), "project_wrong_type", "'industry_codes' must be a list, e.g. ['3360']")
        divisions = self.vocab.terms("industry_divisions")
        out: list[str] = []
        for i, code in enumerate(value):
            path = at or ("industry_codes", i)
            if isinstance(code, bool) or not isinstance(code, (str, int)):
                raise self.fail(path, "project_wrong_type", "an industry code must be text like '3360'")
            if isinstance(code, int):
                # YAML reads 0411 as the octal number 265 and 1310 as a number: only quoting is safe.
                raise self.fail(
                    path,
                    "project_code_not_quoted",
                    f"the industry code {code} must be quoted",
                    hint="write codes in quotes, e.g. '3360' or '0411' (YAML reads unquoted 0411 as a number)",
                )
            code = code.strip()
            if not _CODE.match(code):
                raise self.fail(
                    path,
                    "project_bad_code",
                    f"'{code}' is not a GB/T 4754-2017 code",
                    hint=_bad_code_hint(code),
                )
            known = self.vocab.industry_codes
            if known is not None and code not in known:
                raise self.fail(
                    path,
                    "project_unknown_code",
                    f"'{code}' is not in GB/T 4754-2017 (no such {_LEVEL_ZH[len(code)]})",
                    hint=_suggestion_hint(code, known),
                )
            if code[:2] not in divisions:
                raise self.fail(
                    path,
                    "project_unknown_code",
                    f"'{code}' does not start with a GB/T 4754-2017 division",
                    hint=did_you_mean(code[:2], divisions) or "divisions run from 01 to 97",
                )
            if code not in out:
                out.append(code)
        return tuple(out)

    def term_list(self, key: str, value: Any, section: str, optional: bool = False) -> list[str] | None:
        if value is None:
            return None if optional else []
        if not isinstance(value, list):
            raise self.fail(
                (key,),
                "project_wrong_type",
                f"'{key}' must be a list, e.g. [{next(iter(self.vocab.terms(section)), 'x')}]",
            )
        terms = self.vocab.terms(section)
        out: list[str] = []
        for i, term in enumerate(value):
            term = _by_label(terms, term) or term
            if not isinstance(term, str) or term not in terms:
                hint = _did_you_mean(str(term), terms) or f"see `envscreen vocabulary` for the {section} terms"
                singular = {
                    "processes": "process",
                    "features": "feature",
                    "sensitive_areas": "sensitive area",
                    "project_types": "project type",
                }[section]
                raise self.fail((key, i), f"project_unknown_{section}", f"unknown {singular} '{term}'", hint=hint)
            if term not in out:
                out.append(term)
        return out

    def answers(
        self,
        value: Any,
        listed: dict[str, list[str]],
        quantities: dict[str, float],
        building: bool | None,
    ) -> tuple[dict[str, bool], dict[str, float], tuple[str, ...]]:
        """The `answers` field: yes/no answers by question id, and answered numbers (a
        quantity, or industrial_building as 0/1) to merge; contradictions are errors."""
        if value is None:
            return {}, {}, ()
        if not isinstance(value, dict):
            raise self.fail(
                ("answers",),
                "project_wrong_type",
                "'answers' must be a mapping of question ids, e.g. {features.livestock_scale_farm: false}",
            )
        flags: dict[str, bool] = {}
        numbers: dict[str, float] = {}
        for qid, answer in value.items():
            path = ("answers", qid)
            qid = str(qid)
            section, _, term = qid.partition(".")
            if qid == "industrial_building":
                if not isinstance(answer, bool):
                    raise self.fail(path, "project_wrong_type", f"the answer to '{qid}' must be true or false")
                if building is not None and building != answer:
                    raise self.fail(
                        path,
                        "project_answer_contradicts",
                        f"'{qid}: {str(answer).lower()}' contradicts 'industrial_building: {str(building).lower()}'",
                        hint="keep one of the two",
                    )
                numbers[qid] = float(answer)
                continue
            if section == "quantities":
                amount = self.quantities({term: answer}, path_prefix=("answers",), label=qid)[term]
                if term in quantities and quantities[term] != amount:
                    raise self.fail(
                        path,
                        "project_answer_contradicts",
                        f"'{qid}: {answer:g}' contradicts 'quantities.{term}: {quantities[term]:g}'",
                        hint="keep one of the two",
                    )
                numbers[term] = amount
                continue
            if section not in listed or not term:
                ids = [f"{s}.<term>" for s in (*listed, "quantities")] + ["industrial_building"]
                raise self.fail(
                    path,
                    "project_unknown_answer",
                    f"unknown question id '{qid}'",
                    hint=did_you_mean(section, listed) or f"question ids are {', '.join(ids)}",
                )
            if section == "industry_codes":
                if not _CODE.match(term):
                    raise self.fail(path, "project_bad_code", f"'{term}' is not a GB/T 4754-2017 code")
            elif term not in self.vocab.terms(section):
                terms = [f"{section}.{t}" for t in self.vocab.terms(section)]
                raise self.fail(
                    path,
                    "project_unknown_answer",
                    f"unknown question id '{qid}'",
                    hint=did_you_mean(qid, terms) or f"see `envscreen vocabulary` for the {section} terms",
                )
            if not isinstance(answer, bool):
                raise self.fail(path, "project_wrong_type", f"the answer to '{qid}' must be true or false")
            if answer is False and term in listed[section]:
                raise self.fail(
                    path,
                    "project_answer_contradicts",
                    f"'{qid}: false' contradicts '{term}' listed in '{section}'",
                    hint=f"remove '{term}' from {section} or the answer",
                )
            flags[qid] = answer
        return flags, numbers, tuple(str(k) for k in value)

    def quantities(
        self, value: Any, path_prefix: tuple[str, ...] = ("quantities",), label: str | None = None
    ) -> dict[str, float]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(("quantities",), "project_wrong_type", "'quantities' must be a mapping, e.g. {beds: 120}")
        terms = self.vocab.terms("quantities")
        out: dict[str, float] = {}
        for name, amount in value.items():
            path = (*path_prefix, label or name)
            term = terms.get(str(name))
            if term is None:
                raise self.fail(
                    path,
                    "project_unknown_quantity",
                    f"unknown quantity '{name}'",
                    hint=did_you_mean(str(name), terms) or "see `envscreen vocabulary` for quantity names",
                )
            if isinstance(amount, bool) or not isinstance(amount, (int, float)):
                raise self.fail(path, "project_wrong_type", f"'{name}' must be a number in {term.unit}, not '{amount}'")
            try:
                x = float(amount)
            except OverflowError:  # an integer too large for a float: negative or absurd below
                x = math.inf if amount > 0 else -math.inf
            if isinstance(amount, float) and (math.isnan(x) or math.isinf(x)):
                raise self.fail(path, "project_bad_quantity", f"'{name}' must be a finite number")
            if x < 0:
                raise self.fail(
                    path,
                    "project_bad_quantity",
                    f"'{name}' cannot be negative ({amount} {term.unit})",
                    hint="give the newly added amount (说明2); a reduction is 0",
                )
            if term.max is not None and x > term.max:
                raise self.fail(
                    path,
                    "project_absurd_quantity",
                    f"'{name}' = {amount} {term.unit} exceeds the plausible maximum {term.max:g} {term.unit}",
                    hint="check the unit and the number of zeros",
                )
            out[str(name)] = x
        return out

    def location(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(("location",), "project_wrong_type", "'location' must be a mapping")
        return dict(value)

    def site(self, value: Any) -> Site | None:
        if value is None:
            return None
        # Imported here: shapely costs a cold `envscreen check` of a project without a site.
        from .site import directory_files, parse_site

        return parse_site(value, self.fail, files=None if self.base_dir is None else directory_files(self.base_dir))


def _bad_code_hint(code: str) -> str:
    if _SECTION_CODE.match(code):
        # "C3360" is how some registries print a class: the directory matches the digits.
        digits = code[1:]
        if digits:
            return f"write the digits only: '{digits}' (the section letter {code[0].upper()} is implied)"
        return f"a section letter is too broad: give a division or finer code (`envscreen codes {code.upper()}`)"
    return (
        "codes have 2 to 4 digits, e.g. '33' (division), '336' (group), '3360' (class); "
        "`envscreen codes WORDS` finds one"
    )


def _suggestion_hint(code: str, known: IndustryCodes) -> str:
    near = known.suggest(code)
    listed = "; ".join(f"'{c.code}' {c.name_zh}" for c in near)
    head = f"did you mean {listed}?" if listed else "no similar code"
    return f"{head} Find a code by words: `envscreen codes 家具` or GET /v1/codes?q=家具"
