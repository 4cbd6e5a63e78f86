"""Builds each Lua script from the fragments it needs, and refuses a library that cannot work.

Redis 6.2 has no FUNCTION libraries: code shared between scripts is text prepended to each one.
So every domain keeps its Lua in its own `lua/` folder and hands the folder and the constants its
Lua takes from Python to this module as a `Source`; a `Library` of sources is the whole set.

A file whose header has a `-- provides:` line is a fragment: the names it lists are the locals
it defines at its top level, for the files after it. Every file lists, on `-- needs:` lines, the
names it reads that Redis does not supply. A script (any file without `provides`) becomes one
Redis script: the fragments providing what it needs, and what those need, in dependency order,
then the script itself. `{{NAME}}` in any file is replaced by a source's constant NAME.

Building a library checks all of it and raises one `CompositionError` listing every problem:
a name needed that no fragment provides, a name provided twice (fragments share one namespace
in the composed script), a script defining a name a fragment provides, a `{{PLACEHOLDER}}` no
source has a value for, fragments needing each other in a circle, and declarations that differ
from what the text defines and reads (luascripts.scan). Grammar errors are Redis's to find:
`luascripts.load` sends every script through SCRIPT LOAD, which compiles it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from luascripts.scan import BUILTINS, ScanError, names

_PLACEHOLDER = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")
_DECLARATION = re.compile(r"^--\s*(provides|needs):(.*)$", re.MULTILINE)


class CompositionError(RuntimeError):
    """The Lua cannot be composed (or Redis would not compile it): every problem, one a line."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("Lua scripts cannot be composed:\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True)
class Source:
    """One domain's Lua: its folder of `.lua` files and the constants those files take.

    `name` labels the files in messages and names nothing else (`scheduler` for
    scheduler/lua/claim.lua)."""

    name: str
    folder: Traversable | Path
    constants: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_package(cls, package: str, constants: Mapping[str, str]) -> Source:
        """The `lua/` folder inside an importable package."""
        return cls(package, resources.files(package).joinpath("lua"), constants)


@dataclass(frozen=True)
class LuaFile:
    """One `.lua` file after its placeholders were filled in, with what it declares and does."""

    label: str  # e.g. scheduler/lua/claim.lua
    name: str  # the file's stem: a script's name
    text: str
    provides: tuple[str, ...]
    needs: tuple[str, ...]
    fragment: bool


@dataclass(frozen=True)
class Part:
    """Where one file sits in a composed script, to turn Redis's line numbers into a file's."""

    label: str
    first_line: int
    lines: int


@dataclass(frozen=True)
class Composed:
    """One script as Redis runs it."""

    name: str
    text: str
    parts: tuple[Part, ...]

    def where(self, line: int) -> str:
        """`scheduler/lua/claim.lua line 12` for line 12 of claim.lua's part of the text."""
        for part in self.parts:
            if part.first_line <= line < part.first_line + part.lines:
                return f"{part.label} line {line - part.first_line + 1}"
        return f"line {line}"


def _declared(text: str, what: str) -> tuple[str, ...]:
    found: list[str] = []
    for kind, rest in _DECLARATION.findall(text):
        if kind == what:
            found += [n for n in re.split(r"[\s,]+", rest) if n]
    return tuple(found)


def _read(source: Source, constants: Mapping[str, str], problems: list[str]) -> list[LuaFile]:
    files: list[LuaFile] = []
    entries = sorted(
        (e for e in source.folder.iterdir() if e.name.endswith(".lua")), key=lambda e: e.name
    )
    for entry in entries:
        label = f"{source.name}/lua/{entry.name}"
        text = entry.read_text()
        for placeholder in sorted(set(_PLACEHOLDER.findall(text))):
            if placeholder in constants:
                text = text.replace("{{" + placeholder + "}}", constants[placeholder])
            else:
                problems.append(
                    f"{label}: {{{{{placeholder}}}}} has no value: no source has a constant"
                    f" {placeholder} (a typo, or a constant to add to a Source)"
                )
        provides = _declared(text, "provides")
        files.append(
            LuaFile(
                label=label,
                name=entry.name.removesuffix(".lua"),
                text=text,
                provides=provides,
                needs=_declared(text, "needs"),
                fragment=bool(provides),
            )
        )
    return files


def _check_declarations(file: LuaFile, problems: list[str]) -> None:
    """A file's header against its text: a declaration that lies is an error, not a comment."""
    try:
        found = names(file.text)
    except ScanError as error:
        problems.append(f"{file.label}: {error}")
        return
    if file.fragment:
        for name in found.defines:
            if name not in file.provides:
                problems.append(
                    f"{file.label}: defines `{name}` at its top level but does not list it in"
                    " `-- provides:` (every top-level local is shared with the files after it)"
                )
        for name in file.provides:
            if name not in found.defines:
                problems.append(
                    f"{file.label}: lists `{name}` in `-- provides:` but defines no top-level"
                    f" local `{name}`"
                )
    for name, line in found.reads.items():
        if name not in file.needs:
            problems.append(
                f"{file.label} line {line}: reads `{name}`, which it does not define; list it"
                " in `-- needs:` if a fragment provides it, or fix the name"
            )
    for name in file.needs:
        if name in BUILTINS:
            problems.append(f"{file.label}: `-- needs: {name}`: Redis provides `{name}` itself")
        elif name not in found.reads:
            problems.append(f"{file.label}: lists `{name}` in `-- needs:` but never reads it")


class Library:
    """Every script of the service, composed and checked (see the module docstring)."""

    def __init__(self, sources: Iterable[Source]) -> None:
        sources = list(sources)
        problems: list[str] = []
        constants: dict[str, str] = {}
        for source in sources:
            for key, value in source.constants.items():
                if key in constants:
                    problems.append(f"constant {key} is given by more than one source")
                constants[key] = value
        files = [f for source in sources for f in _read(source, constants, problems)]
        self._providers: dict[str, LuaFile] = {}
        for file in files:
            _check_declarations(file, problems)
            if file.fragment:
                for name in file.provides:
                    other = self._providers.get(name)
                    if other is not None:
                        problems.append(
                            f"{file.label}: provides `{name}`, which {other.label} provides"
                            " too (composed scripts share one namespace: rename one)"
                        )
                    else:
                        self._providers[name] = file
        self.scripts: dict[str, Composed] = {}
        for file in files:
            if file.fragment:
                continue
            if file.name in self.scripts:
                problems.append(f"{file.label}: a script named {file.name} exists already")
            for name in _defines(file):
                if name in self._providers:
                    problems.append(
                        f"{file.label}: defines `{name}`, which"
                        f" {self._providers[name].label} provides (rename the script's local)"
                    )
            order = self._order(file, problems)
            self.scripts[file.name] = _join(file.name, order)
        if problems:
            raise CompositionError(dict.fromkeys(problems))  # a circle shows once, not per script

    def _order(self, script: LuaFile, problems: list[str]) -> list[LuaFile]:
        """The fragments `script` needs, each after the fragments it needs, then the script."""
        order: list[LuaFile] = []
        visiting: list[LuaFile] = []

        def visit(file: LuaFile) -> None:
            if file in order:
                return
            if file in visiting:
                loop = [*visiting[visiting.index(file) :], file]
                circle = " -> ".join(f.label for f in loop)
                problems.append(f"fragments need each other in a circle: {circle}")
                return
            visiting.append(file)
            for name in file.needs:
                provider = self._providers.get(name)
                if provider is None:
                    if name not in BUILTINS:
                        problems.append(
                            f"{file.label}: needs `{name}`, which no fragment provides"
                            f" (composing {script.label})"
                        )
                elif provider is not file:
                    visit(provider)
            visiting.pop()
            order.append(file)

        visit(script)
        return order


def _defines(file: LuaFile) -> tuple[str, ...]:
    """A file's top-level definitions, or none if it cannot be scanned (reported elsewhere)."""
    try:
        return names(file.text).defines
    except ScanError:
        return ()


def _join(name: str, files: list[LuaFile]) -> Composed:
    parts: list[Part] = []
    line = 1
    for file in files:
        count = file.text.count("\n") + (0 if file.text.endswith("\n") else 1)
        parts.append(Part(file.label, line, count))
        line += count
    text = "\n".join(f.text.removesuffix("\n") for f in files) + "\n"
    return Composed(name=name, text=text, parts=tuple(parts))
