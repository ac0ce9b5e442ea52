"""Stage 4, evaluate rules: compile rule packs to durable-rules rulesets once, then run
one isolated session per screening.

durable-rules 2.0.28 has measured hazards (../shared/engine/DURABLE-RULES.md); each
guard-rail below names the hazard it answers:
  1 heap corruption on delete_state after an unmatched fact  -> a catch-all rule per ruleset
  2 registration hangs at 530 rules in a ruleset              -> at most MAX_RULES per ruleset
  3 not thread-safe, background timer threads                 -> one process-wide lock; no timers
  4/5 session cap and slowdown from leaked sessions           -> fresh sid, delete_state in finally
  6 rulesets can never be removed or re-registered            -> unique names, registered once
  7 exceptions in actions are swallowed into the state        -> actions only record; state checked
  8 at most 255 properties per message                        -> at most MAX_FACTS per ruleset
  10 a session of about 20,000 facts fails (MessageObservedException; 16,000 pass, measured
     with 12 capped rules)                                    -> at most SESSION_FACTS per session
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from durable import engine as _dr

from ..errors import EngineError, RuleError
from ..facts.derive import Facts
from ..packs.conditions import Node, leaves, to_durable
from ..packs.ruleset import Item, RulePack, RuleSet
from ..project.model import Project

MAX_RULES = 200
MAX_FACTS = 120  # each fact travels as two properties (lo, hi): 240 + sid + guard < 255
_GUARD_KEY = "x_screening"  # only our messages carry it, so rules never match durable's own state object
# "cap": one action receives up to CAP facts the rule matched in a session, not one action per
# fact: each action costs about 25 us of durable-rules' Python (a JSON round trip of the state).
CAP = 100_000
SESSION_FACTS = 4_000  # hazard 10, with a margin: a batch's chunk is split into sessions of this size
_LOCK = threading.RLock()
_SIDS = itertools.count(1)
_INSTANCES = itertools.count(1)
_fired: list[Any] = []
_host: _dr.Host | None = None


class _QuietHost(_dr.Host):  # type: ignore[misc]
    """A durable-rules host without its background dispatch timers (hazard 3): we only
    assert facts synchronously, so those threads would only race with us."""

    def _run(self) -> None:
        return None


def _get_host() -> _dr.Host:
    global _host
    if _host is None:
        _host = _QuietHost()
    return _host


@dataclass(frozen=True)
class CompiledRule:
    name: str  # "<clause or item id>#T" (certainly holds) or "#P" (may hold)
    condition: dict[str, Any] | bool
    fact_keys: frozenset[str]


@dataclass(frozen=True)
class CompiledRuleset:
    name: str
    items: tuple[int, ...]
    rules: tuple[CompiledRule, ...]
    fact_keys: tuple[str, ...]
    item_keys: dict[int, tuple[str, ...]]  # the facts each item's rules read


def item_rules(item: Item) -> list[CompiledRule]:
    """The rules of one item: its match and each clause, each as certain (#T) and possible (#P)."""
    out: list[CompiledRule] = []
    targets: list[tuple[str, Node]] = [(item.id + ".match", item.match)]
    targets += [(c.id, c.full) for col in item.columns for c in col.clauses]
    for rid, node in targets:
        keys = frozenset(leaf.key for leaf in leaves(node) if hasattr(leaf, "key"))
        for mode, possible in (("T", False), ("P", True)):
            try:
                cond = to_durable(node, possible)
            except ValueError as exc:
                raise RuleError(
                    "rule_too_complex",
                    f"{rid}: {exc}",
                    file=item.source,
                    hint="split the clause into several clauses (alternatives of a column)",
                ) from None
            if cond is not False:
                out.append(CompiledRule(f"{rid}#{mode}", cond, keys))
    return out


def pack_rulesets(rules: RuleSet, prefix: str, pack: RulePack | None = None) -> list[CompiledRuleset]:
    """Split the items of one directory edition (default: the newest) into rulesets that stay
    under MAX_RULES and MAX_FACTS (hazards 2, 8)."""
    out: list[CompiledRuleset] = []
    cur_items: dict[int, tuple[str, ...]] = {}
    cur_rules: list[CompiledRule] = []
    cur_keys: set[str] = set()

    def flush() -> None:
        if cur_items:
            name = f"{prefix}/{len(out)}"
            out.append(CompiledRuleset(name, tuple(cur_items), tuple(cur_rules), tuple(sorted(cur_keys)), cur_items))

    for item in (pack or rules.directory).items:
        rs = item_rules(item)
        keys = set().union(*(r.fact_keys for r in rs))
        if len(rs) + 1 > MAX_RULES or len(keys) > MAX_FACTS:
            raise EngineError(
                "engine_item_too_large",
                f"item {item.number} compiles to {len(rs)} rules and {len(keys)} facts; split its clauses",
                file=item.source,
            )
        if len(cur_rules) + len(rs) + 1 > MAX_RULES or len(cur_keys | keys) > MAX_FACTS:
            flush()
            cur_items, cur_rules, cur_keys = {}, [], set()
        cur_items[item.number] = tuple(sorted(keys))
        cur_rules.extend(rs)
        cur_keys |= keys
    flush()
    return out


class Engine:
    """The compiled rules of one directory edition (default: the newest), registered with
    durable-rules once per process; `fire` is the only way the rest of envscreen touches the
    engine. Safe to call from several threads."""

    def __init__(self, rules: RuleSet, pack: RulePack | None = None) -> None:
        self.rules = rules
        pack = pack or rules.directory
        self.pack = pack
        # Hazard 6: the edition's id and version and an instance number make every name new.
        prefix = f"{pack.id}@{pack.version}#{next(_INSTANCES)}"
        self.rulesets = pack_rulesets(rules, prefix, pack)
        self._ruleset_of = {n: rs for rs in self.rulesets for n in rs.items}
        # Only the facts of the candidate items travel: every other item's rules compare
        # against absent properties, which durable-rules evaluates as false, so they stay quiet.
        self._item_keys = {n: keys for rs in self.rulesets for n, keys in rs.item_keys.items()}
        self._code_exact: dict[str, set[int]] = {}
        self._code_prefix: dict[str, set[int]] = {}
        self._types: dict[str, set[int]] = {}
        for item in pack.items:
            for c in item.industry_codes:
                self._code_exact.setdefault(c, set()).add(item.number)
                for k in range(1, len(c) + 1):
                    self._code_prefix.setdefault(c[:k], set()).add(item.number)
            for t in item.project_types:
                self._types.setdefault(t, set()).add(item.number)
            for c in item.related_codes:  # routed like codes; the match rules then ask for the type
                self._code_exact.setdefault(c, set()).add(item.number)
                for k in range(1, len(c) + 1):
                    self._code_prefix.setdefault(c[:k], set()).add(item.number)
        self._quantity_items: dict[str, set[int]] = {}
        self.type_codes: dict[str, tuple[str, ...]] = {}
        self.type_quantities: dict[str, tuple[str, ...]] = {}
        for item in pack.items:
            for q in item.related_quantities:
                self._quantity_items.setdefault(q, set()).add(item.number)
            for t in item.project_types:
                self.type_codes[t] = tuple(sorted(set(self.type_codes.get(t, ())) | set(item.related_codes)))
                self.type_quantities[t] = tuple(
                    sorted(set(self.type_quantities.get(t, ())) | set(item.related_quantities))
                )
        register({rs.name: self._definition(rs) for rs in self.rulesets})

    @staticmethod
    def _definition(rs: CompiledRuleset) -> dict[str, Any]:
        guard = {_GUARD_KEY: 1}
        d: dict[str, Any] = {}
        for r in rs.rules:
            cond = guard if r.condition is True else {"$and": [guard, r.condition]}
            d[r.name] = {"all": [{"m": cond}], "run": _recorder(r.name), "cap": CAP}
        # Hazard 1: a fact that no rule matches corrupts the heap on delete_state.
        d["catch_all"] = {"all": [{"m": guard}], "run": _ignore, "cap": CAP}
        return d

    def candidates(
        self, codes: Iterable[str], project_types: Iterable[str], quantities: Mapping[str, float] | None = None
    ) -> set[int]:
        """Items a project may belong to: a superset that the match rules then decide. A given
        quantity an item names in match.related_quantities (a boiler capacity) routes to it too."""
        out: set[int] = set()
        for q, amount in (quantities or {}).items():
            if amount > 0:
                out |= self._quantity_items.get(q, set())
        for code in codes:
            for k in range(2, len(code) + 1):
                out |= self._code_exact.get(code[:k], set())
            out |= self._code_prefix.get(code, set())
        for t in project_types:
            out |= self._types.get(t, set())
        return out

    def facts(self, project: Project) -> Facts:
        """The facts of a project as these rules read them."""
        return Facts(project, self.type_codes, type_quantities=self.type_quantities)

    def fire(self, facts: Facts, items: Iterable[int]) -> frozenset[str]:
        """Return the names of the rules that fire for `facts` among the rulesets of `items`."""
        return self.fire_many([(facts, items)])[0]

    def fire_many(self, screenings: Sequence[tuple[Facts, Iterable[int]]]) -> list[frozenset[str]]:
        """`fire` for many screenings: one session per ruleset for all of them (a batch's
        chunk), each screening's facts one message. Screenings whose messages are equal (same
        codes and quantities) share one message: the rules read nothing else."""
        by_ruleset: dict[str, dict[tuple[Any, ...], list[int]]] = {}
        for k, (facts, items) in enumerate(screenings):
            keys: dict[str, set[str]] = {}
            for n in items:
                keys.setdefault(self._ruleset_of[n].name, set()).update(self._item_keys[n])
            for name, fact_keys in keys.items():
                msg = facts.message(tuple(sorted(fact_keys)))
                by_ruleset.setdefault(name, {}).setdefault(tuple(msg.items()), []).append(k)
        fired: list[set[str]] = [set() for _ in screenings]
        for name, distinct in by_ruleset.items():
            owners = list(distinct.values())
            messages = [{**dict(msg), _GUARD_KEY: 1, "p": j} for j, msg in enumerate(distinct)]
            for rule, j in run_session(name, messages):
                for k in owners[j]:
                    fired[k].add(rule)
        return [frozenset(f) for f in fired]


def matched(c: Any) -> tuple[Any, ...]:
    """The facts an action received: with `cap` a list, else one fact."""
    return tuple(c.m) if isinstance(c.m, list) else (c.m,)


def _recorder(name: str) -> Any:
    def record(c: Any) -> None:
        for m in matched(c):
            _fired.append((name, m.p))

    return record


def _ignore(c: Any) -> None:
    return None


def register(definitions: dict[str, Any]) -> None:
    """Register rulesets with the process's one host (hazard 6: names must be new)."""
    with _LOCK:
        _get_host().register_rulesets(definitions)


def record(value: Any) -> None:
    """Called from a rule action: keep `value` as one result of the running session."""
    _fired.append(value)


def run_session(ruleset: str, messages: list[dict[str, Any]]) -> list[Any]:
    """Assert `messages` as facts in fresh sessions of `ruleset` (one per SESSION_FACTS
    messages, hazard 10; every rule reads one fact, so splitting changes nothing), deleting each;
    return what the actions recorded. Every message must carry the guard key."""
    out: list[Any] = []
    for i in range(0, len(messages), SESSION_FACTS):
        out += _session(ruleset, messages[i : i + SESSION_FACTS])
    return out


def _session(ruleset: str, messages: list[dict[str, Any]]) -> list[Any]:
    host = _get_host()
    with _LOCK:  # hazard 3
        sid = f"s{next(_SIDS)}"  # hazards 4/5: a fresh session each time, always deleted
        for m in messages:
            m["sid"] = sid
        _fired.clear()
        try:
            state = (
                host.assert_fact(ruleset, messages[0]) if len(messages) == 1 else host.assert_facts(ruleset, messages)
            )
            if isinstance(state, dict) and "exception" in state:  # hazard 7
                raise EngineError("engine_action_failed", f"a rule action failed: {state['exception']}")
            return list(_fired)
        except _dr.MessageNotHandledException:
            raise EngineError("engine_unhandled", "no rule handled the facts (the catch-all rule is missing)") from None
        except _dr.MessageObservedException:  # hazard 10: should not happen below SESSION_FACTS
            raise EngineError(
                "engine_session_too_large", f"durable-rules refused a session of {len(messages)} facts"
            ) from None
        finally:
            _fired.clear()
            host.delete_state(ruleset, sid)


def _assert_isolated(ruleset: str, msg: dict[str, Any]) -> set[str]:
    """The rules one message fires in a session of its own (the engine's tests use it)."""
    return {rule for rule, _ in run_session(ruleset, [{**msg, "p": 0}])}
