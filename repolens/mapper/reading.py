"""The reading order an expert would give a newcomer, each step with its reason.

README (and the paper it links), the main entrypoint (a training script over an evaluation one),
then the files it reaches through the call graph: config, data, model, training loop, evaluation,
utilities last. The core model file (the model the entrypoint builds, else the largest nn.Module
hierarchy) is marked. A library with no entry script starts from that core file.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from repolens.mapper.callgraph import Reached, call_graph
from repolens.mapper.model import CallEdge, Entrypoint, FileRole, ReadingStep
from repolens.mapper.context import MapContext

_ORDER = {"config": 0, "data": 1, "model": 2, "train": 3, "eval": 4, "script": 5, "utils": 6, "test": 7}
_ENTRY_PREF = {"train": 0, "eval": 1, "script": 2, "data": 3, "config": 4, "utils": 5, "model": 6, "test": 7}
_KIND_STRENGTH = {"readme-command": 0, "console-script": 1, "shell-script": 2, "main-guard": 3, "script-body": 3}
MAX_STEPS = 14


def main_entrypoint(entrypoints: list[Entrypoint], roles: dict[str, FileRole],
                    project: MapContext | None = None) -> Entrypoint | None:
    """The train script over eval; documented evidence over a bare __main__ guard. With several
    training scripts, the one that trains the project's own model (see `central_model`) first."""
    if not entrypoints:
        return None
    def key(item: tuple[int, Entrypoint]) -> tuple[int, int, int]:
        i, e = item
        role = roles[e.path].role if e.path in roles else "script"
        strength = _KIND_STRENGTH.get(e.kind, 3)
        weak = strength == 3
        return (weak, _ENTRY_PREF.get(role, 5), i)
    candidates = list(enumerate(entrypoints))
    central = central_model(project, entrypoints, roles) if project is not None else None
    if central is not None:
        # guided-diffusion documents only its classifier's training command; image_train.py, which
        # trains the UNet that the sampling scripts build too, is the project's training script.
        model, built = central
        own = [(i, e) for i, e in candidates if roles[e.path].role == "train" and built.get(e.path) == model]
        # Only over scripts the README does not document: when it documents those too (torch-ngp's
        # five main_*.py), the order it gives them in is the authors' own (main_nerf.py first).
        if not any(e.kind == "readme-command" for _, e in own):
            candidates = own or candidates
    best = min(candidates, key=key)[1]
    if best.kind == "main-guard" and roles.get(best.path) and roles[best.path].role in ("model", "test", "utils"):
        return None  # a model's smoke test is no entry to a project
    return best


def module_class_lines(project: MapContext, rel: str) -> int:
    s = project.summaries[rel]
    return sum(c.end_line - c.line + 1 for c in s.classes if project.model.class_kind(rel, c.name) == "module")


_NOT_CORE = re.compile(r"(?:loss|criterion|wrapper|head|ema)$", re.I)


def hierarchy_lines(project: MapContext, rel: str, name: str, _seen: set[tuple[str, str]] | None = None,
                    depth: int = 0) -> int:
    """Lines of a Module class, of its repository base classes and of the repository Module classes
    it builds, transitively: a network over its blocks (UNet over Up/Down) and over the base it
    extends (torch-ngp's NeRFNetwork(NeRFRenderer): the network, not the renderer base, is what a
    script trains), whatever file each part sits in. A factory of the class's file that returns it
    builds for it: `build_transformer` makes the encoder and decoder blocks and hands them to
    `Transformer(encoder, decoder, ...)`, which is the network, not a block."""
    seen = _seen if _seen is not None else set()
    cls = project.model.classes(rel).get(name)
    if cls is None or (rel, name) in seen or depth > 5:
        return 0
    seen.add((rel, name))
    s = project.summaries.get(rel)
    info = project.model.infos.get(rel)
    factories = {fn for fn, callee in (info.returns if info is not None else ())
                 if "." not in fn and callee.rsplit(".", 1)[-1] == name}
    parts = [*cls.bases, *(qualified for func in (s.functions if s else ())
                           if func.name.startswith(name + ".") or func.name in factories
                           for qualified, _ in func.uses)]
    total = cls.end_line - cls.line + 1
    for qualified in parts:
        d = project.model.module_class(qualified, rel)
        if d is not None:
            total += hierarchy_lines(project, d.rel, d.name, seen, depth + 1)
    return total


_CENTRAL_SCRIPTS = 12  # entrypoints whose models are compared: enough for a research repository


def central_model(project: MapContext, entrypoints: list[Entrypoint], roles: dict[str, FileRole]
                  ) -> tuple[tuple[str, str], dict[str, tuple[str, str]]] | None:
    """The model most of the project's training and evaluation scripts build, with what each built,
    when there is more than one training script to choose from and one model is built by at least
    two scripts and by more than any other; else None."""
    runs = [e for e in entrypoints if e.path in roles and roles[e.path].role in ("train", "eval")]
    if sum(roles[e.path].role == "train" for e in runs) < 2:
        return None
    built: dict[str, tuple[str, str]] = {}
    for e in runs[:_CENTRAL_SCRIPTS]:
        if e.path in built:
            continue
        core = reached_core(project, call_graph(project, e.path)[1])
        if core is not None:
            built[e.path] = core[:2]
    votes = Counter(built.values()).most_common(2)
    if not votes or votes[0][1] < 2 or (len(votes) > 1 and votes[1][1] == votes[0][1]):
        return None
    return votes[0][0], built


def reached_core(project: MapContext, reached: list[Reached]) -> tuple[str, str, int] | None:
    """Among the Module classes an entrypoint reaches (through calls, factories, registries), the one
    with the largest hierarchy: the network, not one of its blocks, nor a loss, a wrapper or a head
    that the network is handed to."""
    best: tuple[int, int, str, str, int] | None = None
    for r in reached:
        d = r.definition
        if d.kind != "class" or _NOT_CORE.search(d.name) or project.model.class_kind(d.rel, d.name) != "module":
            continue
        key = (hierarchy_lines(project, d.rel, d.name), -r.depth, d.rel, d.name, d.line)
        if best is None or key[:2] > best[:2]:
            best = key
    return (best[2], best[3], best[4]) if best is not None else None


def named_builder(project: MapContext, entry: str) -> tuple[str, str, int, str] | None:
    """(rel, class, line, why) of the model a registry would build from a name the entry file writes
    as a string (`--model default='deit_base_patch16_224'` for timm's `create_model(args.model)`):
    a function or Module class of that name in a file the entry imports. A builder that returns a
    repository Module names it; one that returns an outside class (timm's VisionTransformer) points
    at its file's largest Module."""
    s = project.summaries.get(entry)
    if s is None or not s.name_literals:
        return None
    imported = sorted(project.model.imported_files(entry, depth=1))
    defined: dict[str, tuple[str, str]] = {}
    for rel in imported:
        info = project.model.infos.get(rel)
        for name, _ in info.functions if info is not None else ():
            if "." not in name:
                defined.setdefault(name, (rel, "function"))
        for c in info.classes if info is not None else ():
            defined.setdefault(c.name, (rel, "class"))
    for literal, line in s.name_literals:
        if literal not in defined:
            continue
        rel, kind = defined[literal]
        why = f"{entry}:{line} names {literal} ({rel}) for a registry to build"
        if kind == "class":
            cls = project.model.classes(rel).get(literal)
            if cls is not None and project.model.class_kind(rel, literal) == "module":
                return rel, literal, cls.line, why
            continue
        info = project.model.infos[rel]
        for fn, callee in info.returns:
            d = project.model.module_class(callee, rel) if fn == literal else None
            if d is not None:
                return d.rel, d.name, d.line, why
        mods = [c for c in info.classes if project.model.class_kind(rel, c.name) == "module"
                and not _NOT_CORE.search(c.name)]
        if mods:
            biggest = max(mods, key=lambda c: (hierarchy_lines(project, rel, c.name), -c.line))
            return rel, biggest.name, biggest.line, why
    return None


def commanded_module(project: MapContext, entry: str, commands: list[str]) -> tuple[str, str, int, str] | None:
    """(rel, class, line, why) of the model the entrypoint imports by a name given on its command
    line, when the README's command names it: `x = import_module('models.' + args.model)` in
    run.py and `python run.py --model bert` in the README read models/bert.py, not the largest of
    its siblings (Chinese-Text-Classification's bert_DPCNN). The first command that names a
    module wins; the module's largest nn.Module is the core."""
    info = project.model.infos.get(entry)
    if info is None or not info.dynamic_imports:
        return None
    for command in commands:
        for word in command.split()[1:]:
            if not re.fullmatch(r"[A-Za-z_]\w*", word):
                continue
            for dyn in info.dynamic_imports:
                rel = project.model.module_rel(dyn.prefix + word + dyn.suffix, entry)
                if rel is None or rel == entry:
                    continue
                mods = [c for c in project.model.classes(rel).values()
                        if project.model.class_kind(rel, c.name) == "module" and not _NOT_CORE.search(c.name)]
                if mods:
                    biggest = max(mods, key=lambda c: (hierarchy_lines(project, rel, c.name), -c.line))
                    return rel, biggest.name, biggest.line, f"`{command}` imports {rel} by name ({entry}:{dyn.line})"
    return None


def core_file(project: MapContext, roles: dict[str, FileRole], reached: list[Reached],
              entry: str | None = None, commands: list[str] | None = None,
              ) -> tuple[str, str | None, int | None] | tuple[str, str, int, str] | None:
    """(rel, class, line) of the model the README's command for the entrypoint names (a module it
    imports by that name, with a 4th item: why), else of the model the entrypoint builds, else of
    the model a registry builds from a name the entrypoint writes (with a why), else of the largest
    nn.Module file."""
    # The README's own command first: a call graph through `import_module` reaches every sibling.
    commanded = commanded_module(project, entry, commands) if entry and commands else None
    if commanded is not None:
        return commanded
    found = reached_core(project, reached)
    if found is not None:
        return found
    named = named_builder(project, entry) if entry else None
    if named is not None:
        return named
    candidates = [(module_class_lines(project, rel), rel) for rel, fr in roles.items() if fr.role == "model"]
    candidates = [c for c in candidates if c[0] > 0]
    if not candidates:
        return None
    _, rel = max(candidates, key=lambda c: (c[0], len(project.model.importers.get(c[1], ())), c[1]))
    s = project.summaries[rel]
    mods = [c for c in s.classes if project.model.class_kind(rel, c.name) == "module"]
    biggest = max(mods, key=lambda c: hierarchy_lines(project, rel, c.name)) if mods else None
    return rel, biggest.name if biggest else None, biggest.line if biggest else None


def reading_order(project: MapContext, roles: dict[str, FileRole], entrypoints: list[Entrypoint],
                  main: Entrypoint | None, readme: str | None,
                  papers: list[str]) -> tuple[list[ReadingStep], list[CallEdge]]:
    """The reading steps from `main` (the caller's `main_entrypoint`, computed once: the recipe
    reads the same one) and the calls followed out of it."""
    steps: list[ReadingStep] = []
    if readme:
        why = "what the project does, how to install and run it"
        if papers:
            why += "; the paper: " + ", ".join(papers[:2])
        steps.append(ReadingStep(readme, why))
    edges: list[CallEdge] = []
    reached: list[Reached] = []
    if main is not None:
        edges, reached = call_graph(project, main.path)
    commands = [e.command for e in entrypoints if main is not None and e.path == main.path
                and e.kind == "readme-command" and e.command]
    core = core_file(project, roles, reached, main.path if main else None, commands)
    if main is not None:
        role = roles[main.path].role if main.path in roles else "script"
        what = {"train": "the training entrypoint", "eval": "the evaluation entrypoint"}.get(role, "the entrypoint")
        s = project.summaries.get(main.path)
        start = None
        for f in (s.functions if s else ()):
            if f.name == "main":
                start = f.line
        steps.append(ReadingStep(main.path, f"{what} ({main.kind}, {main.evidence}): start here and follow "
                                             "what it calls", start, "main" if start else None))
        if core is not None and core[0] == main.path and core[1]:
            # A one-file project: the core is the nn.Module class in the entry file, not its main().
            steps.append(ReadingStep(main.path, f"defines {core[1]}, the core model (an nn.Module in the "
                                                "entry file itself)", core[2], core[1], core=True))
    elif core is not None:
        steps.append(ReadingStep(core[0], "no entry script: a library; start from its core model"
                                          + (f" {core[1]}" if core[1] else ""), core[2], core[1], core=True))

    # Files the entrypoint reaches, grouped: the first definition reached in each file is where to start.
    by_file: dict[str, list[Reached]] = defaultdict(list)
    for r in reached:
        by_file[r.definition.rel].append(r)
    listed = {s.path for s in steps}
    entry_path = main.path if main else None
    candidates = []
    for rel, rs in by_file.items():
        if rel in listed or rel == entry_path:
            continue
        role = roles[rel].role
        pick = _pick(project, rel, rs)
        candidates.append((_ORDER.get(role, 6), min(x.depth for x in rs), rel, pick, rs))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    for _, _, rel, pick, rs in candidates:
        d = pick.definition
        role = roles[rel].role
        names = sorted({x.definition.name.split(".", 1)[0] for x in rs if x.definition.kind != "variable"})
        others = [n for n in names if n != d.name.split(".", 1)[0]]
        also = ""
        if others:
            more = f" and {len(others) - 4} more" if len(others) > 4 else ""
            also = f" (also {', '.join(others[:4])}{more})"
        verb = {"model": "the model", "data": "the data", "train": "the training loop", "eval": "the evaluation",
                "config": "the configuration", "utils": "a helper", "script": "tooling", "test": "a test helper"}
        why = f"defines {d.name}, {verb.get(role, role)} that {pick.via} uses at {pick.via.split(':')[0]}:{pick.line}{also}"
        is_core = bool(core and core[0] == rel)
        symbol, line = d.name, d.line
        if is_core and core[1]:
            symbol, line = core[1], core[2]
            why = (f"defines {core[1]}, the core model: {pick.via} builds it through {d.name} "
                   f"at {pick.via.split(':')[0]}:{pick.line}" if core[1] != d.name
                   else f"defines {d.name}, the core model that {pick.via} builds at {pick.via.split(':')[0]}:{pick.line}")
            if len(core) > 3:
                why += f"; {core[3]}"  # which of the modules it may build, by the README's command
        steps.append(ReadingStep(rel, why, line, symbol, core=is_core))
        if len(steps) >= MAX_STEPS:
            break
    listed = {s.path for s in steps}
    if core is not None and core[0] not in listed:
        why = f"the core model {core[1] or ''}: " + (core[3] if len(core) > 3 else "the largest nn.Module hierarchy")
        steps.append(ReadingStep(core[0], why.replace("  ", " "), core[2], core[1], core=True))
    # The evaluation entrypoint, when the main one trains ("evaluate.py" over "sample.py").
    for e in sorted(entrypoints, key=lambda e: not any(k in e.path.rsplit("/", 1)[-1] for k in ("eval", "test", "val"))):
        if e.path not in {s.path for s in steps} and roles.get(e.path) and roles[e.path].role == "eval" \
                and e.kind != "main-guard":
            steps.append(ReadingStep(e.path, f"the evaluation entrypoint ({e.kind}, {e.evidence})"))
            break
    return steps, edges


def _pick(project: MapContext, rel: str, rs: list[Reached]) -> Reached:
    """The definition to start a file at: a model class over a helper function, nearest first."""
    def key(r: Reached) -> tuple[int, int, int]:
        s = project.summaries[r.definition.rel]
        cls = next((c for c in s.classes if c.name == r.definition.name), None)
        kind = project.model.class_kind(rel, cls.name) if cls else ""
        return (r.definition.kind == "variable", r.depth, 0 if kind in ("module", "dataset", "iterable-dataset") else 1,
                r.definition.line)
    return min(rs, key=key)
