#!/usr/bin/env bash
# Install simhive into .venv and start it with demo data: SQLite, simulated numbers,
# a demo account (printed), codes arriving a few seconds after each reservation.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/simhive demo "$@"
