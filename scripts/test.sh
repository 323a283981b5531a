#!/usr/bin/env bash
# Runs every test of nonsmooth: the Swift core (XCTest) and the Python package (pytest).
# Installs what it needs: OpenBLAS from apt (when missing), a virtual environment
# .venv-test with the package and its test-only dependencies (scikit-learn, cvxpy, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
if ! pkg-config --exists openblas 2>/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev pkg-config
fi

echo "== Swift core: swift test"
swift test

echo "== Python package: pip install .[test] into .venv-test"
python3 -m venv .venv-test
.venv-test/bin/python -m pip install -q --upgrade pip
.venv-test/bin/python -m pip install -q ".[test]"

echo "== Python package: pytest tests_py"
.venv-test/bin/python -m pytest tests_py -q -p no:cacheprovider
