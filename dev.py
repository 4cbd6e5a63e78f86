#!/usr/bin/env python3
"""The README's two commands, with nothing but Python 3.11 installed.

    python3 dev.py demo   # install into .venv, run the service with demo data
    python3 dev.py test   # install into .venv, run the whole test suite
    python3 dev.py lock [--upgrade]   # re-resolve requirements/*.lock from pyproject.toml

Standard library only: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


LOCKS = ROOT / "requirements"
DEV_LOCK = LOCKS / "dev.lock"
APP_LOCK = LOCKS / "app.lock"
TOOLS_LOCK = LOCKS / "tools.lock"
# What an install of .venv depends on: when none of these changed since the last install, the
# install is skipped (pip would only confirm, slowly, that everything is already there).
INSTALL_INPUTS = (DEV_LOCK, ROOT / "pyproject.toml")
STAMP = VENV / "installed-from.sha256"
UV_VENV = ROOT / ".venv-uv"


def _pip(python: Path, *args: str) -> None:
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run([str(python), "-m", "pip", "install", *quiet, *args], check=True)


def _digest(paths: tuple[Path, ...]) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()


def _name(requirement: str) -> str:
    """A requirement's project name, normalised as PyPI does (PEP 503)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1) if match else requirement).lower()


def _pins(lock_file: Path) -> dict[str, str]:
    """Project name to the lines that pin it (version, markers, hashes) in a lock file."""
    pins: dict[str, str] = {}
    name = ""
    for line in lock_file.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            name = _name(line)
            pins[name] = ""
        if name and not line.lstrip().startswith("#"):
            pins[name] += line.strip().rstrip("\\").strip() + " "
    return pins


def check_locks() -> None:
    """Refuse to install from a lock that no longer matches pyproject.toml, or from two locks
    that disagree: both mean someone changed one file and not the other."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    app, dev = _pins(APP_LOCK), _pins(DEV_LOCK)
    wanted = [(APP_LOCK, app, project["dependencies"])]
    wanted.append((DEV_LOCK, dev, project["optional-dependencies"]["dev"]))
    for lock_file, pins, requirements in wanted:
        missing = sorted({_name(r) for r in requirements} - pins.keys())
        if missing:
            raise SystemExit(
                f"pyproject.toml asks for {', '.join(missing)}, which {lock_file.name} does not"
                " pin: run `python3 dev.py lock` and commit requirements/."
            )
    differ = sorted(name for name in app if dev.get(name) != app[name])
    if differ:
        raise SystemExit(
            f"app.lock and dev.lock pin {', '.join(differ)} differently: run"
            " `python3 dev.py lock` (dev.lock is compiled with app.lock as constraints)."
        )


def ensure_env() -> None:
    """.venv with exactly the pins and hashes of requirements/dev.lock, then safeshift editable.

    Dependencies come from the lock only (`--require-hashes`: a file whose hash is not in the
    lock is refused), so the same commit installs the same code on any day. safeshift itself
    goes in with `--no-deps` (its dependencies are already there) and `--no-build-isolation`
    (its build backend, setuptools, is pinned in the lock too instead of fetched at its newest).
    """
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    digest = _digest(INSTALL_INPUTS)
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    check_locks()
    print(f"installing {DEV_LOCK.relative_to(ROOT)} and safeshift into .venv ...", flush=True)
    python = BIN / "python"
    _pip(python, "--require-hashes", "-r", str(DEV_LOCK))
    _pip(python, "--no-deps", "--no-build-isolation", "-e", str(ROOT))
    STAMP.write_text(digest + "\n")


def _compile(uv: Path, inputs: list[str], output: Path, *extra: str) -> None:
    """One `uv pip compile`: universal (every platform's files hashed, markers kept), for the
    oldest Python the project supports, keeping the pins already in `output` unless asked to
    upgrade."""
    command = [str(uv), "pip", "compile", "--quiet", *inputs, "--universal"]
    command += ["--python-version", "3.11", "--generate-hashes"]
    out = str(output.relative_to(ROOT))  # relative: the lock's comments name no local path
    command += ["--custom-compile-command", "python3 dev.py lock", "-o", out, *extra]
    subprocess.run(command, check=True, cwd=ROOT)


def lock(upgrade: bool) -> None:
    """Re-resolve requirements/*.lock from pyproject.toml: pins kept where the ranges still
    allow them, or, with --upgrade, the newest releases the ranges allow.

    app.lock first; dev.lock then takes app.lock as constraints, so the tests run on exactly
    the application's pins plus the dev tools.
    """
    uv = UV_VENV / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    if not uv.exists():
        print("installing uv (pinned in requirements/tools.lock) into .venv-uv ...", flush=True)
        venv.create(UV_VENV, with_pip=True)
        python = UV_VENV / ("Scripts" if os.name == "nt" else "bin") / "python"
        _pip(python, "--require-hashes", "-r", str(TOOLS_LOCK))
    extra = ["--upgrade"] if upgrade else []
    app = ["pyproject.toml", "requirements/build.in"]
    _compile(uv, app, APP_LOCK, *extra)
    _compile(uv, [*app, "--extra", "dev"], DEV_LOCK, "-c", "requirements/app.lock", *extra)
    _compile(uv, ["requirements/tools.in"], TOOLS_LOCK, *extra)
    print("requirements/app.lock, dev.lock and tools.lock written; commit them", flush=True)


CHROMIUM = Path("/usr/bin/chromium")


def _quietly(command: list[str]) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode == 0


def ensure_chromium() -> None:
    """The page tests drive Debian's Chromium (Playwright cannot download its own browser here).

    Installed with apt when missing and possible (root, or sudo without a password); if not, the
    page tests fail and say how to install it.
    """
    if CHROMIUM.exists() or not Path("/usr/bin/apt-get").exists():
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print("installing Debian's chromium for the page tests ...", flush=True)
    if not (
        _quietly([*sudo, "apt-get", "update", "-qq"])
        and _quietly([*sudo, "apt-get", "install", "-y", "-qq", "chromium"])
    ):
        print("could not install chromium: the page tests will fail and say how", flush=True)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test", "lock"):
        raise SystemExit("usage: python3 dev.py demo|test [extra arguments] | lock [--upgrade]")
    command, extra = sys.argv[1], sys.argv[2:]
    if command == "lock":
        if extra not in ([], ["--upgrade"]):
            raise SystemExit("usage: python3 dev.py lock [--upgrade]")
        lock(upgrade=bool(extra))
        return
    ensure_env()
    os.chdir(ROOT)
    if command == "demo":
        args = [str(BIN / "safeshift"), "serve", "--demo", *extra]
    else:
        ensure_chromium()
        args = [str(BIN / "python"), "-m", "pytest", *extra]
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
