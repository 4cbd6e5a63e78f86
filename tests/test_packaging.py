"""The Docker image's build stage copies every package the wheel ships.

The Dockerfile names each package folder (so that a stray file in the checkout never reaches the
image); a package added to pyproject.toml but not there builds an image that cannot import it,
which no other test would notice: there is no Docker daemon in CI.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_dockerfile_copies_every_package_the_wheel_ships() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert shipped == copied
