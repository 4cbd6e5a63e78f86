"""The composer refuses Lua that cannot work, at start-up, with a message naming what to fix.

Each failure mode gets a small library of its own in a temporary folder; the service's own
library is checked whole at the end, against the real Redis.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as aioredis

import luascripts
from luascripts import CompositionError, Library, Source
from luascripts.scan import names
from scheduler.scripts import Scripts, library

KEYS = """\
-- provides: P, item_key
local P = '{{PREFIX}}'
local function item_key(id) return P .. 'item:' .. id end
"""

GET = """\
-- needs: item_key
return redis.call('HGET', item_key(ARGV[1]), 'status')
"""


def source(tmp_path: Path, files: dict[str, str], **constants: str) -> Source:
    folder = tmp_path / "lua"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return Source("demo", folder, {"PREFIX": "t:", **constants})


def problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    with pytest.raises(CompositionError) as raised:
        Library([source(tmp_path, files)])
    return raised.value.problems


def test_a_script_gets_the_fragments_it_needs_in_order(tmp_path: Path) -> None:
    status = "-- provides: status\n-- needs: item_key\n" + (
        "local function status(id) return redis.call('HGET', item_key(id), 'status') end\n"
    )
    lib = Library([source(tmp_path, {"keys.lua": KEYS, "status.lua": status, "get.lua": GET})])
    assert set(lib.scripts) == {"get"}  # fragments are not scripts
    text = lib.scripts["get"].text
    assert "status(" not in text  # only what the script needs
    assert text.index("local P = 't:'") < text.index("return redis.call")
    assert lib.scripts["get"].where(3) == "demo/lua/keys.lua line 3"
    assert lib.scripts["get"].where(5) == "demo/lua/get.lua line 2"


def test_a_needed_name_no_fragment_provides(tmp_path: Path) -> None:
    found = problems(tmp_path, {"keys.lua": KEYS, "get.lua": GET.replace("item_key", "item_kye")})
    assert found == [
        "demo/lua/get.lua: needs `item_kye`, which no fragment provides"
        " (composing demo/lua/get.lua)"
    ]


def test_a_read_the_header_does_not_declare(tmp_path: Path) -> None:
    typo = GET + "local x = tonumbr(ARGV[2])\n"  # a typo in a line no test may ever run
    found = problems(tmp_path, {"keys.lua": KEYS, "get.lua": typo})
    assert len(found) == 1
    assert found[0].startswith("demo/lua/get.lua line 3: reads `tonumbr`")


def test_a_header_that_lies_about_what_a_fragment_defines(tmp_path: Path) -> None:
    lying = KEYS.replace("-- provides: P, item_key", "-- provides: P, item_key, queue_key")
    lying += "local function pool_key(id) return P .. 'pool:' .. id end\n"
    found = problems(tmp_path, {"keys.lua": lying, "get.lua": GET})
    assert any("lists `queue_key` in `-- provides:` but defines no" in p for p in found)
    assert any("defines `pool_key` at its top level but does not list it" in p for p in found)


def test_a_needs_line_naming_what_the_text_never_reads(tmp_path: Path) -> None:
    stale = GET.replace("-- needs: item_key", "-- needs: item_key, P")
    found = problems(tmp_path, {"keys.lua": KEYS, "get.lua": stale})
    assert found == ["demo/lua/get.lua: lists `P` in `-- needs:` but never reads it"]


def test_a_name_provided_twice(tmp_path: Path) -> None:
    other = "-- provides: item_key\nlocal function item_key(id) return 'x' .. id end\n"
    found = problems(tmp_path, {"keys.lua": KEYS, "other.lua": other, "get.lua": GET})
    assert found == [
        "demo/lua/other.lua: provides `item_key`, which demo/lua/keys.lua provides too"
        " (composed scripts share one namespace: rename one)"
    ]


def test_a_script_shadowing_a_fragment(tmp_path: Path) -> None:
    shadow = GET + "local P = 'other:'\n"
    found = problems(tmp_path, {"keys.lua": KEYS, "get.lua": shadow})
    assert found == [
        "demo/lua/get.lua: defines `P`, which demo/lua/keys.lua provides (rename the"
        " script's local)"
    ]


def test_a_placeholder_left_unreplaced(tmp_path: Path) -> None:
    typo = KEYS.replace("{{PREFIX}}", "{{PREFFIX}}")
    found = problems(tmp_path, {"keys.lua": typo, "get.lua": GET})
    assert found == [
        "demo/lua/keys.lua: {{PREFFIX}} has no value: no source has a constant PREFFIX"
        " (a typo, or a constant to add to a Source)"
    ]


def test_fragments_needing_each_other(tmp_path: Path) -> None:
    a = "-- provides: a\n-- needs: b\nlocal function a() return b() end\n"
    b = "-- provides: b\n-- needs: a\nlocal function b() return a() end\n"
    found = problems(tmp_path, {"a.lua": a, "b.lua": b, "run.lua": "-- needs: a\nreturn a()\n"})
    assert found == [
        "fragments need each other in a circle: demo/lua/a.lua -> demo/lua/b.lua -> demo/lua/a.lua"
    ]


async def test_a_syntax_error_fails_the_load_and_names_the_line(
    tmp_path: Path, redis_url: str
) -> None:
    broken = (  # a typo in a branch that rarely runs: only Redis can tell
        "-- needs: item_key\n"
        "if ARGV[2] == 'rare' then\n"
        "  local status == redis.call('HGET', item_key(ARGV[1]), 'status')\n"
        "end\n"
        "return 0\n"
    )
    lib = Library([source(tmp_path, {"keys.lua": KEYS, "get.lua": broken})])
    client = aioredis.Redis.from_url(redis_url)
    try:
        with pytest.raises(CompositionError) as raised:
            await luascripts.load(client, lib)
    finally:
        await client.aclose()
    (problem,) = raised.value.problems
    assert problem.startswith("script get: Redis cannot compile demo/lua/get.lua line 3:")
    assert problem.endswith("unexpected symbol near '=='")


def test_the_scanner_tells_locals_from_outside_names() -> None:
    found = names(
        """
local LIMIT = 3
local function pick(items, wanted)
  local out = {size = #items, first = items[1]}
  for i, item in ipairs(items) do
    if item.kind == wanted and string.len(item.id) > 0 then out[i] = item:upper() end
  end
  local f = function(x) return x + LIMIT + missing end
  -- a comment naming nothing_here; and a string: 'not_a_name'
  return out, f, [[long nothing]]
end
"""
    )
    assert found.defines == ("LIMIT", "pick")
    assert found.reads == {"missing": 8}


async def test_the_service_library_composes_and_redis_compiles_every_script(
    redis: aioredis.Redis,
) -> None:
    scripts = Scripts(redis)
    await scripts.load()
    shas = [getattr(scripts, name).script.sha for name in library().scripts]
    assert all(await redis.script_exists(*shas))
