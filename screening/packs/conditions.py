"""Condition trees: parse them from rule data, evaluate them in three-valued logic, and
compile them to durable-rules expressions. Nothing here executes rule-supplied code."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Union

from ..errors import RuleError, did_you_mean
from .vocabulary import Vocabulary

# Fact keys are flat property names of one durable-rules message, prefixed by kind.
PREFIX = {
    "quantities": "q_",
    "processes": "p_",
    "features": "f_",
    "project_types": "t_",
    "industry_codes": "c_",
    "sensitive_areas": "sa_",
    "zones": "z_",
}
# A zone leaf names zones by these fields (docs/zones.md); its fact key carries them, sorted.
ZONE_KINDS = (
    "admin_boundary",
    "control_unit",
    "ecological_red_line",
    "sensitive_area",
    "park",
    "reform_area",
    "urban_built_up_area",
)
ZONE_FIELDS = ("kind", "code", "unit_class", "sensitive_area", "protection_class", "park_type", "within_m")
CONSTRUCTION_KEY = "k_construction"
INDUSTRIAL_BUILDING_KEY = "b_industrial_building"

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "neq": operator.ne,
}
NEGATE = {"gte": "lt", "gt": "lte", "lt": "gte", "lte": "gt", "eq": "neq", "neq": "eq"}
SYMBOL = {"gte": "≥", "gt": ">", "lt": "<", "lte": "≤", "eq": "=", "neq": "≠"}


@dataclass(frozen=True)
class Cmp:
    """A leaf: fact `key` compared with `value`. `section`/`term` say what the fact is."""

    key: str
    op: str
    value: Any
    section: str
    term: str | None = None


@dataclass(frozen=True)
class Manual:
    """A clause part no project fact can decide: always unknown."""

    text: str


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]

    @cached_property
    def leaf_tuple(self) -> tuple[Cmp | Manual, ...]:
        # computed once per tree: a screening walks each clause's leaves several times
        return tuple(leaf for c in self.children for leaf in leaves(c))


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]

    @cached_property
    def leaf_tuple(self) -> tuple[Cmp | Manual, ...]:
        return tuple(leaf for c in self.children for leaf in leaves(c))


@dataclass(frozen=True)
class Not:
    child: Node

    @cached_property
    def leaf_tuple(self) -> tuple[Cmp | Manual, ...]:
        return leaves(self.child)


Node = Union[bool, Cmp, Manual, All, AnyOf, Not]
MISSING: Any = object()


# ---------------------------------------------------------------- parsing rule data


class ConditionParser:
    """Turn the YAML condition grammar (docs/rule-packs.md) into a Node tree."""

    def __init__(
        self,
        vocab: Vocabulary,
        source: str,
        line_of: Callable[[tuple[Any, ...]], int | None],
        *,
        allow_zones: bool = False,
    ) -> None:
        self.vocab = vocab
        self.source = source
        self.line_of = line_of
        self.allow_zones = allow_zones  # zone leaves belong to local packs, not to the directory

    def fail(self, path: tuple[Any, ...], message: str, hint: str | None = None) -> RuleError:
        return RuleError(
            "rule_bad_condition",
            message,
            file=self.source,
            line=self.line_of(path),
            field=".".join(str(p) for p in path),
            hint=hint,
        )

    def known_code(self, code: str, path: tuple[Any, ...]) -> None:
        """Refuse a code the GB/T 4754-2017 list does not hold: a pack citing it could never match."""
        codes = self.vocab.industry_codes
        if codes is None or code in codes:
            return
        near = "; ".join(f"{c.code} {c.name_zh}" for c in codes.suggest(code, 3))
        raise RuleError(
            "rule_unknown_code",
            f"'{code}' is not a GB/T 4754-2017 code",
            file=self.source,
            line=self.line_of(path),
            field=".".join(str(p) for p in path),
            hint=f"did you mean {near}?" if near else None,
        )

    def parse(self, spec: Any, path: tuple[Any, ...], scope: tuple[str, ...]) -> Node:
        if spec is True or spec is False:
            return bool(spec)
        if spec == "TODO" or spec is None:
            raise self.fail(path, "condition not written yet (TODO)")
        if not isinstance(spec, dict) or not spec:
            raise self.fail(path, f"a condition must be true or a mapping, not {spec!r}")
        for combinator, cls in (("all", All), ("any", AnyOf)):
            if combinator in spec:
                self.only(spec, path, {combinator})
                items = spec[combinator]
                if not isinstance(items, list) or not items:
                    raise self.fail(path, f"'{combinator}' needs a non-empty list of conditions")
                return cls(tuple(self.parse(c, path + (combinator, i), scope) for i, c in enumerate(items)))
        if "not" in spec:
            self.only(spec, path, {"not"})
            return Not(self.parse(spec["not"], path + ("not",), scope))
        if "quantity" in spec:
            return self.quantity(spec, path)
        for section, key in (("process", "processes"), ("feature", "features"), ("project_type", "project_types")):
            if section in spec:
                self.only(spec, path, {section})
                term = self.term(spec[section], key, path + (section,))
                return Cmp(PREFIX[key] + term, "eq", True, key, term)
        if "industry_code" in spec:
            self.only(spec, path, {"industry_code"})
            code = str(spec["industry_code"])
            if not code.isdigit() or not 2 <= len(code) <= 4:
                raise self.fail(path + ("industry_code",), f"'{code}' is not a 2-4 digit GB/T 4754 code (quote it)")
            self.known_code(code, path + ("industry_code",))
            return Cmp(PREFIX["industry_codes"] + code, "eq", True, "industry_codes", code)
        if "construction" in spec:
            self.only(spec, path, {"construction"})
            kinds = spec["construction"]
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not isinstance(kinds, list) or not kinds:
                raise self.fail(path, "'construction' needs a list of construction kinds")
            return AnyOf(
                tuple(
                    Cmp(
                        CONSTRUCTION_KEY,
                        "eq",
                        self.term(k, "construction_kinds", path + ("construction",)),
                        "construction",
                        k,
                    )
                    for k in kinds
                )
            )
        if "industrial_building" in spec:
            self.only(spec, path, {"industrial_building"})
            if not isinstance(spec["industrial_building"], bool):
                raise self.fail(path, "'industrial_building' takes true or false")
            return Cmp(INDUSTRIAL_BUILDING_KEY, "eq", spec["industrial_building"], "industrial_building")
        if "sensitive_area" in spec:
            self.only(spec, path, {"sensitive_area"})
            kinds = spec["sensitive_area"]
            if kinds == "in_scope":
                if not scope:
                    raise self.fail(path, "'sensitive_area: in_scope' but the row has no sensitive_area_scope kinds")
                kinds = list(scope)
            if not isinstance(kinds, list) or not kinds:
                raise self.fail(path, "'sensitive_area' takes in_scope or a list of sensitive-area kinds")
            return AnyOf(
                tuple(
                    Cmp(
                        PREFIX["sensitive_areas"] + self.term(k, "sensitive_areas", path + ("sensitive_area",)),
                        "eq",
                        True,
                        "sensitive_areas",
                        k,
                    )
                    for k in kinds
                )
            )
        if "zone" in spec:
            self.only(spec, path, {"zone"})
            return self.zone(spec["zone"], path + ("zone",))
        if "manual_check" in spec:
            self.only(spec, path, {"manual_check"})
            text = spec["manual_check"]
            if not isinstance(text, str) or len(text) < 8:
                raise self.fail(path, "'manual_check' needs a sentence saying what to check and why")
            return Manual(text)
        raise self.fail(
            path,
            f"unknown condition {sorted(spec)}",
            hint="see docs/rule-packs.md: all, any, not, quantity, process, feature, project_type, "
            "industry_code, construction, industrial_building, sensitive_area, zone, manual_check",
        )

    def zone(self, spec: Any, path: tuple[Any, ...]) -> Node:
        """`zone: {kind: park, park_type: chemical}`: the site lies in (or, with within_m, near)
        a zone of that description. Unknown when no layer of that kind covers the site."""
        if not self.allow_zones:
            raise self.fail(path, "zone conditions belong to local rule packs (kind: local), not to the directory")
        if not isinstance(spec, dict) or "kind" not in spec:
            raise self.fail(path, "'zone' needs a mapping with at least 'kind'", hint=f"kinds: {', '.join(ZONE_KINDS)}")
        for k in spec:
            if k not in ZONE_FIELDS:
                raise self.fail(path + (k,), f"unknown zone field '{k}'", hint=did_you_mean(str(k), ZONE_FIELDS))
        if spec["kind"] not in ZONE_KINDS:
            raise self.fail(
                path + ("kind",),
                f"unknown zone kind '{spec['kind']}'",
                hint=did_you_mean(str(spec["kind"]), ZONE_KINDS) or f"kinds: {', '.join(ZONE_KINDS)}",
            )
        if "sensitive_area" in spec:
            self.term(spec["sensitive_area"], "sensitive_areas", path + ("sensitive_area",))
        if "unit_class" in spec and spec["unit_class"] not in ("priority", "key", "general"):
            raise self.fail(path + ("unit_class",), "unit_class is priority, key or general")
        within = spec.get("within_m")
        if within is not None and (isinstance(within, bool) or not isinstance(within, (int, float)) or within <= 0):
            raise self.fail(path + ("within_m",), "within_m needs a positive distance in metres")
        term = zone_term({k: spec[k] for k in ZONE_FIELDS if k in spec})
        return Cmp(PREFIX["zones"] + term, "eq", True, "zones", term)

    def only(self, spec: dict[str, Any], path: tuple[Any, ...], allowed: set[str]) -> None:
        extra = set(spec) - allowed
        if extra:
            raise self.fail(
                path,
                f"unexpected keys {sorted(extra)} beside {sorted(allowed)}",
                hint="wrap several conditions in 'all:' or 'any:'",
            )

    def term(self, term: Any, section: str, path: tuple[Any, ...]) -> str:
        terms = self.vocab.terms(section)
        if not isinstance(term, str) or term not in terms:
            raise RuleError(
                "rule_unknown_term",
                f"unknown {section} term '{term}'",
                file=self.source,
                line=self.line_of(path),
                field=".".join(map(str, path)),
                hint=did_you_mean(str(term), terms) or "add it to rules/vocabulary.yaml",
            )
        return term

    def quantity(self, spec: dict[str, Any], path: tuple[Any, ...]) -> Node:
        name = self.term(spec["quantity"], "quantities", path + ("quantity",))
        self.only(spec, path, {"quantity", *_OPS} - {"eq", "neq"})
        parts: list[Node] = []
        for op in ("gte", "gt", "lt", "lte"):
            if op in spec:
                value = spec[op]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise self.fail(path + (op,), f"'{op}' needs a number, not {value!r}")
                if value != 0 and not MIN_THRESHOLD <= abs(value) <= MAX_VALUE:
                    raise self.fail(
                        path + (op,),
                        f"threshold {value} is outside 0.001 .. 1e12",
                        hint="express the quantity in a unit that keeps thresholds in that range",
                    )
                parts.append(Cmp(PREFIX["quantities"] + name, op, float(value), "quantities", name))
        if not parts:
            raise self.fail(path, f"quantity '{name}' needs a comparison: gte, gt, lt or lte")
        return parts[0] if len(parts) == 1 else All(tuple(parts))


def zone_term(selector: Mapping[str, Any]) -> str:
    """The canonical text of a zone selector, which is also its fact name.

    >>> zone_term({"park_type": "chemical", "kind": "park"})
    'kind=park;park_type=chemical'
    """
    parts = [f"{k}={selector[k]:g}" if k == "within_m" else f"{k}={selector[k]}" for k in ZONE_FIELDS if k in selector]
    return ";".join(parts)


def zone_selector(term: str) -> dict[str, Any]:
    """The selector of a canonical zone term (inverse of zone_term)."""
    out: dict[str, Any] = {}
    for part in term.split(";"):
        k, _, v = part.partition("=")
        out[k] = float(v) if k == "within_m" else v
    return out


# ---------------------------------------------------------------- normal form


def nnf(node: Node, negate: bool = False) -> Node:
    """Return `node` (or its negation) with every `not` pushed down to the leaves."""
    if isinstance(node, bool):
        return node != negate
    if isinstance(node, Cmp):
        return Cmp(node.key, NEGATE[node.op], node.value, node.section, node.term) if negate else node
    if isinstance(node, Manual):
        return node
    if isinstance(node, Not):
        return nnf(node.child, not negate)
    if isinstance(node, All):
        kids = tuple(nnf(c, negate) for c in node.children)
        return AnyOf(kids) if negate else All(kids)
    kids = tuple(nnf(c, negate) for c in node.children)
    return All(kids) if negate else AnyOf(kids)


def leaves(node: Node) -> tuple[Cmp | Manual, ...]:
    """The leaves of a tree, left to right (with repeats)."""
    if isinstance(node, (Cmp, Manual)):
        return (node,)
    if isinstance(node, (All, AnyOf, Not)):
        return node.leaf_tuple
    return ()


# ---------------------------------------------------------------- three-valued evaluation


Override = Mapping[Cmp, bool]
"""Leaves forced to a value, for "what would change the outcome" (leaf -> True/False)."""


def evaluate(node: Node, facts: Mapping[str, Any], override: Override | None = None) -> bool | None:
    """Evaluate an NNF tree in Kleene logic: None means unknown. The one evaluator of condition
    trees; `override` forces some leaves (for "what would change").

    >>> evaluate(Cmp("q_beds", "gte", 20.0, "quantities", "beds"), {"q_beds": 19})
    False
    >>> leaf = Cmp("q_beds", "gte", 20.0, "quantities", "beds")
    >>> evaluate(All((leaf, True)), {}), evaluate(All((leaf, True)), {}, {leaf: True})
    (None, True)
    """
    if isinstance(node, bool):
        return node
    if isinstance(node, Cmp):
        if override and node in override:
            return override[node]
        v = facts.get(node.key, MISSING)
        return None if v is MISSING else _OPS[node.op](v, node.value)
    if isinstance(node, Manual):
        return None
    if not isinstance(node, (All, AnyOf)):
        raise TypeError("evaluate() needs a tree in normal form")
    # all: False decides, any: True decides; otherwise one unknown child makes it unknown
    deciding = not isinstance(node, All)
    result: bool | None = not deciding
    for c in node.children:
        r = evaluate(c, facts, override)
        if r is deciding:
            return deciding
        if r is None:
            result = None
    return result


# ---------------------------------------------------------------- durable-rules expressions

# Each three-valued fact travels as two message properties, its lowest and highest possible
# value: known facts have lo == hi, unknown ones span everything. A "certainly" test then
# reads the pessimistic end and a "possibly" test the optimistic one, so no leaf needs an
# `$or` with `$nex`: durable-rules 2.0.28 rejects (error 113) an `$or` of 14 or more compound
# branches, and such per-leaf `$or`s multiply inside every `$and`.
# durable-rules' JSON reader rejects exponent notation (error 204), which Python's json module
# writes below 1e-4 and from 1e16 up: so sentinels, thresholds and values all stay in between.
UNKNOWN_LOW = -1e15
UNKNOWN_HIGH = 1e15
MAX_VALUE = 1e12
MIN_THRESHOLD = 0.001
MAX_COMPOUND_BRANCHES = 12


def lo(key: str) -> str:
    return key + "__lo"


def hi(key: str) -> str:
    return key + "__hi"


def is_numeric(key: str) -> bool:
    return key.startswith(PREFIX["quantities"])


def wire_number(v: float) -> float:
    """A quantity as durable-rules can read it: a positive value below 1e-4 (which json would
    write as 1e-05) becomes 1e-4, which compares the same with 0 and every threshold >= 0.001."""
    return 1e-4 if 0 < v < 1e-4 else v


def _leaf(node: Cmp, possible: bool) -> dict[str, Any]:
    if node.key == CONSTRUCTION_KEY:  # a required field: never unknown
        return {node.key: node.value} if node.op == "eq" else {"$" + node.op: {node.key: node.value}}
    if is_numeric(node.key):
        lower_bound = node.op in ("gte", "gt")
        end = hi if lower_bound == possible else lo
        return {"$" + node.op: {end(node.key): node.value}}
    wanted = (node.op == "eq") == bool(node.value)  # flags travel as 0/1
    if wanted:
        return {(hi if possible else lo)(node.key): 1}
    return {(lo if possible else hi)(node.key): 0}


def to_durable(node: Node, possible: bool) -> dict[str, Any] | bool:
    """Compile an NNF tree to a durable-rules expression, folding constants.

    possible=False: holds when the tree is certainly true (unknown facts count as false).
    possible=True: holds when the tree may be true (unknown facts count as true).
    """
    if isinstance(node, bool):
        return node
    if isinstance(node, Manual):
        return possible
    if isinstance(node, Cmp):
        return _leaf(node, possible)
    is_all = isinstance(node, All)
    assert isinstance(node, (All, AnyOf))
    op = "$and" if is_all else "$or"
    parts: list[dict[str, Any]] = []
    for c in node.children:
        d = to_durable(c, possible)
        if d is (not is_all):  # False inside all, True inside any: decides the whole
            return not is_all
        if d is is_all:  # neutral element
            continue
        assert isinstance(d, dict)
        parts.extend(d[op] if set(d) == {op} else [d])  # flatten nested and/and, or/or
    if not parts:
        return is_all
    if len(parts) == 1:
        return parts[0]
    compound = sum(1 for p in parts if set(p) & {"$and", "$or"})
    if not is_all and compound > MAX_COMPOUND_BRANCHES:
        raise ValueError(
            f"an 'any' with {compound} compound branches (durable-rules accepts at most {MAX_COMPOUND_BRANCHES})"
        )
    return {op: parts}
