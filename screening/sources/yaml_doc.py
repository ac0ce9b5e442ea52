"""Read YAML safely: no code, no aliases, bounded size, with a line number for every field."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import EnvscreenError, InputError, did_you_mean

E = TypeVar("E", bound=EnvscreenError)

MAX_BYTES = 1_000_000
# A rule file may be far larger than a project: a province's access list gives each of its
# thousands of control units its own clauses (5,000 units: about 2 MB).
RULE_FILE_MAX_BYTES = 64_000_000
MAX_NODES = 200_000
# Far past any quantity (they are bounded far lower) and below Python's int/str conversion limit
# (4,300 digits), whose ValueError would otherwise escape as a crash.
MAX_NUMBER_DIGITS = 1_000
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
# YAML 1.1 (what PyYAML implements) reads these integers in another base: 010 is 8, 0x10 is 16,
# 0b10 is 2, and 1:30 is 90 (base 60). YAML 1.2 and every person read them otherwise, so they are
# refused rather than reinterpreted either way.
_OTHER_BASE = re.compile(r"[-+]?0(?:[0-7_]+|[xXbB].*)")
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, and 1e3 or 2.5e6 read as numbers, as YAML 1.2 and JSON read them (1.1: text)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_DEEP_HINT = "a project is a few levels deep"


@dataclass
class YamlDoc:
    """A parsed document and where each field stands: `lines[("a", 0, "b")]` is a line."""

    data: Any
    source: str
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        """Return the line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    # The validation helpers every loader shares (projects, packs, vocabulary, zone manifests):
    # an error names the file, the line and the field, and says what would fix it.

    def error(self, cls: type[E], code: str, path: tuple[Any, ...], message: str, hint: str | None = None) -> E:
        """An error of class `cls` at `path` of this document: its file, line and dotted field."""
        return cls(code, message, file=self.source, line=self.line_of(path), field=field_name(path), hint=hint)

    def mapping(self, cls: type[E], code: str, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
        """`value` itself when it is a mapping, else an error: "expected a mapping, not a list"."""
        if not isinstance(value, dict):
            raise self.error(cls, code, path, f"expected a mapping, not {_kind(value)}")
        return value

    def only_keys(
        self,
        cls: type[E],
        code: str,
        path: tuple[Any, ...],
        data: Mapping[Any, Any],
        allowed: Collection[str],
        what: str = "field",
    ) -> None:
        """An error for the first key of `data` not in `allowed`, with the closest one as a hint
        (or the allowed keys: in their order when `allowed` has one, else sorted)."""
        for key in data:
            if key not in allowed:
                names = list(allowed) if isinstance(allowed, (list, tuple, dict)) else sorted(allowed)
                hint = did_you_mean(str(key), allowed) or f"{what}s are: {', '.join(names)}"
                raise self.error(cls, code, (*path, key), f"unknown {what} '{key}'", hint)


def read_yaml_file(path: Path | str, *, max_bytes: int = MAX_BYTES) -> YamlDoc:
    """Read and parse one YAML file; raise InputError naming the file on any problem."""
    return parse_yaml(read_text_file(path, max_bytes=max_bytes), source=str(path), max_bytes=max_bytes)


def read_text_file(path: Path | str, *, max_bytes: int = MAX_BYTES) -> str:
    """Read one file as UTF-8 text of at most `max_bytes`; raise InputError naming the file.
    (`envscreen batch` reads here and parses in its workers.)"""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(
                "input_too_large",
                f"file is {size:,} bytes; at most {max_bytes:,} are accepted",
                file=str(p),
                hint=_too_large_hint(max_bytes),
            )
        with p.open("rb") as f:  # read at most max_bytes + 1: stat says 0 for /dev/zero or a pipe
            raw = f.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise InputError(
                "input_too_large",
                f"file is larger than {max_bytes:,} bytes",
                file=str(p),
                hint=_too_large_hint(max_bytes),
            )
    except OSError as exc:
        raise InputError("input_unreadable", f"cannot read the file: {exc.strerror}", file=str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "input_not_utf8",
            f"the file is not UTF-8 text (byte {exc.start})",
            file=str(p),
            hint="save the file as UTF-8",
        ) from None
    return text


def parse_yaml(text: str, *, source: str = "<input>", max_bytes: int = MAX_BYTES) -> YamlDoc:
    """Parse YAML text into plain data with line numbers; reject tags, aliases and huge input."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # a lone surrogate: text that came from a JSON string's \ud800
        raise InputError(
            "input_bad_unicode",
            f"the text has a lone UTF-16 surrogate (U+{ord(text[exc.start]):04X}), which is not a character",
            file=source,
            line=text.count("\n", 0, exc.start) + 1,
            hint="send UTF-8 text; a JSON \\uD8xx escape must be followed by its \\uDCxx pair",
        ) from None
    if size > max_bytes:
        raise InputError("input_too_large", f"input is larger than {max_bytes:,} bytes", file=source)
    try:
        # Refuse aliases while parsing, before any node is built, and at the alias itself
        # (compose() would hand back the anchored node, with the anchor's line).
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(
                    "yaml_alias",
                    "YAML anchors and aliases (&name / *name) are not allowed",
                    file=source,
                    line=event.start_mark.line + 1 if event.start_mark else None,
                    hint="write the value out in full",
                )
        node = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise InputError("input_too_deep", "the YAML is nested too deeply", file=source, hint=_DEEP_HINT) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or ""
        # libyaml has its own depth limit (PyYAML 6.0.2 on), met before Python's recursion limit.
        if "nesting depth" in problem:
            raise InputError(
                "input_too_deep", "the YAML is nested too deeply", file=source, line=line, hint=_DEEP_HINT
            ) from None
        if "Unicode character escape" in problem:  # libyaml refuses \ud800-style escapes
            raise InputError(
                "input_bad_unicode",
                "an escape names a UTF-16 surrogate (\\uD800-\\uDFFF), which is not a character",
                file=source,
                line=line,
                hint="write the character itself, or its \\U0001XXXX escape",
            ) from None
        raise InputError(
            "yaml_syntax",
            f"not valid YAML: {exc.problem or exc.context}",
            file=source,
            line=line,
            hint="check indentation and that every 'key: value' has a space after the colon",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError("yaml_syntax", f"not valid YAML: {exc}", file=source) from None
    doc = YamlDoc(data=None, source=source)
    if node is None:
        return doc
    builder = _Builder(doc)
    try:
        doc.data = builder.build(node, ())
    except RecursionError:
        raise InputError("input_too_deep", "the YAML is nested too deeply", file=source, hint=_DEEP_HINT) from None
    return doc


class _Builder:
    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.seen: set[int] = set()
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(
        self, node: Node, code: str, message: str, hint: str | None = None, path: tuple[Any, ...] = ()
    ) -> InputError:
        return InputError(
            code, message, file=self.doc.source, line=node.start_mark.line + 1, field=field_name(path), hint=hint
        )

    def build(self, node: Node, path: tuple[Any, ...]) -> Any:
        # compose() resolves an alias to the node it names, so a node met twice is an alias:
        # refusing them is what defeats "billion laughs" alias bombs.
        if id(node) in self.seen:
            raise self.fail(
                node,
                "yaml_alias",
                "YAML anchors and aliases (&name / *name) are not allowed",
                hint="write the value out in full",
            )
        self.seen.add(id(node))
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, "input_too_large", f"more than {MAX_NODES:,} YAML values")
        if node.tag not in _ALLOWED_TAGS:
            raise self.fail(
                node,
                "yaml_tag",
                f"the YAML tag '{node.tag}' is not allowed",
                hint="only plain values, lists and mappings are accepted",
            )
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, "yaml_alias", "YAML merge keys (<<) are not allowed")
                key = self.build(key_node, path + ("<key>",))
                if not isinstance(key, (str, int)):
                    raise self.fail(key_node, "yaml_key", "mapping keys must be plain words")
                if key in out:
                    raise self.fail(key_node, "yaml_duplicate_key", f"the key '{key}' appears twice")
                self.doc.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, SequenceNode):
            return [self.build(v, path + (i,)) for i, v in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        shown = node.value if len(node.value) <= 60 else node.value[:57] + "..."
        if node.tag in (_INT_TAG, _FLOAT_TAG):
            self.check_number(node, shown, path)
        try:
            value = self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            raise self.fail(node, "yaml_value", f"cannot read the value '{shown}': {exc}", path=path) from None
        if isinstance(value, str) and not value.isascii():
            value = self.check_unicode(node, value, path)
        return value

    def check_number(self, node: ScalarNode, shown: str, path: tuple[Any, ...]) -> None:
        text = node.value
        if ":" in text or (node.tag == _INT_TAG and _OTHER_BASE.fullmatch(text)):
            kind = "base 60 (1:30 is 90)" if ":" in text else "octal, hex or binary (010 is 8)"
            raise self.fail(
                node,
                "yaml_ambiguous_number",
                f"YAML 1.1 reads '{shown}' as a number in {kind}, which is rarely what was meant",
                hint=f"write the number in plain decimals, or quote it ('{shown}') if it is text such as a code",
                path=path,
            )
        digits = sum(c.isdigit() for c in text)
        if digits > MAX_NUMBER_DIGITS:
            raise self.fail(
                node,
                "input_number_too_large",
                f"a number with {digits:,} digits; at most {MAX_NUMBER_DIGITS:,} are read",
                hint="check the number; quantities are plain amounts in the unit of their name",
                path=path,
            )

    def check_unicode(self, node: ScalarNode, value: str, path: tuple[Any, ...]) -> str:
        # Only the pure-Python loader lets a \ud800 escape through; a pair of them is one character.
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            pass
        try:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise self.fail(
                node,
                "input_bad_unicode",
                "the text has a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not a character",
                hint="write the character itself, or its \\U0001XXXX escape",
                path=path,
            ) from None


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", type(None): "empty"}.get(type(value), type(value).__name__)


def _too_large_hint(max_bytes: int) -> str:
    if max_bytes >= RULE_FILE_MAX_BYTES:
        return "split the list into several files (one per control-unit class or per county)"
    return "a project description is a few kilobytes; is this the right file?"


def field_name(path: tuple[Any, ...]) -> str | None:
    """('quantities', 'beds') -> 'quantities.beds', as ProjectError names fields; None for the top."""
    return ".".join(str(p) for p in path if p != "<key>") or None
