"""Messages in the user's language, from the message catalog in screening/locale.

Errors are raised with English messages (the stable, searchable form, logged and stored as
such); they are translated when shown. The catalog's msgids are the English templates of the
raise sites with named placeholders (scripts/extract_messages.py writes them), so a formatted
message is matched back to its template, the placeholder values recovered, and the translation
formatted with them. A value that is a vocabulary term is shown with its Chinese label; a
message with no template (text from a library) is shown as it is.

>>> translate("unknown field 'nmae'", "zh")
"未知的字段：'nmae'"
>>> translate("unknown field 'nmae'", "en")
"unknown field 'nmae'"
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Protocol

from .errors import EnvscreenError

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"  # the language of the decisions: Chinese unless English is asked for
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_LOCALES = {"zh": "zh_CN"}
_PLACEHOLDER = re.compile(r"(\{\{|\}\}|\{[^{}]*\})")


class _Terms(Protocol):
    """What translation needs of a vocabulary: screening.packs.vocabulary.Vocabulary fits."""

    sections: dict[str, dict[str, Any]]


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """Return msgid -> translation for `lang` (empty for English, the language of the msgids)."""
    locale = _LOCALES.get(lang)
    if locale is None:
        return {}
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        cat = read_po(f, charset="utf-8")
    return {m.id: m.string for m in cat if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string}


@functools.cache
def _patterns(lang: str) -> list[tuple[re.Pattern[str], list[str], str]]:
    """The templates with a translation, compiled once: (regex, placeholder names, translation),
    the most specific (most literal text) first, so `unknown {what} '{key}'` loses to
    `unknown field '{key}'`."""
    out = []
    for msgid, msgstr in catalog(lang).items():
        names: list[str] = []
        parts = []
        literal = 0
        for tok in _PLACEHOLDER.split(msgid):
            if tok in ("{{", "}}"):
                parts.append(re.escape(tok[0]))
                literal += 1
            elif tok.startswith("{"):
                parts.append(f"(?P<g{len(names)}>.*?)")  # may be empty: '{code}' with code ''

                # a quoted placeholder is a value as written ('{key}'): a noun there stays as it is
                quoted = bool(parts[-2:-1]) and parts[-2][-1:] in ("'", '"', "`")
                names.append(("'" if quoted else "") + tok[1:-1])
            else:
                parts.append(re.escape(tok))
                literal += len(tok)
        if names:
            out.append((literal, re.compile("".join(parts) + r"\Z", re.DOTALL), names, msgstr))
    out.sort(key=lambda t: -t[0])
    return [(rx, names, msgstr) for _, rx, names, msgstr in out]


def normalize(lang: str | None) -> str:
    """`zh-CN`, `zh_Hans`, `ZH` -> `zh`; anything not offered -> English."""
    base = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGS else "en"


def negotiate(accept_language: str | None, default: str = "en") -> str:
    """Return the offered language the Accept-Language header prefers (RFC 9110 q-values)."""
    best, best_q = default, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        lang = (tag or "").strip().lower().split("-")[0]
        if lang in LANGS and q > best_q:
            best, best_q = lang, q
    return best


def tr(text: str, lang: str, **values: object) -> str:
    """Return `text` (a template: `{total} projects`) in `lang`, formatted with `values`.

    >>> tr("{ok} screened, {failed} failed", "zh", ok=2, failed=1)
    '2 个已预审，1 个失败'
    """
    template = text if lang == "en" else catalog(lang).get(text, text)
    return template.format(**values) if values else template


def noun(word: str) -> str:
    """Mark an English noun a message is built with (`unknown {what} '{key}'`, what="field") for
    the catalog: shown translated where it fills a placeholder."""
    return word


# The nouns raise sites put into their messages; the catalog translates them where they appear.
NOUNS = (
    noun("field"),
    noun("process"),
    noun("feature"),
    noun("sensitive area"),
    noun("project type"),
    noun("location field"),
    noun("point"),
    noun("line"),
    noun("polygon"),
    noun("geometry"),
    noun("construction"),  # `unknown construction 'x'`: the field, named as the form names it
    noun("the vocabulary"),  # `'x' is not one of the vocabulary`
    noun("metres"),  # `a coordinate must be a number in {unit}`
    noun("degrees"),
    noun("[easting, northing]"),  # `a position must be {order}`
    noun("[longitude, latitude]"),
    noun("the GeoJSON"),  # `{what} holds no polygon, line or point`
    noun("the KML"),
    noun("the file"),
)
_LABELS: dict[int, tuple[_Terms, dict[str, str]]] = {}  # id(vocabulary) -> (it, its labels)


def _labels(vocabulary: _Terms | None) -> dict[str, str]:
    if vocabulary is None:
        return {}
    cached = _LABELS.get(id(vocabulary))
    if cached is None or cached[0] is not vocabulary:  # the object is kept, so its id is not reused
        cached = _LABELS[id(vocabulary)] = (vocabulary, _label_index(vocabulary))
    return cached[1]


def _label_index(vocabulary: _Terms) -> dict[str, str]:
    """term id -> zh label, for ids whose label is the same in every section that has them."""
    seen: dict[str, set[str]] = {}
    for terms in vocabulary.sections.values():
        for tid, term in terms.items():
            zh = getattr(term, "zh", None)
            if zh:
                seen.setdefault(tid, set()).add(zh)
    return {tid: next(iter(zhs)) for tid, zhs in seen.items() if len(zhs) == 1}


def _value(name: str, value: str, lang: str, labels: dict[str, str], depth: int) -> str:
    """A placeholder's value as shown in `lang`: a term with its label, a nested message translated."""
    bare = value.strip("'\"`")
    if value in NOUNS and not name.startswith("'"):
        return catalog(lang).get(value, value)
    # A unit (`beds`) may share a term's id: not labelled. The label is marked, so that a quoted
    # term keeps its quotes: 'new'（新建）.
    # Digits are counts as often as industry divisions (13 branches, not 农副食品加工业).
    if bare in labels and "unit" not in name and not bare.isdigit():
        return f"{value}\x00{labels[bare]}\x01"
    items = value.split(", ")
    if len(items) > 1 and all(i in labels for i in items):
        return "、".join(f"{i}（{labels[i]}）" for i in items)
    if depth < 2 and len(value.split()) >= 3:  # a sentence may itself be a message: `{message}`
        return _translate(value, lang, labels, depth + 1)
    return value


def _translate(message: str, lang: str, labels: dict[str, str], depth: int) -> str:
    fixed = catalog(lang).get(message.replace("{", "{{").replace("}", "}}"))
    if fixed is not None:
        return fixed.replace("{{", "{").replace("}}", "}")
    for rx, names, msgstr in _patterns(lang):
        m = rx.match(message)
        if m is None:
            continue
        values: dict[str, str] = {}
        for i, name in enumerate(names):
            values.setdefault(name.lstrip("'"), _value(name, m.group(f"g{i}"), lang, labels, depth))
        try:
            text = msgstr.format_map(values)
        except (KeyError, IndexError, ValueError):  # a translation naming a placeholder its msgid lacks
            return message
        text = re.sub(r"(['\"`])([^'\"`\x00]*)\x00([^\x01]*)\x01\1", r"\1\2\1（\3）", text)
        return text.replace("\x00", "（").replace("\x01", "）")
    if depth > 3:
        return message
    if "; " in message:  # a hint made of parts: `...; one of: a, b`
        parts = message.split("; ")
        translated = [_translate(p, lang, labels, depth + 1) for p in parts]
        if translated != parts:
            return "；".join(translated)
    head, sep, rest = message.partition(": ")
    if sep and " " not in head:  # a located message: `item_036.report_book.1: an 'any' with ...`
        done = _translate(rest, lang, labels, depth + 1)
        if done != rest:
            return f"{head}：{done}"
    return message


def translate(message: str | None, lang: str, vocabulary: _Terms | None = None) -> str | None:
    """Return `message` (an English error message or hint) in `lang`; as it is when the catalog
    has no template for it."""
    if message is None or lang == "en" or not message:
        return message
    return _translate(message, lang, _labels(vocabulary), 0)


def error_dict(exc: EnvscreenError, lang: str, vocabulary: _Terms | None = None) -> dict[str, object]:
    """`exc.to_dict()` with message and hint in `lang` (code, file, line, field stay as they are)."""
    d = exc.to_dict()
    d["message"] = translate(exc.message, lang, vocabulary)
    d["hint"] = translate(exc.hint, lang, vocabulary)
    return d


def error_text(exc: EnvscreenError, lang: str, vocabulary: _Terms | None = None) -> str:
    """`str(exc)` in `lang`: `file:line: code: message (field 'x'); hint`."""
    if lang == "en":
        return str(exc)
    head = f"{exc.location}: " if exc.location else ""
    field = f"（字段 '{exc.field}'）" if exc.field else ""
    hint = f"；提示：{translate(exc.hint, lang, vocabulary)}" if exc.hint else ""
    return f"{head}{exc.code}: {translate(exc.message, lang, vocabulary)}{field}{hint}"
