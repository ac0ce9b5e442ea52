"""The whole pipeline for one project: derive facts -> evaluate rules -> decide tier.

No I/O: a Screener is built once (rules compiled, engine registered) and screens any
number of projects; it is safe to share between threads."""

from __future__ import annotations

from pathlib import Path

from .decision import Decision, decide
from .engine import Engine
from .project import Project
from .rulepack import RuleSet, load_rules


class Screener:
    """Compiled rules ready to screen projects.

    >>> screener = Screener()                       # doctest: +SKIP
    >>> screener.screen(project).tier               # doctest: +SKIP
    'report_form'
    """

    def __init__(self, rules: RuleSet | Path | str | None = None) -> None:
        self.rules = rules if isinstance(rules, RuleSet) else load_rules(rules)
        self.engine = Engine(self.rules)

    @property
    def vocabulary(self):  # type: ignore[no-untyped-def]
        return self.rules.vocabulary

    def screen(self, project: Project) -> Decision:
        """Return the Decision for one validated project."""
        facts = self.engine.facts(project)
        candidates = self.engine.candidates(project.industry_codes, project.project_types)
        fired = self.engine.fire(facts, candidates) if candidates else frozenset()
        return decide(project, facts, fired, candidates, self.rules)
