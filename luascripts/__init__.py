"""The service's Lua scripts: composed from each domain's fragments, checked, and loaded.

Each domain (scheduler, exposure, wellbeing) keeps its Lua in its own `lua/` folder and hands
that folder, with the constants its Lua takes from Python, to a `Library` as a `Source`.
luascripts.compose says how files declare what they provide and need and what is checked;
`load` sends every script through SCRIPT LOAD at start-up so Redis compiles them all before
the first request instead of when a rarely taken path first runs.
"""

from __future__ import annotations

import re

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from luascripts.compose import Composed, CompositionError, Library, Source

__all__ = ["Composed", "CompositionError", "Library", "Source", "load"]

_WHERE = re.compile(r"user_script:(\d+):")


async def load(redis: Redis, library: Library) -> None:
    """SCRIPT LOAD every script of `library`; a script Redis cannot compile raises
    CompositionError naming the file and line the error is in."""
    problems: list[str] = []
    for script in library.scripts.values():
        try:
            await redis.script_load(script.text)
        except ResponseError as error:
            found = _WHERE.search(str(error))
            where = script.where(int(found.group(1))) if found else "its text"
            problems.append(f"script {script.name}: Redis cannot compile {where}: {error}")
    if problems:
        raise CompositionError(problems)
