"""Write docs/architecture.md: govflow's packages and the imports between them, read from the
code (``ast``) and grouped by the layers of the import contract in pyproject.toml.

    python scripts/module_diagram.py           rewrite docs/architecture.md
    python scripts/module_diagram.py --check   exit 1 if it is stale (tests/test_module_diagram.py)

A node is a package of ``app/`` (or one of the modules that start the program); an arrow
``a --> b`` says some module of ``a`` imports one of ``b``, deferred and type-checking
imports included. A dotted arrow is an import the contract still lets through
(``ignore_imports``), to be removed. The top-level modules every layer shares (settings,
errors, dependencies, ...) are listed, not drawn: an arrow to each from everywhere says
nothing.
"""

import argparse
import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "app"
OUTPUT = ROOT / "docs" / "architecture.md"
# Modules, not packages, that are nodes of their own: they start the program or list what
# it serves, so they sit at the top of the layers.
ENTRY_MODULES = ("main", "worker", "kinds")


@dataclass(frozen=True)
class Contract:
    layers: list[list[str]]  # top first; each layer its components ("tickets", "main", ...)
    ignored: frozenset[tuple[str, str]]  # (importer module, imported module)


def read_contract(pyproject: Path) -> Contract:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = config["contracts"]
    layers_contract = next(c for c in contracts if c["type"] == "layers")
    layers = [
        [name.strip().removeprefix(f"{PACKAGE}.") for name in re.split(r"[|:]", layer)]
        for layer in layers_contract["layers"]
    ]
    ignored = set()
    for contract in contracts:
        for expression in contract.get("ignore_imports", []):
            importer, imported = (part.strip() for part in expression.split("->"))
            ignored.add((importer, imported))
    return Contract(layers, frozenset(ignored))


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(
    tree: ast.Module, module: str, is_package: bool, known: set[str]
) -> Iterator[str]:
    """Every module the module's source imports, at any depth of the code: for
    ``from app.x import y`` the module ``app.x.y`` if there is one, else ``app.x``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield submodule if submodule in known else source


def component(module: str, packages: set[str]) -> str | None:
    """The node a module belongs to: its top-level package, an entry module, or None."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    top = parts[1]
    return top if top in packages or top in ENTRY_MODULES else None


def import_edges(root: Path) -> tuple[set[str], set[str], dict[tuple[str, str], bool]]:
    """The packages, the shared top-level modules, and each edge between nodes with
    whether every import behind it is one the contract ignores."""
    source_root = root / PACKAGE
    packages = {p.parent.name for p in source_root.glob("*/*.py")}
    shared = {
        p.stem
        for p in source_root.glob("*.py")
        if p.stem not in (*ENTRY_MODULES, "__init__", "__main__")
    }
    files = sorted(source_root.rglob("*.py"))
    known = {module_name(path, root) for path in files}
    contract = read_contract(root / "pyproject.toml")
    edges: dict[tuple[str, str], bool] = {}
    for path in files:
        module = module_name(path, root)
        importer = component(module, packages)
        if importer is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported in set(imported_modules(tree, module, path.name == "__init__.py", known)):
            target = component(imported, packages)
            if imported not in known or target is None or target == importer:
                continue
            only_ignored = (module, imported) in contract.ignored
            edges[(importer, target)] = edges.get((importer, target), True) and only_ignored
    return packages, shared, edges


def node_id(name: str) -> str:
    return name.replace(".", "_")


def mermaid(root: Path) -> str:
    packages, _, edges = import_edges(root)
    layers = read_contract(root / "pyproject.toml").layers
    placed = {name for layer in layers for name in layer}
    lines = ["flowchart TD"]
    for index, layer in enumerate(layers):
        lines.append(f'    subgraph layer{index}[" "]')
        lines += [f"        {node_id(name)}[{name}]" for name in layer]
        lines.append("    end")
    lines += [f"    {node_id(name)}[{name}]" for name in sorted(packages - placed)]
    for (importer, imported), ignored in sorted(edges.items()):
        arrow = "-.->" if ignored else "-->"
        lines.append(f"    {node_id(importer)} {arrow} {node_id(imported)}")
    return "\n".join(lines)


def document(root: Path = ROOT) -> str:
    _, shared, _ = import_edges(root)
    listed = ", ".join(f"`{name}`" for name in sorted(shared))
    return "\n".join(
        [
            "# Modules and their imports",
            "",
            "Generated from the code by `python scripts/module_diagram.py` (a test fails when it",
            "is stale). Each box is a package of `app/`, or a module that starts the program",
            "(`main`, `worker`) or lists the kinds of record served (`kinds`); rows are the",
            "layers of the import contract in `pyproject.toml` (top first), which `make lint`",
            "checks with import-linter. An arrow is an import; a dotted one is an import the",
            "contract still lets through (`ignore_imports`), to be removed.",
            "",
            f"Not drawn, being shared across the layers: the top-level modules {listed}.",
            "",
            "```mermaid",
            mermaid(root),
            "```",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    arguments = parser.parse_args(argv)
    wanted = document()
    if arguments.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != wanted:
            print(f"{OUTPUT} is stale: run python scripts/module_diagram.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(wanted, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
