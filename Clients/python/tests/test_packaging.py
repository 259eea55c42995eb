"""`pip install Clients/python` gives a working galley_client with no dependencies."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import CLIENT_DIR


def build_tools_missing():
    """pip builds offline here (--no-build-isolation), with the setuptools (and wheel) installed."""
    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed"
    version = tuple(int(part) for part in setuptools.__version__.split(".")[:2] if part.isdigit())
    if version < (61, 0):
        return f"setuptools {setuptools.__version__} is older than 61"
    if version < (70, 1):
        try:
            import wheel  # noqa: F401
        except ImportError:
            return f"setuptools {setuptools.__version__} needs the wheel package to build wheels"
    return None


def test_pip_install_gives_a_working_package(tmp_path, galleyd):
    missing = build_tools_missing()
    if missing:
        pytest.skip(f"cannot build offline: {missing} (.ci/run installs setuptools and wheel)")
    source = tmp_path / "galley-client-source"  # a copy, so the build leaves the checkout clean
    shutil.copytree(CLIENT_DIR, source, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-build-isolation",
         "--no-deps", "--no-index", "--target", str(target), str(source)],
        check=True, timeout=300, capture_output=True,
    )
    assert (target / "galley_client" / "py.typed").exists()
    [dist_info] = target.glob("galley_client-*.dist-info")
    metadata = (dist_info / "METADATA").read_text()
    assert "Name: galley-client" in metadata and "Requires-Dist" not in metadata
    assert "Requires-Python: >=3.9" in metadata

    script = (
        "import sys, galley_client\n"
        "assert galley_client.__file__.startswith(sys.argv[1]), galley_client.__file__\n"
        "with galley_client.Client(sys.argv[2], int(sys.argv[3]), token=sys.argv[4], timeout=10) as galley:\n"
        "    print(galley.server_info()['name'], galley.whoami()['role'], galley_client.__version__)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    completed = subprocess.run(
        [sys.executable, "-c", script, str(target), galleyd.host, str(galleyd.port), galleyd.admin_token],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "galleyd admin 0.1.0"
