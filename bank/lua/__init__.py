"""The bank's Lua (this folder) and the values it takes from Python, for luascripts.

Every file here is a fragment (it declares `-- provides:`): the scheduler's decision and ingest
scripts call bank_add, bank_lookup_image, … inside their own atomic step. standalone/ holds the
bank's own operations as scripts (one call each), which bank/scripts.py runs for its service
functions.
"""

from __future__ import annotations

from bank import keys
from luascripts import Source

CONSTANTS = {
    "RECORDS_PER_BUCKET": str(keys.RECORDS_PER_BUCKET),
    "ID_BUCKETS": str(keys.ID_BUCKETS),
    # Lua tables are 1-based: POP[0] is set by its own key, the rest in order.
    "HEX": "{[0] = '00', " + ", ".join(f"'{b:02x}'" for b in range(1, 256)) + "}",
    "POP": "{[0] = 0, " + ", ".join(str(bin(b).count("1")) for b in range(1, 256)) + "}",
}

LUA = Source.of_package("bank", CONSTANTS)
