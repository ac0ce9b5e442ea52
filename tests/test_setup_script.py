"""scripts/setup.sh (issue 11.5): the demo installs no PostgreSQL or Chromium, --test does; a
failing step prints its own log, a step that succeeds prints one line.

apt-get and dpkg-query are replaced by stubs on PATH (a test must not install packages); the
script itself is the real one, run by bash."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

SETUP = ROOT / "scripts" / "setup.sh"
TEST_ONLY = {"postgresql", "postgresql-postgis", "chromium", "poppler-utils"}

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture()
def nothing_installed(tmp_path: Path) -> dict[str, str]:
    """PATH where dpkg-query says no package is installed; apt-get prints pages, then fails to install."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "dpkg-query", "exit 1")
    stub(
        bin_dir,
        "apt-get",
        'i=0; while [ $i -lt 300 ]; do echo "Get:$i a page of apt output"; i=$((i+1)); done\n'
        'case "$*" in *install*) echo "E: Unable to locate package chromium" >&2; exit 100 ;; esac',
    )
    stub(bin_dir, "sudo", 'exec "$@"')
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "TMPDIR": str(tmp_path)}


def setup(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SETUP), *args], capture_output=True, text=True, env=env, timeout=120)


def planned(r: subprocess.CompletedProcess[str]) -> set[str]:
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip()
    assert line.startswith("system packages to install: "), line
    return set(line.split(": ", 1)[1].split()) - {"none"}


def test_the_demo_needs_no_database_or_browser_and_the_tests_do(nothing_installed: dict[str, str]) -> None:
    demo = planned(setup("--dry-run", env=nothing_installed))
    tests = planned(setup("--test", "--dry-run", env=nothing_installed))
    assert "fonts-wqy-microhei" in demo  # --report and --map write Chinese
    assert not demo & TEST_ONLY
    assert tests >= demo | TEST_ONLY


def test_a_failing_step_shows_its_log_and_a_good_one_a_line(nothing_installed: dict[str, str]) -> None:
    r = setup("--test", env=nothing_installed)
    assert r.returncode == 100
    out = r.stdout.splitlines()
    assert out[0] == "apt-get update ... ok"  # its 300 lines went to the log only
    assert out[1].startswith("system packages: ") and out[1].endswith("FAILED (exit 100)")
    assert "E: Unable to locate package chromium" in r.stderr
    log = Path(r.stderr.strip().splitlines()[-1].split("the whole log: ")[1].split(" ----")[0])
    assert log.read_text().count("a page of apt output") == 600  # the whole output is kept
    assert len(r.stdout.splitlines()) + len(r.stderr.splitlines()) < 50


def test_an_unknown_option_is_refused(nothing_installed: dict[str, str]) -> None:
    r = setup("--tset", env=nothing_installed)
    assert r.returncode == 2 and "--tset" in r.stderr
