"""Finds import cycles between our own modules (static: every import statement, at any depth).

    .venv/bin/python scripts/import_cycles.py [PACKAGE ...]    # exit 1 and list them if any

Reads the source with `ast`, so it needs neither environment's libraries and sees imports
inside functions too (the lazy `from kakekomi_bot.cli import rasa_env` that made a cycle).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each first-party package and the folder it sits in.
PACKAGES: dict[str, Path] = {
    "api": ROOT,
    "actions": ROOT,
    "kakekomi_ngo": ROOT,
    "kakekomi_stack": ROOT,
    "kakekomi_common": ROOT / "common",
    "kakekomi_bot": ROOT / "bot",
}


def modules(packages: Mapping[str, Path]) -> dict[str, Path]:
    """Every module of the packages by dotted name (a package is its __init__.py)."""
    found: dict[str, Path] = {}
    for package, parent in packages.items():
        for path in sorted((parent / package).rglob("*.py")):
            parts = path.relative_to(parent).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = module.split(".")
            anchor = anchor if is_package else anchor[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(packages: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the first-party modules it imports."""
    known = modules(packages)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for target in _imported(node, name, path.name == "__init__.py"):
                if target in known and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(edges) + 100))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    """Prints each cycle; exit 1 if there is one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help=f"some of {', '.join(PACKAGES)} (all)")
    args = parser.parse_args(argv)
    unknown = set(args.packages) - set(PACKAGES)
    if unknown:
        parser.error(f"unknown package: {', '.join(sorted(unknown))}")
    args.packages = args.packages or list(PACKAGES)
    edges = graph({name: PACKAGES[name] for name in args.packages})
    found = cycles(edges)
    for group in found:
        print("import cycle: " + " <-> ".join(group))
    imports = sum(len(targets) for targets in edges.values())
    print(f"{len(edges)} modules, {imports} imports between them, {len(found)} cycle(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
