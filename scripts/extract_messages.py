"""Extract the English message templates of errors and summaries into the message catalog.

python scripts/extract_messages.py          # write screening/locale/messages.pot, merge it into each .po
python scripts/extract_messages.py --check  # exit 1 if the .pot is out of date (tests run this)
python scripts/extract_messages.py --gaps   # also list the untranslated templates as known gaps
                                            # (tests/fixtures/i18n-known-gaps.txt), to merge first
                                            # and translate after

A template is the English text with named placeholders: `f"unknown field '{key}'"` becomes
`unknown field '{key}'` (a placeholder is named after its expression: `spec.id` -> `spec_id`).
Found by AST, like tests/test_error_codes.py finds codes: the message and `hint=` arguments of
the error classes of screening/errors.py and of the helpers that take a `message` (`doc.error`,
`self.fail`), the title and detail of api.problems.ProblemError, `"message"`/`"hint"` in API
error items, and the text given to `tr(...)` (screening/i18n.py). An argument that is a local
variable, a module constant, a helper's return value (`did_you_mean`) or a module dict
(`_FIELDS[key]`) is followed to the strings it can hold. At run time screening/i18n.py matches a
formatted English message back to its template and formats the translation with the values.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "screening" / "locale"
POT = LOCALE / "messages.pot"
GAPS = ROOT / "tests" / "fixtures" / "i18n-known-gaps.txt"
SOURCES = sorted([*ROOT.glob("screening/**/*.py"), *ROOT.glob("api/**/*.py")])
MARKERS = {"tr", "noun"}  # tr("by tier", lang), noun("field"): text for the catalog outside an error


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def placeholder(expr: ast.expr) -> str:
    """The name of an f-string placeholder: its expression as an identifier (`spec.id` -> `spec_id`)."""
    name = re.sub(r"\W+", "_", ast.unparse(expr)).strip("_")[:40] or "value"
    return f"v_{name}" if name[0].isdigit() else name


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class Module:
    """One source file: its functions, module constants and dicts, for following names."""

    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        self.constants: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.constants[node.targets[0].id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.constants[node.target.id] = node.value
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None


class Extractor:
    def __init__(self) -> None:
        self.modules = {p: Module(p, ast.parse(p.read_text(encoding="utf-8"))) for p in SOURCES}
        self.classes = {"EnvscreenError"}
        for _ in range(3):
            for m in self.modules.values():
                for n in ast.walk(m.tree):
                    if isinstance(n, ast.ClassDef) and any(_name(b) in self.classes for b in n.bases):
                        self.classes.add(n.name)
        # Functions that take a message: name -> parameter lists (self/cls left out).
        self.helpers: dict[str, list[list[str]]] = defaultdict(list)
        for m in self.modules.values():
            for fn in m.functions.values():
                params = [a.arg for a in fn.args.args + fn.args.kwonlyargs if a.arg not in ("self",)]
                if "message" in params:
                    self.helpers[fn.name].append(params)
            # A problem class a stage raises before it knows the file (SiteFileProblem(code,
            # message, hint)), turned into an error above: its constructor takes the message.
            for cls in ast.walk(m.tree):
                if isinstance(cls, ast.ClassDef):
                    for fn in cls.body:
                        if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
                            params = [a.arg for a in fn.args.args + fn.args.kwonlyargs if a.arg != "self"]
                            if "message" in params and cls.name not in self.classes:
                                self.helpers[cls.name].append(params)
        self.found: dict[str, set[str]] = defaultdict(set)

    # -- following an expression to the strings it can hold ------------------------------------
    def strings(
        self, node: ast.expr | None, m: Module, depth: int = 0, seen: frozenset[str] = frozenset()
    ) -> Iterator[str]:
        """The templates `node` can hold; a name already being followed (`hint = "x, or " + hint`) is
        left a placeholder."""
        if node is None or depth > 6:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield _escape(node.value)
        elif isinstance(node, ast.JoinedStr):
            yield "".join(
                _escape(v.value) if isinstance(v, ast.Constant) else "{" + placeholder(v.value) + "}"
                for v in node.values
                if isinstance(v, ast.Constant | ast.FormattedValue)
            )
        elif isinstance(node, ast.IfExp):
            yield from self.strings(node.body, m, depth + 1, seen)
            yield from self.strings(node.orelse, m, depth + 1, seen)
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                yield from self.strings(v, m, depth + 1, seen)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            lefts = list(self.strings(node.left, m, depth + 1, seen)) or ["{" + placeholder(node.left) + "}"]
            rights = list(self.strings(node.right, m, depth + 1, seen)) or ["{" + placeholder(node.right) + "}"]
            yield from (a + b for a in lefts for b in rights)
        elif isinstance(node, ast.Name) and node.id not in seen:
            seen = seen | {node.id}
            fn = m.function_of(node)
            assigned = False
            if fn is not None:
                for a in ast.walk(fn):
                    if isinstance(a, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == node.id for t in a.targets
                    ):
                        assigned = True
                        yield from self.strings(a.value, m, depth + 1, seen)
                    elif isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name) and a.target.id == node.id:
                        assigned = True
                        yield from self.strings(a.value, m, depth + 1, seen)
            if not assigned and node.id in m.constants:
                yield from self.strings(m.constants[node.id], m, depth + 1, seen)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            yield from self._dict_values(node.value.id, m, depth)
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
                # `problem[0]` where `problem = self.term_error(...)` returns (message, hint)
                yield from self._tuple_items(node.value, node.slice.value, m, depth, seen)
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "get" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                yield from self._dict_values(node.func.value.id, m, depth)
                for default in node.args[1:]:
                    yield from self.strings(
                        default.elts[-1] if isinstance(default, ast.Tuple) else default, m, depth + 1
                    )
            elif name == "format" and isinstance(node.func, ast.Attribute):
                yield from self.strings(node.func.value, m, depth + 1)
            elif name is not None:
                for mod in [m, *self.modules.values()]:
                    fn = mod.functions.get(name)
                    if fn is not None and not name.startswith("__"):
                        for r in ast.walk(fn):
                            if isinstance(r, ast.Return):
                                yield from self.strings(r.value, mod, depth + 1)
                        break

    def _tuple_items(self, name: ast.Name, index: int, m: Module, depth: int, seen: frozenset[str]) -> Iterator[str]:
        fn = m.function_of(name)
        for a in ast.walk(fn) if fn is not None else ():
            if not (isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id for t in a.targets)):
                continue
            callee = _name(a.value.func) if isinstance(a.value, ast.Call) else None
            target = m.functions.get(callee or "")
            for r in ast.walk(target) if target is not None else ():
                if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple) and len(r.value.elts) > index:
                    yield from self.strings(r.value.elts[index], m, depth + 1, seen)

    def _dict_values(self, name: str, m: Module, depth: int) -> Iterator[str]:
        value = m.constants.get(name)
        if isinstance(value, ast.Dict):
            for v in value.values:
                # api.problems._TITLES: status -> (slug, title): the title is the text
                yield from self.strings(v.elts[-1] if isinstance(v, ast.Tuple) else v, m, depth + 1)

    # -- the call sites ------------------------------------------------------------------------
    def _arg(self, call: ast.Call, index: int | None, keyword: str) -> ast.expr | None:
        kw = next((k.value for k in call.keywords if k.arg == keyword), None)
        if kw is not None or index is None:
            return kw
        if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return call.args[index]
        return None

    def _indexes(self, call: ast.Call, name: str, m: Module) -> tuple[int | None, int | None]:
        """Where the message and the hint are passed positionally: (index, index) or None."""
        if name in self.classes:
            return 1, None  # EnvscreenError(code, message, *, ..., hint=)
        own = [
            [a.arg for a in fn.args.args + fn.args.kwonlyargs if a.arg != "self"]
            for fn in m.functions.values()
            if fn.name == name
        ]
        candidates = own or self.helpers.get(name, [])
        if len(candidates) > 1 and call.args and _name(call.args[0]) in self.classes:
            candidates = [p for p in candidates if p and p[0] == "cls"] or candidates
        for params in candidates:
            if "message" in params:
                return params.index("message"), params.index("hint") if "hint" in params else None
        return None, None

    def run(self) -> dict[str, set[str]]:
        for path, m in self.modules.items():
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(m.tree):
                where = f"{rel}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Dict) and rel.startswith("api/"):
                    for k, v in zip(node.keys, node.values, strict=True):
                        if isinstance(k, ast.Constant) and k.value in ("message", "hint"):
                            self._add(v, m, where)
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func) or ""
                if name in MARKERS and node.args and isinstance(node.args[0], ast.Constant):
                    self.found[node.args[0].value].add(where)  # already a template: `{total} projects`
                elif name == "ProblemError":
                    self._add(self._arg(node, 2, "title"), m, where)
                    self._add(self._arg(node, 3, "detail"), m, where)
                elif name == "ValueError":  # raised in the core and shown inside an error: `{clause.id}: {exc}`
                    self._add(node.args[0] if node.args else None, m, where)
                elif name in self.classes or name in self.helpers:
                    message, hint = self._indexes(node, name, m)
                    self._add(self._arg(node, message, "message"), m, where)
                    self._add(self._arg(node, hint, "hint"), m, where)
        return self.found

    def _add(self, node: ast.expr | None, m: Module, where: str) -> None:
        for s in self.strings(node, m):
            if re.search(r"[A-Za-z]", re.sub(r"\{[^{}]*\}", "", s.replace("{{", "").replace("}}", ""))):
                self.found[s].add(where)


def templates() -> dict[str, set[str]]:
    """Every template in the code -> where it is written (file:line)."""
    return dict(Extractor().run())


def pot_text(found: dict[str, set[str]]) -> str:
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    cat = Catalog(project="envscreen", version="", charset="utf-8", fuzzy=False)
    for msgid in sorted(found):
        cat.add(msgid, locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in sorted(found[msgid])])
    buf = BytesIO()
    # No locations: a message moved or raised at one more place leaves the template as it is.
    write_po(buf, cat, omit_header=True, sort_output=True, no_location=True, width=0)
    return buf.getvalue().decode("utf-8")


def merge(found: dict[str, set[str]]) -> None:
    """Add new templates (untranslated) to each locale's messages.po; drop ones no longer in the code."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    for po in LOCALE.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            old = read_po(f, charset="utf-8")
        new = Catalog(locale=old.locale, project="envscreen", version="", charset="utf-8", fuzzy=False)
        for msgid in sorted(found):
            prev = old.get(msgid)
            new.add(msgid, prev.string if prev is not None else "")
        with po.open("wb") as f:
            write_po(f, new, omit_header=True, sort_output=True, no_location=True, width=0)


def main() -> int:
    found = templates()
    text = pot_text(found)
    if "--check" in sys.argv:
        if not POT.is_file() or POT.read_text(encoding="utf-8") != text:
            print(f"{POT.relative_to(ROOT)} is out of date: run python scripts/extract_messages.py")
            return 1
        return 0
    LOCALE.mkdir(parents=True, exist_ok=True)
    POT.write_text(text, encoding="utf-8")
    merge(found)
    print(f"{len(found)} templates -> {POT.relative_to(ROOT)}")
    if "--gaps" in sys.argv:
        from babel.messages.pofile import read_po

        with (LOCALE / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
            done = {m.id for m in read_po(f, charset="utf-8") if m.string}
        gaps = sorted(t for t in found if t not in done)
        GAPS.write_text("".join(f"{t}\n" for t in gaps), encoding="utf-8")
        print(f"{len(gaps)} untranslated templates -> {GAPS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
