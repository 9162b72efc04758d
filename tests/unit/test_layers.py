"""Every arrow points down (DESIGN.md, Architecture): a module never imports one of a higher
layer, and no two packages import each other, not even from inside a function, where an
import hides a cycle from Python but not from the reader."""
import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "receiving_app"

# From the bottom. Each part of receiving_app (its first dotted name) sits in one layer and
# may import its own layer and those below; "" is receiving_app/__init__.py, the factory.
LAYERS = [
    ("errors", {"errors"}),  # anything may raise a domain error
    ("database", {"extensions", "database", "bulk_insert"}),
    ("models", {"models"}),
    # What the domain uses: photos and barcodes, languages, who sees which rows, what a
    # request may carry (payloads), and the webhooks' transport (outbox, delivery, signing),
    # handed its payloads from above.
    ("adapters", {"barcodes", "evidence", "i18n", "access", "webhooks", "payloads"}),
    ("domain", {"receiving", "inventory", "accounts"}),
    # The doors onto the domain: pages, the API, PDF and CSV rendering, commands.
    ("doors", {"web", "security", "cli", "demo"}),
    ("factory", {""}),
]
LAYER_OF = {part: (rank, name) for rank, (name, parts) in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = ["receiving_app", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The first name under receiving_app: "receiving" for receiving_app.receiving.sla."""
    return module.split(".")[1] if "." in module else ""


def imports(path: Path, modules: set[str]) -> list[tuple[int, str]]:
    """Every receiving_app module `path` imports, at any depth, with its line."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from . import database` imports the module receiving_app.database.
            found += [(node.lineno, f"{source}.{alias.name}"
                       if f"{source}.{alias.name}" in modules else source)
                      for alias in node.names]
    return sorted({(line, name) for line, name in found
                   if name == "receiving_app" or name.startswith("receiving_app.")})


def crossings() -> list[tuple[str, str, str]]:
    """(importing part, imported part, "file:line imports module") for every import from
    one part of receiving_app into another."""
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    found = []
    for path in paths:
        importer = part_of(module_name(path))
        for line, name in imports(path, modules):
            if part_of(name) != importer:
                where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
                found.append((importer, part_of(name), where))
    return found


def test_every_part_of_the_package_sits_in_a_layer():
    parts = {part_of(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert parts <= LAYER_OF.keys(), f"place {parts - LAYER_OF.keys()} in LAYERS"


def test_every_import_points_down_the_layers():
    upward = []
    for importer, imported, where in crossings():
        (low, low_name), (high, high_name) = LAYER_OF[importer], LAYER_OF[imported]
        if high > low:
            upward.append(f"{where}: {importer or 'the factory'} ({low_name}) may not "
                          f"import {imported} ({high_name})")
    assert not upward, "\n".join(upward)


def test_no_two_packages_import_each_other_even_inside_a_function():
    sites: dict[tuple[str, str], str] = {}
    for importer, imported, where in crossings():
        sites.setdefault((importer, imported), where)
    arrows = defaultdict(set)
    for importer, imported in sites:
        arrows[importer].add(imported)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            part = todo.pop()
            if part == goal:
                return True
            if part not in seen:
                seen.add(part)
                todo += arrows[part]
        return False

    in_a_cycle = [site for (importer, imported), site in sorted(sites.items())
                  if reaches(imported, importer)]
    assert not in_a_cycle, "import cycles:\n" + "\n".join(in_a_cycle)
