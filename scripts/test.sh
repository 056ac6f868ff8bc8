#!/usr/bin/env bash
# Install everything into .venv and run the whole suite: lint, types, layers, tests.
# PostgreSQL tests use SIMHIVE_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
# with CI=true they fail instead of skipping when it is unreachable.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest -n 2 "$@"
