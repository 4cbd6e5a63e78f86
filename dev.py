#!/usr/bin/env python3
"""The README's two commands, with nothing but Python 3.11 installed.

    python3 dev.py demo   # install into .venv, run the service with demo data
    python3 dev.py test   # install into .venv, run the whole test suite

Standard library only: this file runs before anything is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_env() -> None:
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing safeshift and its dependencies into .venv ...", flush=True)
    subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[dev]",
        ],
        check=True,
    )


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
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        raise SystemExit("usage: python3 dev.py demo|test [extra arguments]")
    command, extra = sys.argv[1], sys.argv[2:]
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
