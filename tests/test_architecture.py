"""docs/architecture.md, the folders of authcore/ and the imports agree: every layer and module is
described, every path the page (and the README's Layout) names exists, and no import breaks the
dependency rule."""

from __future__ import annotations

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "authcore"
DOC = (ROOT / "docs" / "architecture.md").read_text()

# The dependency rule, left to right: a module imports its own layer and layers of a higher rank.
RANK = {
    "__main__": 0, "tools": 0,
    "cluster": 1,
    "api": 2,
    "engine": 3,
    "decision": 4, "risk": 4, "state": 4, "journal": 4,
    "errors": 5, "observability": 5, "_fast": 5,
}
DOMAIN = ("decision", "risk", "state", "journal")
# The two imports that cross the rule on purpose (docs/architecture.md says why).
CROSSINGS = {
    ("authcore.api.config", "authcore.cluster.partitions"),
    ("authcore.cluster.supervisor", "authcore.tools.demo"),
}
# From authcore-client (clients/python): every layer may use them.
CONTRACT = ("v1", "client")


def tree_entries() -> dict[str, str]:
    """The page's folder tree: entry (`api/`, `engine.py`) -> its description."""
    block = re.search(r"```\nauthcore/\n(.*?)```", DOC, re.DOTALL)
    assert block, "docs/architecture.md has no tree starting with authcore/"
    entries: dict[str, str] = {}
    name = None
    for line in block.group(1).splitlines():
        match = re.match(r"  (\S+)\s+(.*)", line)
        if match:
            name = match.group(1)
            entries[name] = match.group(2)
        elif name and line.strip():
            entries[name] += " " + line.strip()
    return entries


def subpackages() -> list[pathlib.Path]:
    return sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


def modules() -> dict[str, pathlib.Path]:
    """Dotted name -> source file of every Python module of the server package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: pathlib.Path) -> set[str]:
    """Every authcore module or package that name imports, at any depth (lazy imports too)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base == "authcore":
                found.update(f"authcore.{alias.name}" for alias in node.names)
            else:
                found.add(base)
    return {n for n in found if n.startswith("authcore.") and n.split(".")[1] not in CONTRACT}


def layer(dotted: str) -> str:
    return dotted.split(".")[1]


def test_every_layer_and_module_is_described():
    entries = tree_entries()
    on_disk = {f"{p.name}/" for p in subpackages()} | {"data/"}
    on_disk |= {p.name for p in PACKAGE.glob("*.py")}
    assert set(entries) == on_disk, (
        f"docs/architecture.md's tree and authcore/ differ: only in the page {sorted(set(entries) - on_disk)}, "
        f"only on disk {sorted(on_disk - set(entries))}")
    for package in subpackages():
        stems = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
        stems |= {p.stem for p in package.glob("*.pyx")}
        words = set(re.findall(r"\w+", entries[f"{package.name}/"]))
        missing = sorted(stems - words)
        assert not missing, f"docs/architecture.md does not name {missing} in {package.name}/"


def test_layer_docstrings_say_what_they_must_not_import():
    for package in subpackages():
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert doc, f"authcore/{package.name}/__init__.py has no docstring"
    for name in DOMAIN:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        for above in ("authcore.api", "authcore.cluster", "authcore.tools", "authcore.engine"):
            assert above in doc, f"authcore/{name}/__init__.py does not say it never imports {above}"
    assert "authcore.tools" in ast.get_docstring(ast.parse((PACKAGE / "api" / "__init__.py").read_text()))


def test_every_path_named_exists():
    named = set(re.findall(r"`([\w.-]+(?:/[\w.-]*)+)`", DOC))
    layout = re.search(r"^## Layout\n.*?```\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL | re.MULTILINE)
    assert layout, "README.md has no Layout tree"
    readme, folder = set(), ""
    for line in layout.group(1).splitlines():
        if re.match(r"authcore/\S*", line):
            readme.add(folder := line.split()[0])
        elif re.match(r"  [\w.]+\.py\s", line):  # a module of the folder above
            readme.add(folder + line.split()[0])
    assert any(path.endswith(".py") for path in readme), "README.md's Layout names no module"
    missing = []
    for path in sorted(named):
        top = path.split("/")[0]
        base = ROOT if top in ("authcore", "tests", "docs", "scripts", "clients", "proto", "examples") else PACKAGE
        if not (base / path).exists():
            missing.append(path)
    missing += [path for path in sorted(readme) if not (ROOT / path).exists()]
    assert not missing, f"paths named but not there: {missing}"
    modules_named = set(re.findall(r"`(authcore(?:\.\w+)+)`", DOC))
    known = modules()
    for dotted in modules_named:
        if layer(dotted) in RANK:  # not authcore.v1 or a file name such as authcore.db
            assert dotted in known, f"docs/architecture.md names {dotted}, which is not a module"


def test_imports_keep_the_dependency_rule():
    known = modules()
    broken = []
    for name, path in known.items():
        if len(name.split(".")) < 2:
            continue
        mine = layer(name)
        for target in sorted(imports_of(name, path)):
            theirs = layer(target)
            assert theirs in RANK, f"{name} imports {target}: a layer docs/architecture.md does not rank"
            if RANK[theirs] < RANK[mine] and (name, target) not in CROSSINGS:
                broken.append(f"{name} -> {target}")
    assert not broken, f"imports against the dependency rule (docs/architecture.md): {broken}"


def test_the_rule_as_the_layers_state_it():
    """Spelled out: nothing in the domain imports the engine, api, cluster or tools; api never
    imports tools; the bottom row imports no layer above it."""
    known = modules()
    for name, path in known.items():
        parts = name.split(".")
        if len(parts) < 2:
            continue
        targets = {layer(t) for t in imports_of(name, path)}
        if parts[1] in DOMAIN:
            assert not targets & {"engine", "api", "cluster", "tools"}, f"{name} imports {targets}"
        if parts[1] == "api":
            assert "tools" not in targets, f"{name} imports authcore.tools"
        if parts[1] in ("errors", "observability", "_fast"):
            assert targets <= {"errors", "observability", "_fast"}, f"{name} imports {targets}"


def test_crossings_are_still_needed():
    """A crossing the code no longer makes is dropped from the list (and from the page)."""
    known = modules()
    for source, target in CROSSINGS:
        assert target in imports_of(source, known[source]), f"{source} no longer imports {target}"
        assert f"`{source.removeprefix('authcore.').replace('.', '/')}.py`" in DOC
