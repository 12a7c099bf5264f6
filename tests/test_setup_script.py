"""scripts/setup.sh (run by scripts/run.sh at every start and by scripts/test.sh): once the
packages are installed for this pyproject.toml, a start asks no package index anything, so the
workstation starts on a PC without internet. Run with a stand-in Python that records what
it is asked to do (no real installing) and a dpkg-query that says every package is there."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from helpers import REPO

FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$SETUP_LOG"
case "$1" in
  -m) [ "$2" = pip ] && touch "$(dirname "$0")/installed"; exit 0 ;;
  -c) [ -f "$(dirname "$0")/installed" ]; exit $? ;;
esac
exit 0
"""


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    venv_bin = root / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON), ("bwv", "#!/bin/sh\n")):
        (venv_bin / name).write_text(text)
        (venv_bin / name).chmod(0o755)
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "dpkg-query").write_text("#!/bin/sh\nprintf 'install ok installed'\n")
    (tools / "dpkg-query").chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()

    def run(*args):
        r = subprocess.run(["bash", "scripts/setup.sh", *args], cwd=root, capture_output=True,
                           text=True, timeout=60,
                           env={**os.environ, "PATH": f"{tools}:{os.environ['PATH']}",
                                "SETUP_LOG": str(log)})
        assert r.returncode == 0, r.stdout + r.stderr
        calls = log.read_text().splitlines()
        log.write_text("")
        return [c for c in calls if c.startswith("-m pip")]
    return root, run


def test_a_second_start_installs_nothing(checkout):
    root, run = checkout
    assert any("install -q -e ." in c for c in run())
    assert run() == []                      # run.sh's next start: no package index asked
    assert run("--test") and run("--test") == [] and run() == []   # test extras cover runtime


def test_a_changed_pyproject_installs_again(checkout):
    root, run = checkout
    assert run()
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + "\n# new\n")
    assert any("install -q -e ." in c for c in run())
    assert run() == []
