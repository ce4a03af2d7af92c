"""The house rules of fieldnotes/, read from the source with `ast` (docs/architecture.md explains them).

- A feature package imports only packages below it in LAYERS, never one above
  or beside it (sync and explore are beside each other).
- Nobody imports another package's page module: a module that registers routes.
  What features share lives in their query, service and model modules.
- The foundation (fieldnotes/*.py) imports no feature; only the app factory
  (fieldnotes/__init__.py) wires them together.
- Modules are imported plainly, so a missing one is an error, not a silent skip.
- Test hooks are reached only through the blueprint that registers them under TESTING.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "fieldnotes"

# Lowest first; packages in one tuple are beside each other and may not import each other.
LAYERS = [("auth",), ("studies",), ("organisations",), ("visits",), ("observations",), ("transcripts",),
          ("highlights",), ("fieldkit",), ("sync", "explore", "pwa"), ("insights",), ("accounts", "workshops"),
          ("boards",), ("exports",), ("imports",), ("api",), ("demo", "ops")]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
APP_FACTORY = "fieldnotes"
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources():
    return {module_name(path): ast.parse(path.read_text(), str(path)) for path in sorted(ROOT.rglob("*.py"))}


SOURCES = sources()


def imported(tree):
    """Every fieldnotes module a tree imports (at any depth, functions included), with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, node.lineno
            for alias in node.names:  # `from fieldnotes.sync import push` imports a module
                yield f"{node.module}.{alias.name}", node.lineno


def known(name):
    """The module a dotted import name refers to, if it is one of ours."""
    while name and name not in SOURCES:
        name = name.rpartition(".")[0]
    return name if name.startswith("fieldnotes") else None


def package_of(module):
    """The feature package of a module, or None for the foundation (fieldnotes/*.py)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in RANK:
        return None
    return parts[1]


def is_page(tree):
    """A page module registers routes: some function is decorated with bp.get/post/route/…"""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
                    return True
    return False


def edges():
    """(importer, imported module, line), once each."""
    found = set()
    for module, tree in SOURCES.items():
        for name, line in imported(tree):
            target = known(name)
            if target and target != module:
                found.add((module, target, line))
    return sorted(found)


def layering_problems():
    problems = []
    for module, target, line in edges():
        source_package, target_package = package_of(module), package_of(target)
        if module == APP_FACTORY or target_package is None or source_package == target_package:
            continue
        if source_package is None:
            problems.append(f"{module}:{line} is foundation but imports the feature {target}")
        elif RANK[target_package] > RANK[source_package]:
            problems.append(f"{module}:{line} imports {target}, a layer above it")
        elif RANK[target_package] == RANK[source_package]:
            problems.append(f"{module}:{line} imports {target}, a package beside it")
    return problems


def page_problems():
    pages = {name for name, tree in SOURCES.items() if is_page(tree)}
    return [f"{module}:{line} imports {target}, a page module of another package"
            for module, target, line in edges()
            if target in pages and package_of(module) != package_of(target) and module != APP_FACTORY]


def loader_problems():
    problems = []
    for module, tree in SOURCES.items():
        for name, line in imported(tree):
            if name in {"importlib", "importlib.import_module"}:
                problems.append(f"{module}:{line} loads modules by name; import them plainly")
    return problems


def hook_problems():
    return [f"{module}:{line} reaches the test hooks {target}"
            for module, target, line in edges()
            if target.endswith(".testhooks") and module != target.rpartition(".")[0]]


RULES = {"layers": layering_problems, "pages": page_problems, "loaders": loader_problems,
         "test hooks": hook_problems}


@pytest.mark.parametrize("rule", RULES)
def test_house_rule(rule):
    assert RULES[rule]() == []


def test_every_feature_package_has_a_place_in_the_order():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages - set(RANK) == set()


def test_the_rules_see_a_violation():
    """The checker itself works: a planted upward import and a page import are reported."""
    planted = ast.parse("from fieldnotes.boards.views import touch\nimport importlib\n")
    names = {known(name) for name, _ in imported(planted)}
    assert "fieldnotes.boards.views" in names
    assert is_page(SOURCES["fieldnotes.boards.views"])
    assert RANK["boards"] > RANK["observations"]
