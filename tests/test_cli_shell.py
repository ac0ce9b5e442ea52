"""`envscreen --version` and `envscreen completion SHELL`, run as the installed command (issue 11.5).

Completion is checked the way a shell uses it: bash sources the script and calls its function
with COMP_WORDS; zsh and fish scripts are run through the same protocol by their variables."""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib.metadata import version

import pytest

from .test_cli import ENVSCREEN


def envscreen(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENVSCREEN), *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


def test_version() -> None:
    r = envscreen("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"envscreen {version('envscreen')}\n"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["envscreen", "ch"], ["check"]),
        (["envscreen", "rules", "te"], ["test"]),
        (["envscreen", "check", "--la"], ["--lang"]),
        (["envscreen", "check", "--lang", ""], ["zh", "en"]),
        (["envscreen", "check", "--format", "j"], ["json"]),
    ],
)
def test_bash_completion(words: list[str], expected: list[str]) -> None:
    script = envscreen("completion", "bash")
    assert script.returncode == 0, script.stderr
    quoted = " ".join(f"'{w}'" for w in words)
    probe = (
        f'eval "$1"\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n'
        f'_envscreen_completion envscreen\nprintf "%s\\n" "${{COMPREPLY[@]}}"'
    )
    env = {**os.environ, "PATH": f"{ENVSCREEN.parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(
        ["bash", "-c", probe, "bash", script.stdout], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == expected


def test_zsh_and_fish_scripts_speak_the_protocol() -> None:
    zsh = envscreen("completion", "zsh").stdout
    assert zsh.startswith("#compdef envscreen") and "_ENVSCREEN_COMPLETE=complete_zsh" in zsh
    fish = envscreen("completion", "fish").stdout
    assert "complete --command envscreen" in fish and "_ENVSCREEN_COMPLETE=complete_fish" in fish
    # What those scripts ask the command, answered as they expect it.
    z = envscreen(env={"_ENVSCREEN_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "envscreen ser"})
    assert '"serve"' in z.stdout, z.stdout
    f = envscreen(
        env={
            "_ENVSCREEN_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_ARGS": "envscreen ser",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        }
    )
    assert f.stdout.split("\t")[0] == "serve", f.stdout


def test_unknown_shell_is_a_usage_error() -> None:
    r = envscreen("completion", "tcsh")
    assert r.returncode == 2
    assert "tcsh" in r.stderr
