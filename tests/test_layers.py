"""Import rules: which layer may import what (issue 12). Read from the source with `ast`, so a
function-local import counts as much as one at the top.

- durable-rules is imported only by the engine (screening/engine/durable.py): its hazards
  (../shared/engine/DURABLE-RULES.md) stay behind one wrapper.
- The core never imports the HTTP adapter: only `screening/cli.py` may, and only `api.serve`
  (the `serve` verb's one entry point), never the adapter's settings or internals.
- The stages import only earlier stages, in pipeline order (STAGES): a report never reaches into
  the engine's state, the project model never knows about zones. `packs/cases.py` runs whole
  screenings, so it sits on top with the screener.
- The HTTP adapter reaches the core through the public names of `screening` and the few
  modules listed in API_MAY_IMPORT, never a private name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import screening

ROOT = Path(__file__).resolve().parents[1]
DURABLE_ALLOWED = {"screening/engine/durable.py"}
API_IMPORT_ALLOWED = {"screening/cli.py": {"api.serve"}}  # `envscreen serve`
# Pipeline order: a module may import its own stage and the stages before it.
STAGES = (
    "errors",
    "error_codes",
    "i18n",
    "schemas",
    "sources",
    "packs",
    "project",
    "zones",
    "facts",
    "engine",
    "decide",
    "report",
)
ON_TOP = {"screener", "cli", "__init__", "batch"}  # the pipeline, its adapters and batch runs: may import every stage
# a pack's test cases run the whole screener; its lint loads the layers the pack is meant for
TOOLS_ON_TOP = {"screening/packs/cases.py", "screening/packs/lint.py"}
API_MAY_IMPORT = {
    "screening": set(screening.__all__),
    "screening.decide.tier": {"citation"},  # the catalog prints clauses as findings cite them
    "screening.sources.json_doc": {"first_problem", "load_marked", "parse_json"},  # strict JSON bodies
    "screening.report.render": {"decision_to_dict", "questions_to_dict"},  # the JSON the API returns
    "screening.packs.ruleset": {"RuleSet"},
    "screening.i18n": {"negotiate", "normalize", "tr", "translate"},  # problem bodies in the asker's language
    "screening.project.site": {"site_from_file"},  # POST /v1/sites/parse: an uploaded site file
    # impact of a rule change over stored records: the same comparison as `envscreen rules diff`
    "screening.batch.impact": {"FIELDS", "compare", "outcome_of_decision", "value_changes"},
    # the pre-screening opinion (PDF, Word) the API returns, with the map check --map draws
    "screening.report.document": {"FORMATS", "content_disposition", "render_report", "site_map_png"},
}


def imports(source: str) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """(module, names imported from it, line) for every import in `source`, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, tuple(a.name for a in node.names), node.lineno


def violations(path: str, source: str) -> list[str]:
    """The import rules `source` (the file at `path`, relative to the repository) breaks."""
    out = []
    for module, names, line in imports(source):
        top = module.split(".")[0]
        if top == "durable" and path not in DURABLE_ALLOWED:
            out.append(f"{path}:{line}: imports durable (only {sorted(DURABLE_ALLOWED)} may)")
        if path.startswith("screening/") and top == "api" and module not in API_IMPORT_ALLOWED.get(path, ()):
            out.append(f"{path}:{line}: the core imports the API ({module})")
        if path.startswith("api/") and top == "screening":
            allowed = API_MAY_IMPORT.get(module)
            if allowed is None:
                out.append(f"{path}:{line}: imports {module}, not in API_MAY_IMPORT")
            else:
                out += [f"{path}:{line}: imports {module}.{n}" for n in names if n not in allowed or n.startswith("_")]
    if path.startswith("screening/"):
        out += stage_violations(path, source)
    return out


def stage_of(module: str) -> str:
    """The stage of a module under screening/: `decide` for screening.decide.tier."""
    return module.split(".")[1] if module.count(".") else "__init__"


def stage_violations(path: str, source: str) -> list[str]:
    parts = path.removesuffix(".py").split("/")
    own = parts[1] if len(parts) > 2 else parts[1]
    if own in ON_TOP or path in TOOLS_ON_TOP:
        return []
    package = ".".join(parts[:-1])
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:  # relative: resolve against the module's package
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        elif node.module and node.module.startswith("screening"):
            module = node.module
        else:
            continue
        # `from .. import schemas` imports the module screening.schemas
        modules = [f"{module}.{a.name}" for a in node.names] if module == "screening" else [module]
        for m in modules:
            target = stage_of(m)
            if target in ON_TOP or (target in STAGES and own in STAGES and STAGES.index(target) > STAGES.index(own)):
                out.append(f"{path}:{node.lineno}: stage {own} imports the later stage {target} ({m})")
    return out


def sources() -> list[Path]:
    return sorted([*(ROOT / "screening").rglob("*.py"), *(ROOT / "api").rglob("*.py")])


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_keeps_the_import_rules(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    assert violations(rel, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("screening/decide/tier.py", "from durable import engine\n"),
        ("screening/report/render.py", "def f():\n    from api.settings import Settings\n"),
        ("screening/cli.py", "from api.settings import Settings\n"),
        ("screening/project/model.py", "from ..zones.locate import ZoneHit\n"),
        ("screening/facts/derive.py", "from screening.decide.tier import decide\n"),
        ("screening/decide/tier.py", "from ..screener import Screener\n"),
        ("api/catalog.py", "from screening.decide.tier import _missing\n"),
        ("api/service.py", "from screening.facts.derive import Facts\n"),
    ],
)
def test_a_planted_violation_is_found(path: str, source: str) -> None:
    assert len(violations(path, source)) == 1
