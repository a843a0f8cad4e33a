#!/usr/bin/env python3
"""Checks that the imports in src/ run one way.

Reads every `crate::` and `super::` path in src/ (use lines and inline
paths alike, tests included), resolves each to the module file it names,
and fails on an import cycle between files or on a command
(src/cmd/<name>) that imports another command: shared helpers belong in
the modules below the commands. Prints the layers when all is well.

Usage: scripts/imports.py [SRC_DIR]   (default: src)
"""

import re
import sys
from pathlib import Path

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "src")

# `crate::a::b`, `crate::{a, b::c}`, `super::x`: the path after the root.
PATH = re.compile(r"\b(crate|super)::((?:[A-Za-z_][A-Za-z0-9_]*::)*(?:\{[^;]*?\}|[A-Za-z_][A-Za-z0-9_]*))", re.S)
COMMENT = re.compile(r"//[^\n]*")


def module_of(path: Path) -> tuple:
    """src/cmd/watch/unix.rs -> ("cmd", "watch", "unix"); mod.rs and lib.rs name their folder."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def file_of(modules: dict, segments: tuple):
    """The longest prefix of segments that is a module file."""
    for n in range(len(segments), 0, -1):
        if segments[:n] in modules:
            return modules[segments[:n]]
    return None


def expand(tree: str) -> list:
    """`a::{b, c::d}` -> [a::b, a::c::d] (one level of braces is enough here)."""
    tree = re.sub(r"\s+", "", tree)
    if "{" not in tree:
        return [tree]
    head, _, rest = tree.partition("{")
    inner = rest.rsplit("}", 1)[0]
    out, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    out.append(cur)
    return [p for item in out if item for p in expand(head + item)]


def main() -> int:
    files = sorted(SRC.rglob("*.rs"))
    modules = {module_of(f): f for f in files}
    edges = {f: set() for f in files}
    for f in files:
        text = COMMENT.sub("", f.read_text())
        me = module_of(f)
        for root, tree in PATH.findall(text):
            base = () if root == "crate" else me[:-1]
            for p in expand(tree):
                segs = base + tuple(s for s in p.split("::") if s and s != "self")
                target = file_of(modules, segs)
                if target is not None and target != f:
                    # A module's own children are its business, not an import.
                    if module_of(target)[: len(me)] == me and me:
                        continue
                    edges[f].add(target)

    problems = []
    for f, targets in edges.items():
        m = module_of(f)
        for t in targets:
            n = module_of(t)
            if m[:1] == ("cmd",) and n[:1] == ("cmd",) and len(m) > 1 and len(n) > 1 and m[1] != n[1]:
                problems.append(f"command imports another command: {f} -> {t}")

    # Tarjan's strongly connected components: any of more than one file is a cycle.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in files:
        if v not in index:
            visit(v)
    for comp in sccs:
        if len(comp) > 1:
            names = ", ".join(str(c.relative_to(SRC)) for c in sorted(comp))
            problems.append(f"import cycle through: {names}")

    if problems:
        for p in problems:
            print(f"imports: {p}", file=sys.stderr)
        return 1

    # Layers: a file's layer is one more than the highest it imports.
    layer = {}

    def depth(v):
        if v not in layer:
            layer[v] = 1 + max((depth(w) for w in edges[v]), default=-1)
        return layer[v]

    for v in files:
        depth(v)
    arrows = sum(len(t) for t in edges.values())
    print(f"imports: {len(files)} files on {max(layer.values()) + 1} layers, {arrows} arrows, no cycle, no command importing another")
    return 0


if __name__ == "__main__":
    sys.exit(main())
