"""One-off migration (issue 8): a case that relied on "a feature not listed is false" now
answers those features explicitly (`answers: {features.x: false}`), so it keeps testing what
it tested. Only cases that fail under the new semantics and list `features` are touched; the
answers are exactly the feature questions the screening asks, added until the case passes."""

from __future__ import annotations

import sys
from pathlib import Path

from screening.packs.cases import _EXPECT_KEYS, Case, ListCase, _read_cases, load_list_cases, run_case, run_list_case
from screening.project.model import project_from_doc
from screening.screener import Screener
from screening.sources.yaml_doc import YamlDoc


def main() -> None:
    screener = Screener()
    edits: dict[Path, list[tuple[int, int, list[str]]]] = {}
    left: list[str] = []
    work: list[tuple[Path, bool, dict, YamlDoc, int | None, object]] = []
    for path in sorted(Path("rules").glob("*/items/item_*.cases.yaml")):
        work += [(path, False, c, doc, line, None) for c, doc, line in _read_cases(path, _EXPECT_KEYS)]
    for pack in screener.rules.local_packs:
        for lst in pack.lists:
            path = Path(lst.source).with_suffix(".cases.yaml")
            work += [
                (path, True, {"expect": lc.expect}, lc.project, lc.line, lc.on) for lc in load_list_cases(pack, lst)
            ]
    for i, (path, is_list, c, doc, line, on) in enumerate(work):
        if True:
            if "features" not in doc.data or "answers" in doc.data:
                continue
            c = {**c, "on": on}
            if _ok(screener, doc, c, path, is_list):
                continue
            answers: list[str] = []
            data = dict(doc.data)
            path = Path(path)
            for _ in range(6):
                d = screener.screen(project_from_doc(YamlDoc(data, str(path)), screener.vocabulary), on=on)  # type: ignore[arg-type]
                listed = [*(d.admissibility.missing if d.admissibility else ()), *getattr(d.local, "missing", ())]
                asked = [q.id for q in d.questions if q.id.startswith("features.")]
                asked += [f"features.{t}" for m in listed if m.fact == "features" for t in m.terms]
                new = [a for a in dict.fromkeys(asked) if a not in answers]
                if not new:
                    break
                answers += new
                data["answers"] = {a: False for a in answers}
                if _ok(screener, YamlDoc(data, str(path)), c, path, is_list):
                    break
            if answers and _ok(screener, YamlDoc(data, str(path)), c, path, is_list):
                fl = doc.line_of(("features",))
                assert fl is not None
                edits.setdefault(path, []).append((fl, i, answers))
            else:
                left.append(f"{path}:{line}: {c.get('name')}")
    for path, es in edits.items():
        lines = path.read_text().splitlines(keepends=True)
        for fl, _, answers in sorted(es, reverse=True):
            idx = fl - 1
            body = ", ".join(f"{a}: false" for a in answers)
            line = lines[idx]
            if line.lstrip().startswith("features:"):
                indent = line[: len(line) - len(line.lstrip())]
                end = idx + 1
                while end < len(lines) and lines[end].startswith(indent + "-"):  # a block list
                    end += 1
                lines.insert(end, f"{indent}answers: {{{body}}}\n")
            else:  # a flow mapping on one line: project: {industry_codes: [...], features: []}
                assert line.rstrip().endswith("}"), (path, fl, line)
                cut = line.rstrip().rfind("}")
                lines[idx] = line[:cut] + f", answers: {{{body}}}" + line[cut:]
        path.write_text("".join(lines))
    print(f"{sum(len(e) for e in edits.values())} cases answered in {len(edits)} files")
    print("\n".join(left), file=sys.stderr)


def _ok(screener: Screener, doc: YamlDoc, c: dict, path: Path, is_list: bool) -> bool:
    if is_list:
        import datetime as dt

        on = c.get("on")
        lc = ListCase(
            "x", str(doc.data["name"]), doc, on if isinstance(on, dt.date) else None, c["expect"], str(path), 0
        )
        return run_list_case(screener, lc)[0].ok
    item = int(path.name[5:8])
    return run_case(screener, Case(item, str(doc.data["name"]), doc, c["expect"], str(path), 0)).ok


if __name__ == "__main__":
    main()
