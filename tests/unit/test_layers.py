"""The layers import downward: the application (`genie`) above the services, the services above the core
(`shared`) and the migrations; no import cycle anywhere, also through imports inside functions."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("genie", "services", "shared", "migrations")

# Cycles still being taken apart; each must go from here as soon as it is gone from the code.
KNOWN_CYCLES: set[frozenset[str]] = set()


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules that `name` imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from x import y` imports the module x.y when there is one, else a name of x.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_is_part_of_an_import_cycle():
    found = set(cycles(graph()))
    assert found - KNOWN_CYCLES == set(), "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)


def test_the_known_cycles_are_still_there_or_taken_off_the_list():
    assert KNOWN_CYCLES <= set(cycles(graph())), "a known cycle is gone: take it off KNOWN_CYCLES"


def test_the_core_imports_neither_the_services_nor_the_application():
    upward = [(name, target) for name, targets in graph().items() if name.split(".")[0] in ("shared", "migrations")
              for target in targets if target.split(".")[0] in ("services", "genie")]
    assert upward == []


def test_the_services_do_not_import_the_application():
    upward = [(name, target) for name, targets in graph().items() if name.startswith("services")
              for target in targets if target.startswith("genie")]
    assert upward == []


def test_the_pure_domains_need_no_framework():
    """A service's rules (`domain.py`) and the refusals they raise import neither nameko nor the database layer."""
    for path in [ROOT / "shared" / "errors.py", *sorted((ROOT / "services").glob("*/domain.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {n for n in names if n.split(".")[0] in ("nameko", "sqlalchemy", "kombu")}, path


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]


def test_the_gateway_reads_each_service_through_its_public_module_only():
    """The gateway imports a service's `schemas` (its public face: commands, answers, the indicator registry),
    never the service's internals."""
    inside = [(name, target) for name, targets in graph().items() if name.split(".")[:2] == ["services", "gateway"]
              for target in targets if target.split(".")[0] == "services" and target.split(".")[1] != "gateway"
              and target.split(".")[2:] != ["schemas"]]
    assert inside == []
