"""Every module of the package imports on its own, in a fresh interpreter.

A module that only works after another one was imported first (an import
cycle, a missing import hidden by the test order) fails here. The Streamlit
pages run their page code on import; outside ``streamlit run`` Streamlit
works in bare mode and only warns, so they must import cleanly too.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys

import pytest

import formcoach

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(formcoach.__path__, prefix="formcoach.")
)


def test_the_package_has_modules():
    assert "formcoach.pipeline" in MODULES
    assert "formcoach.app.upload_page" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_on_its_own(module, tmp_path):
    env = {**os.environ, "FORMCOACH_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
