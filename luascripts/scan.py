"""What a piece of Lua defines at its top level and which outside names it reads.

The composer cross-checks each file's `-- provides:` and `-- needs:` lines against this, so a
declaration cannot drift from the code it describes. It is a scanner for the Lua 5.1 that Redis
runs, not a parser: it knows comments, strings, blocks, `local`, function parameters, `for`
variables and table-constructor keys, which is all it takes to tell a local from an outside
name. Grammar errors are left to Redis, which compiles every script at SCRIPT LOAD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = frozenset(
    re.findall(
        r"\w+",
        "and break do else elseif end false for function if in local nil not or repeat return then"
        " true until while",
    )
)

# What Redis gives every script: Lua's standard library as Redis loads it, Redis's own modules,
# and the script's arguments. Anything else a script reads must come from a fragment.
BUILTINS = frozenset(
    re.findall(
        r"\w+",
        "ARGV KEYS redis cjson cmsgpack bit struct string math table os tonumber tostring unpack"
        " ipairs pairs next select type error assert pcall xpcall rawget rawset rawequal"
        " setmetatable getmetatable loadstring _G _VERSION",
    )
)

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--\[(?P<ceq>=*)\[.*?\](?P=ceq)\] | --[^\n]*)
    | (?P<long>\[(?P<seq>=*)\[.*?\](?P=seq)\])
    | (?P<string>"(?:\\.|[^"\\\n])*" | '(?:\\.|[^'\\\n])*')
    | (?P<number>0[xX][0-9a-fA-F]+ | (?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>\.\.\.|\.\.|==|~=|<=|>=|[-+*/%^\#<>=(){}\[\];:,.])
    """,
    re.VERBOSE | re.DOTALL,
)


class ScanError(ValueError):
    """Text the scanner cannot read (a character Lua has no use for, an unclosed string)."""


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "op", "number", "string"
    text: str
    line: int


def tokens(text: str) -> list[Token]:
    """Lua tokens without whitespace and comments, each with its 1-based line."""
    out: list[Token] = []
    pos, line = 0, 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ScanError(f"line {line}: cannot read {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        if kind in ("ceq", "seq"):  # a named backreference group: the outer group is the kind
            kind = "comment" if match.group("comment") else "long"
        if kind == "long":
            kind = "string"
        if kind not in ("space", "comment"):
            out.append(Token(kind, match.group(), line))
        line += match.group().count("\n")
        pos = match.end()
    return out


@dataclass(frozen=True)
class Names:
    """`defines`: names declared local at the top level, in order (what a fragment offers the
    scripts after it). `reads`: names read that are not local where they are read, with the line
    of the first read (what must come from before it: a fragment or Redis)."""

    defines: tuple[str, ...]
    reads: dict[str, int]


_OPENERS = {"function", "do", "if", "repeat"}
_CLOSERS = {"end", "until"}


def names(text: str) -> Names:
    """The top-level definitions and the outside names of one Lua chunk."""
    toks = tokens(text)
    scopes: list[set[str]] = [set()]
    defines: list[str] = []
    reads: dict[str, int] = {}
    brackets: list[str] = []  # open (, [ and {: tells a table key from an assignment
    pending_for: list[str] | None = None  # a `for` loop's variables, declared at its `do`

    def declare(name: str) -> None:
        scopes[-1].add(name)
        if len(scopes) == 1 and name not in defines:
            defines.append(name)

    def is_local(name: str) -> bool:
        return any(name in scope for scope in scopes)

    i = 0
    while i < len(toks):
        tok = toks[i]
        text_ = tok.text
        prev = toks[i - 1].text if i else ""
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        if tok.kind == "op":
            if text_ in "([{":
                brackets.append(text_)
            elif text_ in ")]}" and brackets:
                brackets.pop()
            i += 1
            continue
        if tok.kind != "name":
            i += 1
            continue
        if text_ == "local":
            if nxt == "function":  # local function NAME: NAME is visible in its own body
                declare(toks[i + 2].text)
                i += 1  # on to `function`, which opens the body's scope
                continue
            j = i + 1
            while j < len(toks) and toks[j].kind == "name":
                declare(toks[j].text)
                if j + 1 < len(toks) and toks[j + 1].text == ",":
                    j += 2
                else:
                    break
            i = j + 1
            continue
        if text_ == "function":
            j = i + 1
            if j < len(toks) and toks[j].kind == "name":  # function a.b:c(...): `a` is read
                head = toks[j].text
                if not is_local(head):
                    reads.setdefault(head, toks[j].line)
                while j + 1 < len(toks) and toks[j + 1].text in (".", ":"):
                    j += 2
                j += 1
            scopes.append(set())
            # Parameters, between the parentheses at j.
            j += 1
            while j < len(toks) and toks[j].text != ")":
                if toks[j].kind == "name":
                    scopes[-1].add(toks[j].text)
                j += 1
            i = j + 1
            continue
        if text_ == "for":
            pending_for = []
            j = i + 1
            while j < len(toks) and toks[j].text not in ("=", "in"):
                if toks[j].kind == "name":
                    pending_for.append(toks[j].text)
                j += 1
            i = j + 1
            continue
        if text_ in _OPENERS:  # do, if, repeat (function is handled above)
            scopes.append(set(pending_for or ()) if text_ == "do" else set())
            if text_ == "do":
                pending_for = None
            i += 1
            continue
        if text_ in ("else", "elseif"):  # a new block of the same `if`
            scopes[-1] = set()
            i += 1
            continue
        if text_ in _CLOSERS:
            if len(scopes) > 1:
                scopes.pop()
            i += 1
            continue
        if text_ in KEYWORDS or prev in (".", ":"):
            i += 1
            continue
        if nxt == "=" and brackets and brackets[-1] == "{" and prev in ("{", ",", ";"):
            i += 1  # a key in a table constructor: {name = value}
            continue
        if not is_local(text_) and text_ not in BUILTINS:
            reads.setdefault(text_, tok.line)
        i += 1
    return Names(defines=tuple(defines), reads=reads)
