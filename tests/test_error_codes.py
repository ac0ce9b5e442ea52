"""Every error code raised in screening/ and api/ is in the registry (screening/error_codes.py),
every registry entry is raised, and docs/output.md's table is generated from the registry.

Codes are found in the source by AST: the first argument of the error classes of
screening/errors.py (and their subclasses), the code argument of the helpers that pass one of
their parameters on as that argument (found the same way, to a fixed point), the slug of
api/problems.ProblemError, and `"code": ...` in the error items of api/ problem bodies. An
f-string code such as `project_unknown_{key}` is a family: it must match registry entries."""

from __future__ import annotations

import ast
import fnmatch
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from screening.error_codes import CODES, PROBLEM_TYPES

from .conftest import ROOT

# The site readers raise their own small problems (code, message, hint), which site.py turns
# into ProjectErrors with the field and line: their codes are the ProjectError's.
ERROR_CLASSES = {"EnvscreenError", "CoordinateProblem", "TableProblem", "SiteFileProblem"}
# Callables the scan cannot follow by name: site.py's `self.fail` is a callback (project.py's
# `fail` or site.py's `_default_fail`), the PostGIS source calls zonelayers' `LayerSpec.error`.
CALLBACKS = {"screening/project/site.py": {"fail": 1}, "screening/zones/postgis.py": {"error": 0}}
# YamlDoc's shared validation helpers take the error class first, then the code.
DOC_HELPERS = {"error", "mapping", "only_keys"}
SOURCES = sorted([*ROOT.glob("screening/**/*.py"), *ROOT.glob("api/**/*.py")])


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _code_arg(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _pattern(node: ast.expr) -> str | None:
    """The code a node gives: a literal, `*` for each f-string placeholder, None if not written out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace":
        return _pattern(node.func.value)  # f"request_{type}".replace(".", "_")
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)
    return None


def _doc_helper(call: ast.Call, classes: set[str]) -> bool:
    """`doc.error(RuleError, "rule_bad_list", ...)`: a YamlDoc helper given an error class."""
    return _name(call.func) in DOC_HELPERS and bool(call.args) and _name(call.args[0]) in classes


def scan() -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Return (codes, problem slugs, unresolved call sites): code -> where it is raised."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in SOURCES}
    classes = set(ERROR_CLASSES)
    for _ in range(3):  # subclasses of subclasses
        for tree in trees.values():
            for n in ast.walk(tree):
                if isinstance(n, ast.ClassDef) and any(_name(b) in classes for b in n.bases):
                    classes.add(n.name)
    # Helpers, per file (a `self.fail` means the one in that file): name -> index of the code.
    helpers: dict[Path, dict[str, int]] = defaultdict(dict)
    for rel, known in CALLBACKS.items():
        helpers[ROOT / rel].update(known)
    changed = True
    while changed:
        changed = False
        for path, tree in trees.items():
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef) or fn.name in helpers[path]:
                    continue
                params = [a.arg for a in fn.args.args if a.arg not in ("self", "cls")]
                for call in ast.walk(fn):
                    if not isinstance(call, ast.Call):
                        continue
                    if _doc_helper(call, classes):
                        index: int | None = 1
                    else:
                        index = 0 if _name(call.func) in classes else helpers[path].get(_name(call.func) or "")
                    arg = None if index is None else _code_arg(call, index, "code")
                    if isinstance(arg, ast.Name) and arg.id in params:
                        helpers[path][fn.name] = params.index(arg.id)
                        changed = True
                        break
    codes: dict[str, list[str]] = defaultdict(list)
    slugs: dict[str, list[str]] = defaultdict(list)
    unresolved = []
    for path, tree in trees.items():
        rel = path.relative_to(ROOT)
        own = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef) and fn.name in helpers[path]}
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and rel.parts[0] == "api":
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "code":
                        code = _pattern(v)
                        if code is not None:
                            codes[code].append(f"{rel}:{node.lineno}")
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func) or ""
            if name == "ProblemError":
                slug = _code_arg(node, 1, "slug")
                target, found = slugs, _pattern(slug) if slug is not None else None
            elif name in classes or name in helpers[path] or _doc_helper(node, classes):
                index = 1 if _doc_helper(node, classes) else 0 if name in classes else helpers[path][name]
                arg = _code_arg(node, index, "code")
                if isinstance(arg, ast.Attribute) and arg.attr == "code":
                    continue  # `p.code`: a caught error's code passed on, scanned where that error is raised
                target, found = codes, _pattern(arg) if arg is not None else None
            else:
                continue
            if found is not None:
                target[found].append(f"{rel}:{node.lineno}")
            else:
                inside = any(
                    isinstance(fn, ast.FunctionDef) and fn.name in own and fn.lineno <= node.lineno <= fn.end_lineno
                    for fn in ast.walk(tree)
                )
                if not inside:  # inside a helper the code is its parameter, checked where it is called
                    unresolved.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
    return dict(codes), dict(slugs), unresolved


CODES_FOUND, SLUGS_FOUND, UNRESOLVED = scan()


def _covered(pattern: str, registry: dict[str, object]) -> set[str]:
    if "*" not in pattern:
        return {pattern} & set(registry)
    return {c for c in registry if fnmatch.fnmatchcase(c, pattern) or re.sub(r"\{[^}]*\}", "*", c) == pattern}


def test_the_scan_finds_codes() -> None:
    # The scan itself can fail: it must see the codes it is known to raise, through helpers too.
    assert {"yaml_alias", "project_unknown_field", "site_bad_crs", "zone_layer_empty"} <= set(CODES_FOUND)
    assert "project_unknown_*" in CODES_FOUND and "not-found" in SLUGS_FOUND


def test_every_code_is_a_literal() -> None:
    # A code computed at run time escapes the registry; the dynamic slug of the HTTP handler is
    # api.problems._TITLES, checked below.
    assert [u for u in UNRESOLVED if "ProblemError(exc.status_code, slug" not in u] == []


def test_every_code_raised_is_in_the_registry() -> None:
    missing = {code: where for code, where in CODES_FOUND.items() if not _covered(code, CODES)}
    assert missing == {}


def test_every_problem_type_raised_is_in_the_registry() -> None:
    from api.problems import _TITLES

    tree = ast.parse((ROOT / "api" / "problems.py").read_text(encoding="utf-8"))
    fallback = {  # `_TITLES.get(status, ("http-error", ...))`
        call.args[1].elts[0].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and ast.unparse(call.func) == "_TITLES.get"
        and isinstance(call.args[1], ast.Tuple)
        if isinstance(call.args[1].elts[0], ast.Constant)
    }
    assert fallback
    raised = set(SLUGS_FOUND) | {slug for slug, _ in _TITLES.values()} | fallback
    assert raised - set(PROBLEM_TYPES) == set()
    assert {s for s, e in PROBLEM_TYPES.items() if not e.reserved} - raised == set()


def test_every_registry_entry_is_raised_or_reserved() -> None:
    used = {c for pattern in CODES_FOUND for c in _covered(pattern, CODES)}
    unused = {c for c, e in CODES.items() if c not in used and not e.reserved}
    assert unused == set()
    reserved_but_used = {c for c, e in CODES.items() if c in used and e.reserved}
    assert reserved_but_used == set()


def test_registry_entries_name_a_real_class() -> None:
    import api.problems
    import screening.errors

    for code, entry in {**CODES, **PROBLEM_TYPES}.items():
        assert hasattr(screening.errors, entry.error) or hasattr(api.problems, entry.error), code
        assert entry.meaning and "\n" not in entry.meaning, code


def test_docs_error_table_is_generated_from_the_registry() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_error_docs.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr
