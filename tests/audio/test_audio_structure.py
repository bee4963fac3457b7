"""Each module's place is clear: no import circles among the audio modules (counting imports inside
functions too), and none between assistant.launcher and assistant.pairing."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path, package: str) -> Set[str]:
    """Modules of the project that `path` imports, at module level or inside functions."""
    module = f"{package}.{path.stem}"
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.rsplit(".", node.level)[0]
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _graph(package: str) -> Dict[str, Set[str]]:
    folder = ROOT / package
    modules = {f"{package}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    return {name: _imports(path, package) & set(modules) - {name} for name, path in modules.items()}


def _cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    found: List[List[str]] = []

    def visit(node: str, path: List[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == path[0]:
                found.append(path + [nxt])
            elif nxt not in path and nxt > path[0]:
                visit(nxt, path + [nxt])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_audio_modules_import_each_other_without_circles() -> None:
    graph = _graph("audio")
    assert "audio.runner" in graph["audio.commands"] and "audio.commands" not in graph["audio.runner"]
    assert _cycles(graph) == []


def test_launcher_uses_pairing_and_not_the_other_way() -> None:
    graph = _graph("assistant")
    assert "assistant.pairing" in graph["assistant.launcher"]
    assert "assistant.launcher" not in graph["assistant.pairing"]
    assert not [c for c in _cycles(graph) if "assistant.launcher" in c and "assistant.pairing" in c]
