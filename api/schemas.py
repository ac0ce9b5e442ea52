"""Request and response schemas, named by role (ScreeningCreate, ScreeningPublic, ...).

The project itself is validated by `screening` (vocabulary, units, line numbers); the
ProjectCreate schema here documents it in OpenAPI and is not used to reject input, so a
request gets envscreen's own located error rather than a generic one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .problems import Problem

PROJECT_EXAMPLE: dict[str, Any] = {
    "name": "某家具公司年产2万套实木家具新建项目",
    "construction": "new",
    "industry_codes": ["2110"],
    "industrial_building": True,
    "processes": ["cutting_welding_assembly_only"],
    "quantities": {"solvent_coating_t_per_year": 12},
}
PROJECT_YAML_EXAMPLE = """\
name: 某家具公司年产2万套实木家具新建项目
construction: new
industry_codes: ["2110"]
industrial_building: true
processes: [cutting_welding_assembly_only]
quantities:
  solvent_coating_t_per_year: 12
"""


class ProjectCreate(BaseModel):
    """A project, with the fields of the YAML project format (docs/project-format.md)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PROJECT_EXAMPLE]})

    name: str = Field(description="project name")
    construction: str = Field(
        description="new | expansion | relocation | renovation | standard_upgrade_only", examples=["new"]
    )
    id: str | None = Field(default=None, description="your own reference for the project")
    project_code: str | None = Field(
        default=None,
        description="the national investment project code (项目代码); records can be looked up by it",
        pattern=r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$",
        examples=["2020-330999-26-03-012345"],
    )
    description: str | None = None
    industry_codes: list[str] | None = Field(default=None, description="GB/T 4754-2017 codes, as strings")
    project_types: list[str] | None = Field(default=None, description="for items without an industry code")
    processes: list[str] | None = Field(default=None, description="the complete list; [] declares none")
    features: list[str] | None = Field(
        default=None, description="features that hold; one not listed is asked unless answered false in answers"
    )
    industrial_building: bool | None = None
    quantities: dict[str, float] | None = Field(default=None, description="newly added amounts; unit in the name")
    sensitive_areas: list[str] | None = Field(default=None, description="[] declares none")
    touches_main_works: bool | None = None
    application_date: dt.date | None = None
    location: dict[str, Any] | None = Field(default=None, description="the site (docs/zones.md)")
    answers: dict[str, bool | float] | None = Field(
        default=None,
        description="answers to POST /v1/questions by question id",
        examples=[{"features.livestock_scale_farm": True, "quantities.livestock_pig_eq_output_head_per_year": 6000}],
    )


class Versions(BaseModel):
    """What produced a decision: every rule pack and zone layer loaded when it was made."""

    rule_packs: list[dict[str, Any]] = Field(
        examples=[[{"id": "directory-2021", "version": "2021.0", "kind": "directory", "jurisdiction": "CN"}]]
    )
    zone_layers: dict[str, str] = Field(examples=[{"control_units": "2025.1"}])


DECISION_DOC = "the decision in the stable JSON form of docs/output.md (schema envscreen/decision/v2)"


class ValueChange(BaseModel):
    """One field of a decision, as stored (old) and as screened again (new)."""

    field: str = Field(examples=["tier"])
    old: Any = Field(examples=["registration"])
    new: Any = Field(examples=["report_form"])


class ImpactProject(BaseModel):
    """A stored screening whose outcome changes under today's rules, and the rules behind it."""

    id: str
    created_at: dt.datetime
    project_name: str | None
    changes: list[ValueChange] = Field(description="tier, national_tier, status, admissibility, procedure: old -> new")
    rules_added: list[str] = Field(description="rules (directory clauses, list entries) that hold now, not then")
    rules_removed: list[str] = Field(description="rules that held then, not now")


class ImpactFailure(BaseModel):
    id: str
    code: str
    message: str


class ImpactTransition(BaseModel):
    field: str
    old: Any
    new: Any
    projects: int


class ImpactReport(BaseModel):
    """Stored screenings screened again with today's rules and zones: which outcomes move."""

    total: int = Field(description="records that pass the filters")
    checked: int = Field(description="records screened again in this page")
    changed: list[ImpactProject]
    unchanged: int
    failed: list[ImpactFailure] = Field(description="records whose input no longer screens, with the error")
    summary: list[ImpactTransition] = Field(description="projects per change of each field, in this page")
    next: str | None = Field(description="the next page, or null")
    versions: Versions


class Rerun(BaseModel):
    """The stored input screened again with today's rules and zones."""

    decision: dict[str, Any] = Field(description=DECISION_DOC)
    agrees: bool = Field(description="true when no field of the decision differs (screened_on aside)")
    differences: list[str] = Field(description="decision fields that differ, e.g. tier, admissibility.status")
    changes: list[ValueChange] = Field(description="each differing field with its stored and its new value")
    versions: Versions


class ScreeningPublic(BaseModel):
    """A stored screening: the advice given and what produced it."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$", examples=["3f2b6c0e9d8a4b7c8e1f2a3b4c5d6e7f"])
    created_at: dt.datetime
    decision: dict[str, Any] = Field(description=DECISION_DOC)
    versions: Versions
    project_name: str | None = None
    input: dict[str, str] | None = Field(default=None, description="{media_type, text} as submitted (GET only)")
    envscreen_version: str | None = None
    rerun: Rerun | None = None


class ScreeningSummary(BaseModel):
    """One stored screening in a list: what an agency filters and counts by."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    created_at: dt.datetime
    project_name: str
    project_id: str | None = Field(default=None, description="the project's own `id`")
    project_code: str | None = Field(default=None, description="the national 项目代码, when the project gave one")
    status: str | None = Field(default=None, description="determined | needs_more_information | needs_manual_check")
    tier: str | None = Field(default=None, description="the final tier (local packs applied); null while open")
    national_tier: str | None = None
    admissibility: str | None = None
    pack_versions: list[str] = Field(description="id@version of the directory edition and the local packs applied")
    envscreen_version: str


class ScreeningPage(BaseModel):
    """A page of stored screenings, newest first, and how many pass the filters in all."""

    total: int
    limit: int
    offset: int
    items: list[ScreeningSummary]
    next: str | None = Field(default=None, description="the URL of the next page; null on the last")


class BatchCreate(BaseModel):
    """Many projects at once: each an object (JSON project) or a string (project YAML text)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"projects": [PROJECT_EXAMPLE, {"name": "x", "construction": "neww"}]}]}
    )

    projects: list[dict[str, Any] | str] = Field(description="at most the server's batch limit (default 100)")


class BatchResult(BaseModel):
    """One project's outcome: a decision (stored, with its id) or a problem; never both."""

    index: int
    id: str | None = None
    decision: dict[str, Any] | None = None
    error: Problem | None = None


class BatchPublic(BaseModel):
    results: list[BatchResult]


class RulePackSummary(BaseModel):
    id: str
    kind: str = Field(description="directory (the national directory) | local (access lists, local instruments)")
    title: str
    version: str
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    illustrative: bool = False
    size: int = Field(description="number of items (directory) or entries (local)")


class RulePacksPublic(BaseModel):
    rule_packs: list[RulePackSummary]


class RulePackPublic(RulePackSummary):
    """A rule pack with every rule and its citation."""

    items: list[dict[str, Any]] = Field(
        default_factory=list, description="directory: items, their columns and clauses, each with its citation"
    )
    lists: list[dict[str, Any]] = Field(
        default_factory=list, description="local: lists and their entries, each with its citation"
    )
    tiers: dict[str, dict[str, Any]] = Field(default_factory=dict)


class ZoneLayerPublic(BaseModel):
    id: str
    kind: str
    version: str | None = None
    date: str | None = None
    source: str | None = None
    feature_count: int
    bbox: list[float] | None = Field(default=None, description="[minlon, minlat, maxlon, maxlat], WGS84")


class ZoneLayersPublic(BaseModel):
    region: dict[str, Any] | None = None
    layers: list[ZoneLayerPublic]


class FeatureCollection(BaseModel):
    """GeoJSON (RFC 7946), WGS84 lon/lat."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["FeatureCollection"])
    features: list[dict[str, Any]]


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str
    rule_packs: int
    zone_layers: int
    database: str = Field(examples=["sqlite"])


class CodeRef(BaseModel):
    code: str
    name_zh: str


class CodePublic(CodeRef):
    """A GB/T 4754-2017 code found by words, with the directory items it falls into."""

    level: str = Field(description="section | division | group | class (门类 | 大类 | 中类 | 小类)")
    path: list[CodeRef] = Field(description="from the section down to this code")
    items: list[int] = Field(description="directory items the whole code lies within")
    items_below: list[int] = Field(description="items that cover only some codes below it: give a finer code")


class CodesPublic(BaseModel):
    query: str
    codes: list[CodePublic]


class QuestionsPublic(BaseModel):
    """The questions whose answers decide a project's tier (docs/output.md, envscreen/questions/v1)."""

    model_config = ConfigDict(extra="allow")

    schema_: str = Field(alias="schema", examples=["envscreen/questions/v1"])
    project: str
    status: str = Field(examples=["needs_more_information"])
    tier: str | None = None
    tier_range: list[str] = Field(examples=[["exempt", "report_book"]])
    questions: list[dict[str, Any]] = Field(
        description="most decisive first: id (the answers key), kind (bool | number | choice), zh, en, unit, max, "
        "choices, items, moves (item, tier, rule_id, op, threshold)"
    )
    assumptions: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class SiteProperties(BaseModel):
    kind: str = Field(description="point | line | polygon", examples=["polygon"])
    crs: str = Field(description="the crs the coordinates were read in, e.g. EPSG:4528, wgs84", examples=["EPSG:4528"])
    warnings: list[str] = Field(description="e.g. a DXF with closed polylines on several layers (their union)")
    vertices: int = Field(
        description="vertices of the site as read (after any simplification; a ring's closing point not counted)"
    )


class SitePublic(BaseModel):
    """A site read from a file or table: a GeoJSON Feature in WGS84 lon/lat. Its geometry goes
    into a project as `location: {crs: wgs84, geometry: ...}`."""

    type: str = Field(examples=["Feature"])
    geometry: dict[str, Any]
    properties: SiteProperties
