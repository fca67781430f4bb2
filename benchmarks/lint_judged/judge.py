"""Re-run `repolens lint` (default selection) over the real-repository corpus and compare with the
hand judgements kept in `benchmarks/lint_judged/judgements.json`.

    python benchmarks/realrepos.py CACHE --mirrors DIR        # once: check the corpus out
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py            # report
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --update   # add new findings, unjudged
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --only facebookresearch/dino -v
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --heldout    # the held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --fresh      # the second held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --unseen     # the third held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --after      # the fourth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --blind      # the fifth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --close      # the sixth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --seventh    # the seventh held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --eighth     # the eighth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --ninth      # the ninth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --tenth      # the tenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --eleventh   # the eleventh held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --twelfth    # the twelfth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --thirteenth # the thirteenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --fourteenth # the fourteenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --fifteenth  # the fifteenth set (tuned on since the sixteenth session)
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --sixteenth  # the sixteenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --seventeenth  # the seventeenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --eighteenth  # the eighteenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --nineteenth  # the nineteenth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --twentieth  # the twentieth held-out set
    REPOLENS_REALREPOS=CACHE python benchmarks/lint_judged/judge.py --twentyseventh  # ... up to the twenty-seventh

Each finding is keyed by what survives line shifts and rule-message edits: repository, rule, path, the
source line's text with whitespace collapsed, and which occurrence of that (rule, path, text) it is.
A judgement is one of

- `right-worth`: the finding is true and an expert would change this line in this project;
- `right-not-worth`: true, but not worth a change here (a toy demo, a deliberate choice, a one-off);
- `wrong`: the finding is false;

with a note saying why. The report gives, per rule and in total: findings now, judged, right-worth,
right-not-worth, wrong; the findings not judged yet (new since the judgement, e.g. from a new rule);
and the judged findings that are gone (a rule changed or was removed from the default selection).
Only repositories listed in the judgement file's `repos` are linted (`--add-repo` adds one). The
judgements were made on the commits recorded there; a tree at another commit is refused.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import realrepos  # noqa: E402

from repolens.discover.files import _kind  # noqa: E402
from repolens.lint.source_lines import SourceLineReader  # noqa: E402
from repolens.lint.targets import Target  # noqa: E402

JUDGEMENTS = HERE / "judgements.json"
# Judged once, on repositories no rule was ever tuned on; report it apart and never tune on it.
HELDOUT = HERE / "judgements_heldout.json"
# Judged once (at repolens e8e5255) on repositories nobody had linted before: a second held-out set
# that no change is ever made against. Report it apart too.
FRESH = HERE / "judgements_fresh.json"
# Judged once (at repolens 0366a29) by a second judge on six repositories the developers never looked
# at, with only the totals reported to them: a third held-out set. Report it apart; never tune on it.
UNSEEN = HERE / "judgements_unseen.json"
# Judged once (at repolens 41571be, the end of the third session) by a second judge on six repositories
# nobody had linted, only the totals reported: the first-sight figure of that session's linter.
AFTER = HERE / "judgements_after.json"
# Judged once (at repolens 8365344, the start of the fourth session) by a second judge on six
# repositories nobody had linted, only totals and per-rule counts reported: a fifth held-out set.
BLIND = HERE / "judgements_blind.json"
# Judged once (at repolens 87682ec, near the close of the fourth session) by a second judge on six
# repositories nobody had linted, only totals and per-rule counts reported: a sixth held-out set.
CLOSE = HERE / "judgements_close.json"
# Judged once (at repolens 4b0a9b7, the start of the fifth session) by a second judge on seven
# repositories nobody had linted, only totals and per-rule counts reported: a seventh held-out set.
SEVENTH = HERE / "judgements_seventh.json"
# Judged once (at repolens 5496c6f, mid fifth session) by a second judge on eight repositories nobody
# had linted, only totals and per-rule counts reported: an eighth held-out set.
EIGHTH = HERE / "judgements_eighth.json"
# Judged once (at repolens d48edd4, the end of the fifth session's rule changes but one) by a second
# judge on seven repositories nobody had linted, only totals and per-rule counts reported: a ninth set.
NINTH = HERE / "judgements_ninth.json"
# Judged once (at repolens 0fcb2e3, the start of the sixth session) by a second judge on seven
# repositories nobody had linted, only totals and per-rule counts reported: a tenth set.
TENTH = HERE / "judgements_tenth.json"
# Judged once (at repolens e06f914, mid sixth session) by a second judge on seven repositories nobody
# had linted, only totals and per-rule counts reported: an eleventh set.
ELEVENTH = HERE / "judgements_eleventh.json"
# Judged once (at repolens be37a9f, late in the sixth session) by a second judge on eight repositories
# nobody had linted, only totals and per-rule counts reported: a twelfth set.
TWELFTH = HERE / "judgements_twelfth.json"
# Judged once (at repolens 158a736, the start of the seventh session) by a second judge on eight
# repositories nobody had linted, only totals and per-rule counts reported: a thirteenth set.
THIRTEENTH = HERE / "judgements_thirteenth.json"
# Judged once (at repolens d7739af, mid seventh session) by a second judge on eight repositories
# nobody had linted, only totals and per-rule counts reported: a fourteenth set.
FOURTEENTH = HERE / "judgements_fourteenth.json"
# Judged once (at repolens f9ed35d, the end of the seventh session's rule changes) by a second judge on
# eight repositories nobody had linted, only totals and per-rule counts reported: a fifteenth set.
FIFTEENTH = HERE / "judgements_fifteenth.json"
# Judged once (at repolens 2c37eb3, after the eighth session's rule changes but two that leave its totals alone) by a second judge on
# eight repositories nobody had linted, only totals and per-rule counts reported: a sixteenth set.
SIXTEENTH = HERE / "judgements_sixteenth.json"
# Judged once (in the ninth session, after its last rule change) by a second judge on eight
# repositories nobody had linted, only totals and per-rule counts reported: a seventeenth set.
SEVENTEENTH = HERE / "judgements_seventeenth.json"
# Judged once (at repolens 2614655, in the tenth session after its first rule changes) by a second judge
# on eight repositories nobody had linted, only totals and per-rule counts reported: an eighteenth set.
EIGHTEENTH = HERE / "judgements_eighteenth.json"
# Judged once (at repolens b169e2d, at the start of the eleventh session) by a second judge on eight
# repositories nobody had linted, only totals and per-rule counts reported: a nineteenth set.
NINETEENTH = HERE / "judgements_nineteenth.json"
# Judged once (at repolens ace66b0, in the eleventh session after most of its rule changes) by a second
# judge on eight repositories nobody had linted, only totals and per-rule counts reported: a twentieth set.
TWENTIETH = HERE / "judgements_twentieth.json"
# Judged once (at repolens 7b6ec07, in the fifteenth session) by second judges on eight repositories
# nobody had linted, only totals and per-rule counts reported: a twenty-first set.
TWENTYFIRST = HERE / "judgements_twentyfirst.json"
# Judged once (at repolens f6b0e6c, at the start of the sixteenth session, before its changes) by second
# judges on eight repositories nobody had linted, only totals and per-rule counts reported.
TWENTYSECOND = HERE / "judgements_twentysecond.json"
# Judged once (at repolens 20b52b4, at the start of the seventeenth session, before its changes) by second
# judges on eight repositories nobody had linted, only totals and per-rule counts reported.
TWENTYTHIRD = HERE / "judgements_twentythird.json"
# Linted at repolens 8aca74c (the twentieth session, after its changes) on seven repositories nobody had
# linted; its findings await judging at first sight (counts only reported).
TWENTYFOURTH = HERE / "judgements_twentyfourth.json"
# Linted at repolens f353454 (the start of the twenty-second session, before its changes) on eleven repositories
# nobody had linted; judged at first sight by two second judges (counts only reported), then read.
TWENTYFIFTH = HERE / "judgements_twentyfifth.json"
# Linted at repolens 20cbb81 (the twenty-second session, after its dead-code and RL501 changes) on eleven
# repositories nobody had linted; judged at first sight by two second judges (counts only reported).
TWENTYSIXTH = HERE / "judgements_twentysixth.json"
# Linted at repolens 919862d (the start of the twenty-third session, before its changes) on twelve repositories
# nobody had linted; judged at first sight by two second judges (counts only reported).
TWENTYSEVENTH = HERE / "judgements_twentyseventh.json"
# Linted at repolens 5db6505 (the start of the twenty-fourth session, before its changes) on twelve
# repositories nobody had linted; judged at first sight by two second judges (counts only reported).
TWENTYEIGHTH = HERE / "judgements_twentyeighth.json"
# Linted at repolens 60b5568 (the start of the twenty-fifth session, before its changes) on twelve
# repositories nobody had linted; judged at first sight by two second judges (counts only reported).
TWENTYNINTH = HERE / "judgements_twentyninth.json"
# Linted at the twenty-fifth session's final code on twelve repositories nobody had linted; judged at
# first sight by two second judges (counts only reported).
THIRTIETH = HERE / "judgements_thirtieth.json"
# Linted at the twenty-fifth session's final code, after the changes the thirtieth set's reading
# brought, on twelve more repositories nobody had linted; judged at first sight by second judges.
THIRTY_FIRST = HERE / "judgements_thirtyfirst.json"
# Linted at the twenty-sixth session's first code (253454a) on thirteen repositories nobody had linted;
# judged at first sight by second judges (counts only reported).
THIRTY_SECOND = HERE / "judgements_thirtysecond.json"
# Linted at 27c08bd, after the changes the thirty-second set's reading brought, on twelve more
# repositories nobody had linted; judged at first sight by second judges (counts only reported).
THIRTY_THIRD = HERE / "judgements_thirtythird.json"
# Linted at 8290da6, after the changes the thirty-third set's reading brought, on eleven more
# repositories nobody had linted; judged at first sight by second judges (counts only reported).
THIRTY_FOURTH = HERE / "judgements_thirtyfourth.json"
# Linted at 5c73a49, the twenty-seventh session's start, on eleven more repositories nobody had
# linted; judged at first sight by second judges (counts only reported).
THIRTY_FIFTH = HERE / "judgements_thirtyfifth.json"
# Linted at ba25e9d, the twenty-eighth session's start, on eleven more repositories nobody had
# linted; judged at first sight by second judges (counts only reported).
THIRTY_SIXTH = HERE / "judgements_thirtysixth.json"
# Linted at 025fb21, the twenty-ninth session's start, on eleven more repositories nobody had
# linted; judged at first sight by second judges (counts only reported).
THIRTY_SEVENTH = HERE / "judgements_thirtyseventh.json"
# Linted at 76a7498, the twenty-ninth session's final rule code, on eight more repositories nobody
# had linted; judged at first sight by second judges (counts only reported).
THIRTY_EIGHTH = HERE / "judgements_thirtyeighth.json"
# Linted at 4ca8a81, the thirtieth session's start, on twelve more repositories nobody had
# linted; judged at first sight by second judges (counts only reported).
THIRTY_NINTH = HERE / "judgements_thirtyninth.json"
# The same, on one more repository (TransMorph, whose many copied training scripts gave 58 findings,
# more than the other twelve together), kept a set of its own so that it does not outweigh them.
FORTIETH = HERE / "judgements_fortieth.json"
# Linted at d222d32 (the thirtieth session's code after its first three changes) on one more
# repository nobody had linted: a transfer-learning library whose many example training scripts
# gave 130 findings; a set of its own, as TransMorph's.
FORTY_FIRST = HERE / "judgements_fortyfirst.json"
HELD_OUT_SETS = {
    "heldout": (HELDOUT, "the held-out set, never tuned on"),
    "fresh": (FRESH, "the second held-out set, judged once on repositories nobody had linted"),
    "unseen": (UNSEEN, "the third held-out set, judged once by another judge on repositories the developers "
                       "never looked at"),
    "after": (AFTER, "the fourth held-out set, judged at first sight at 41571be"),
    "blind": (BLIND, "the fifth held-out set, judged at first sight at 8365344"),
    "close": (CLOSE, "the sixth held-out set, judged at first sight at 87682ec"),
    "seventh": (SEVENTH, "the seventh held-out set, judged at first sight at 4b0a9b7"),
    "eighth": (EIGHTH, "the eighth held-out set, judged at first sight at 5496c6f"),
    "ninth": (NINTH, "the ninth held-out set, judged at first sight at d48edd4"),
    "tenth": (TENTH, "the tenth held-out set, judged at first sight at 0fcb2e3"),
    "eleventh": (ELEVENTH, "the eleventh held-out set, judged at first sight at e06f914"),
    "twelfth": (TWELFTH, "the twelfth held-out set, judged at first sight at be37a9f"),
    "thirteenth": (THIRTEENTH, "the thirteenth held-out set, judged at first sight at 158a736"),
    "fourteenth": (FOURTEENTH, "the fourteenth held-out set, judged at first sight at d7739af"),
    # read in the sixteenth session, its wrong findings fixed from what it showed: no longer held out
    "fifteenth": (FIFTEENTH, "the fifteenth set, judged at first sight at f9ed35d; read and tuned on since the "
                             "sixteenth session, so no longer held out"),
    "sixteenth": (SIXTEENTH, "the sixteenth held-out set, judged at first sight at 2c37eb3"),
    "seventeenth": (SEVENTEENTH, "the seventeenth held-out set, judged at first sight in the ninth session"),
    "eighteenth": (EIGHTEENTH, "the eighteenth held-out set, judged at first sight at 2614655"),
    "nineteenth": (NINETEENTH, "the nineteenth held-out set, judged at first sight at b169e2d"),
    "twentieth": (TWENTIETH, "the twentieth held-out set, judged at first sight at ace66b0"),
    "twentyfirst": (TWENTYFIRST, "the twenty-first held-out set, judged at first sight at 7b6ec07"),
    "twentysecond": (TWENTYSECOND, "the twenty-second held-out set, judged at first sight at f6b0e6c"),
    "twentythird": (TWENTYTHIRD, "the twenty-third held-out set, judged at first sight at 20b52b4"),
    "twentyfourth": (TWENTYFOURTH, "the twenty-fourth held-out set, judged at first sight at 8aca74c"),
    # read in the twenty-second session right after its first-sight judgement: no longer held out
    "twentyfifth": (TWENTYFIFTH, "the twenty-fifth set, judged at first sight at f353454; read and tuned on since "
                                 "the twenty-second session, so no longer held out"),
    "twentysixth": (TWENTYSIXTH, "the twenty-sixth held-out set, judged at first sight at 20cbb81"),
    "twentyseventh": (TWENTYSEVENTH, "the twenty-seventh held-out set, judged at first sight at 919862d"),
    # read in the twenty-fourth session right after its first-sight judgement: no longer held out
    "twentyeighth": (TWENTYEIGHTH, "the twenty-eighth set, judged at first sight at 5db6505; read and tuned on "
                                   "since the twenty-fourth session, so no longer held out"),
    # read in the twenty-fifth session right after its first-sight judgement: no longer held out
    "twentyninth": (TWENTYNINTH, "the twenty-ninth set, judged at first sight at 60b5568; read and tuned on since "
                                 "the twenty-fifth session, so no longer held out"),
    # read in the twenty-fifth session right after its first-sight judgement: no longer held out
    "thirtieth": (THIRTIETH, "the thirtieth set, judged at first sight at 012c191; read and tuned on since the "
                             "twenty-fifth session, so no longer held out"),
    # read in the twenty-fifth session right after its first-sight judgement: no longer held out
    "thirtyfirst": (THIRTY_FIRST, "the thirty-first set, judged at first sight at the twenty-fifth session's final "
                                  "code; read and tuned on since then, so no longer held out"),
    # read in the twenty-sixth session right after its first-sight judgement: no longer held out
    "thirtysecond": (THIRTY_SECOND, "the thirty-second set, judged at first sight at 253454a; read and tuned on "
                                    "since the twenty-sixth session, so no longer held out"),
    # read in the twenty-sixth session right after its first-sight judgement: no longer held out
    "thirtythird": (THIRTY_THIRD, "the thirty-third set, judged at first sight at 27c08bd; read and tuned on "
                                  "since the twenty-sixth session, so no longer held out"),
    # read in the twenty-eighth session, once a newer held-out set (the thirty-sixth) had replaced it
    "thirtyfourth": (THIRTY_FOURTH, "the thirty-fourth set, judged at first sight at 8290da6; read and tuned on "
                                    "since the twenty-eighth session, so no longer held out"),
    # read in the twenty-seventh session right after its first-sight judgement: no longer held out
    "thirtyfifth": (THIRTY_FIFTH, "the thirty-fifth set, judged at first sight at 5c73a49; read and tuned on "
                                  "since the twenty-seventh session, so no longer held out"),
    # read in the twenty-ninth session, once a newer held-out set (the thirty-seventh) had replaced it
    "thirtysixth": (THIRTY_SIXTH, "the thirty-sixth set, judged at first sight at ba25e9d; read and tuned on "
                                  "since the twenty-ninth session, so no longer held out"),
    # read in the thirtieth session, once newer held-out sets (the thirty-ninth to forty-first) had replaced them
    "thirtyseventh": (THIRTY_SEVENTH, "the thirty-seventh set, judged at first sight at 025fb21; read and tuned on "
                                      "since the thirtieth session, so no longer held out"),
    "thirtyeighth": (THIRTY_EIGHTH, "the thirty-eighth set, judged at first sight at 76a7498; read and tuned on "
                                    "since the thirtieth session, so no longer held out"),
    "thirtyninth": (THIRTY_NINTH, "the thirty-ninth held-out set, judged at first sight at 4ca8a81"),
    # read in the session that added it: its 23 wrong RL105 findings (one copied transform) were
    # a defect worth mending at once; its first-sight figure is recorded before the change
    "fortieth": (FORTIETH, "the fortieth set (one repository with many copied scripts), judged at first sight at "
                           "4ca8a81; read and tuned on in the thirtieth session, so no longer held out"),
    "fortyfirst": (FORTY_FIRST, "the forty-first held-out set (a library with many example scripts), judged at "
                                "first sight at d222d32"),
}
VERDICTS = ("right-worth", "right-not-worth", "wrong")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def lint(tree: Path) -> list[dict]:
    """Default-selection findings of the repolens in this checkout, as its JSON contract gives them."""
    done = subprocess.run([sys.executable, "-m", "repolens", "lint", ".", "--format", "json", "--no-cache",
                           "--fail-on", "never", "-q"], cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"repolens lint failed in {tree}: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout or "[]")


def keyed(repo: str, commit: str, tree: Path, findings: list[dict]) -> list[dict]:
    """The findings with their stable keys (and source lines), in the linter's order. The line is
    read as the linter reads it (a notebook finding's line counts from its cell's first line)."""
    paths = {f["path"] for f in findings}
    reader = SourceLineReader({rel: Target(tree / rel, rel, _kind(rel)) for rel in paths})
    seen: Counter = Counter()
    out = []
    for f in findings:
        text = normalise(reader.line(SimpleNamespace(path=f["path"], line=f["line"], cell=f.get("cell"))))
        base = f"{repo}|{f['rule']}|{f['path']}|{text}"
        seen[base] += 1
        out.append({"key": f"{base}|{seen[base]}", "repo": repo, "commit": commit, "path": f["path"],
                    "line": f["line"], "rule": f["rule"], "source": text, "message": f["message"],
                    **({"cell": f["cell"]} if f.get("cell") is not None else {})})
    return out


def realign(now: list[dict], findings: list[dict]) -> None:
    """Give each finding the key of the judgement made on its own line, where the key's occurrence
    number says otherwise. The trees are linted at the commit they were judged at (`current` skips
    the others), so a judged finding's line is its identity; the occurrence number is not: when the
    linter stops reporting the first of two findings with the same source text in a file, the
    second would take the first's key and verdict (MPRNet's three `checkpoint = torch.load(weights)`
    in `utils/model_utils.py`, once the dead `load_checkpoint_multigpu` went quiet). Only pairs of
    (key without occurrence, line) that are unique on both sides are moved (a notebook's lines count
    per cell, so two cells may share one); a finding whose key was judged on another line and that
    has no judgement of its own gets a key no judgement holds: it counts as not judged yet. A
    judgement that records its notebook cell is matched on (key without occurrence, cell, line)
    first: two cells with the same text on the same line are then told apart (dlwpt's chapter 8
    notebook binds `train_loader = DataLoader(..., shuffle=False)` in cells 31 and 37)."""
    def base(key: str) -> str:
        return key.rsplit("|", 1)[0]

    def in_cell(item: dict) -> tuple:
        return base(item["key"]), item.get("cell"), item.get("line")

    celled = Counter(in_cell(j) for j in findings if j.get("cell") is not None)
    by_cell = {in_cell(j): j["key"] for j in findings if j.get("cell") is not None}
    seen_in_cell = Counter(in_cell(f) for f in now if f.get("cell") is not None)

    judged = Counter((base(j["key"]), j.get("line")) for j in findings)
    by_line = {(base(j["key"]), j.get("line")): j["key"] for j in findings}
    line_of = {j["key"]: j.get("line") for j in findings}
    seen = Counter((base(f["key"]), f["line"]) for f in now)
    for f in now:
        pair = (base(f["key"]), f["line"])
        if f.get("cell") is not None and celled[in_cell(f)] == 1 and seen_in_cell[in_cell(f)] == 1:
            f["key"] = by_cell[in_cell(f)]
        elif judged[pair] == 1 and seen[pair] == 1:
            f["key"] = by_line[pair]
        elif f["key"] in line_of and line_of[f["key"]] != f["line"]:
            f["key"] += f"@{f['line']}"  # that judgement was made on another line: this one is not judged


def load(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"repos": {}, "findings": []}


def save(data: dict, path: Path) -> None:
    data["findings"].sort(key=lambda j: (j["repo"], j["path"], j["line"], j["rule"], j["key"]))
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def current(data: dict, only: list[str] | None) -> tuple[list[dict], list[str]]:
    found, skipped = [], []
    for repo, commit in sorted(data["repos"].items()):
        if only and repo not in only:
            continue
        tree = realrepos.tree(repo)
        if tree is None:
            skipped.append(f"{repo}: not materialised")
            continue
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tree, capture_output=True, text=True).stdout.strip()
        if head != commit:
            skipped.append(f"{repo}: tree at {head[:10]}, judged at {commit[:10]}")
            continue
        found.extend(keyed(repo, commit, tree, lint(tree)))
    return found, skipped


def table(now: list[dict], judged: dict[str, dict]) -> list[tuple]:
    """Rows (rule, findings, judged, right-worth, right-not-worth, wrong) plus a total row."""
    per: dict[str, Counter] = defaultdict(Counter)
    for f in now:
        c = per[f["rule"]]
        c["findings"] += 1
        verdict = judged.get(f["key"], {}).get("verdict")
        if verdict in VERDICTS:
            c["judged"] += 1
            c[verdict] += 1
    rows = [(rule, c["findings"], c["judged"], *(c[v] for v in VERDICTS)) for rule, c in sorted(per.items())]
    total = tuple(sum(r[i] for r in rows) for i in range(1, 6))
    return rows + [("total", *total)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true",
                    help="add findings not judged yet (verdict null) and refresh the lines of judged ones")
    ap.add_argument("--add-repo", nargs="*", default=[], help="owner/name to add to the judged set (manifest commit)")
    ap.add_argument("--only", nargs="*", default=None, help="only these repositories")
    ap.add_argument("-v", "--verbose", action="store_true", help="list unjudged and gone findings")
    ap.add_argument("--json", action="store_true", help="print the table and changes as JSON")
    sets = ap.add_mutually_exclusive_group()
    for name, (path, what) in HELD_OUT_SETS.items():
        sets.add_argument(f"--{name}", dest="set", action="store_const", const=name,
                          help=f"use {path.name} instead of {JUDGEMENTS.name}: {what}")
    args = ap.parse_args(argv)
    path = HELD_OUT_SETS[args.set][0] if args.set else JUDGEMENTS
    data = load(path)
    for repo in args.add_repo:
        data["repos"][repo] = realrepos.commit_of(repo)
    now, skipped = current(data, args.only)
    realign(now, data["findings"])
    judged = {j["key"]: j for j in data["findings"]}
    now_keys = {f["key"] for f in now}
    linted = {f["repo"] for f in now} | {r for r in data["repos"] if not args.only or r in args.only}
    linted -= {s.split(":")[0] for s in skipped}
    new = [f for f in now if judged.get(f["key"], {}).get("verdict") not in VERDICTS]
    gone = [j for j in data["findings"] if j["repo"] in linted and j["key"] not in now_keys
            and j.get("verdict") in VERDICTS]
    rows = table(now, judged)
    if args.update:
        for f in now:
            if f["key"] in judged:
                judged[f["key"]].update(line=f["line"], message=f["message"])
            else:
                data["findings"].append({**f, "verdict": None, "note": ""})
        save(data, path)
    if args.json:
        print(json.dumps({"table": rows, "unjudged": new, "gone": gone, "skipped": skipped}, indent=1))
        return 0
    for s in skipped:
        print(f"skipped {s}")
    print(f"{'rule':8s} {'findings':>8s} {'judged':>7s} {'right-worth':>12s} {'not-worth':>10s} {'wrong':>6s}")
    for rule, n, j, worth, not_worth, wrong in rows:
        print(f"{rule:8s} {n:8d} {j:7d} {worth:12d} {not_worth:10d} {wrong:6d}")
    _, n, j, worth, not_worth, wrong = rows[-1]
    if j:
        print(f"right {(worth + not_worth) / j:.1%}, worth acting on {worth / j:.1%} of {j} judged findings")
    print(f"{len(new)} findings not judged yet; {len(gone)} judged findings gone"
          + ("" if not args.update else f"; {path.name} updated"))
    if args.verbose:
        for f in new:
            print(f"  new   {f['repo']} {f['path']}:{f['line']} {f['rule']}  {f['source'][:90]}")
        for j in gone:
            print(f"  gone  {j['repo']} {j['path']}:{j['line']} {j['rule']} ({j['verdict']})  {j['source'][:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
