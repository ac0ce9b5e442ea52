"""envscreen: EIA access screening under the 2021 classification directory.

>>> from screening import Screener, parse_project   # doctest: +SKIP
>>> s = Screener()                                  # doctest: +SKIP
>>> s.screen(parse_project(text, s.vocabulary)).tier  # doctest: +SKIP
"""

from .decide.outcome import Decision
from .errors import EngineError, EnvscreenError, InputError, ProjectError, RuleError, ZoneError
from .packs.ruleset import RuleSet, load_rules
from .project.model import Project, load_project, parse_project, project_from_data
from .screener import Screener

__all__ = [
    "Decision",
    "EngineError",
    "EnvscreenError",
    "InputError",
    "Project",
    "ProjectError",
    "RuleError",
    "ZoneError",
    "RuleSet",
    "Screener",
    "load_project",
    "load_rules",
    "parse_project",
    "project_from_data",
]
