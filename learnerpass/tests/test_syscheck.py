"""`make run` and `make test` set up a fresh Debian machine: missing system packages are installed or named."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from learnerpass import syscheck

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_machine(monkeypatch, tmp_path):
    """No Chromium, no Pango; apt-get 'installs' them by making the checks pass. Returns the commands run."""
    state = {"chromium": False, "pango": False}
    commands = []
    monkeypatch.setattr(syscheck, "chromium_present", lambda: state["chromium"])
    monkeypatch.setattr(
        syscheck, "weasyprint_problem", lambda: None if state["pango"] else "cannot load library 'libpango-1.0-0'"
    )
    monkeypatch.setattr(syscheck.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)

    class Done:
        returncode = 0

    def run(command, **kwargs):
        commands.append(command)
        if command[:2] == ["apt-get", "install"]:
            state["chromium"] = state["chromium"] or "chromium" in command
            state["pango"] = state["pango"] or "libpango-1.0-0" in command
        return Done()

    monkeypatch.setattr(syscheck.subprocess, "run", run)
    return commands


def test_as_root_with_apt_the_missing_chromium_and_pango_are_installed(fresh_machine, monkeypatch):
    monkeypatch.setattr(syscheck.os, "geteuid", lambda: 0)
    assert syscheck.main(["--browser", "--install"]) == 0
    assert fresh_machine[0] == ["apt-get", "update", "-q"]
    install = fresh_machine[1]
    assert install[:3] == ["apt-get", "install", "-y"]
    assert {"chromium", "libpango-1.0-0", "libpangoft2-1.0-0"} <= set(install)


def test_without_root_it_stops_with_the_one_command_to_run(fresh_machine, monkeypatch, capsys):
    monkeypatch.setattr(syscheck.os, "geteuid", lambda: 1000)
    assert syscheck.main(["--browser", "--install"]) == 1
    assert fresh_machine == []
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "apt-get install" in line]
    assert len(lines) == 1
    assert lines[0].endswith(
        "sudo apt-get update && sudo apt-get install -y "
        + " ".join(syscheck.PANGO_PACKAGES + syscheck.CHROMIUM_PACKAGES)
    )


def test_make_run_needs_only_pango(fresh_machine, monkeypatch):
    monkeypatch.setattr(syscheck.os, "geteuid", lambda: 0)
    assert syscheck.main(["--install"]) == 0
    assert "chromium" not in fresh_machine[1]


def test_a_failed_installation_stops_the_command(fresh_machine, monkeypatch):
    monkeypatch.setattr(syscheck.os, "geteuid", lambda: 0)

    class Failed:
        returncode = 100

    monkeypatch.setattr(syscheck.subprocess, "run", lambda command, **kwargs: Failed())
    assert syscheck.main(["--browser", "--install"]) == 1


def test_without_install_nothing_is_installed(fresh_machine, monkeypatch):
    monkeypatch.setattr(syscheck.os, "geteuid", lambda: 0)
    assert syscheck.main(["--browser"]) == 1
    assert fresh_machine == []


def test_a_machine_with_everything_runs_nothing(fresh_machine, monkeypatch):
    monkeypatch.setattr(syscheck, "chromium_present", lambda: True)
    monkeypatch.setattr(syscheck, "weasyprint_problem", lambda: None)
    assert syscheck.main(["--browser", "--install"]) == 0
    assert fresh_machine == []


def test_this_machine_has_what_weasyprint_needs():
    assert syscheck.weasyprint_problem() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="installing needs root")
def test_the_check_installs_chromium_through_apt_get_in_a_real_process(tmp_path):
    """The module as `make test` runs it, with a stand-in apt-get that records its arguments."""
    chromium = tmp_path / "chromium"
    log = tmp_path / "apt.log"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    apt = fake_bin / "apt-get"
    apt.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {log}\n'
        f'if [ "$1" = install ]; then printf "#!/bin/sh\\n" > {chromium}; chmod +x {chromium}; fi\n'
    )
    apt.chmod(apt.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}", "CHROMIUM_PATH": str(chromium)}
    result = subprocess.run(
        [sys.executable, "-m", "learnerpass.syscheck", "--browser", "--install"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.read_text().splitlines() == ["update -q", "install -y -q chromium"]


def test_make_run_and_make_test_install_what_is_missing():
    makefile = (ROOT / "Makefile").read_text()
    recipes = dict(re.findall(r"^(run|test): .*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE))
    assert "learnerpass.syscheck --install" in recipes["run"]
    assert "learnerpass.syscheck --browser --install" in recipes["test"]
    # The checks come first, before anything that needs the packages.
    assert recipes["test"].splitlines()[0].endswith("learnerpass.syscheck --browser --install")
