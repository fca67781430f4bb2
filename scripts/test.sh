#!/usr/bin/env bash
# Install repolens with its test and runtime extras into .venv, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# A CPU build of torch for the probe tests (a bare `torch` may pull a multi-GB CUDA build).
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[dev,runtime]"
python -m pytest -n 2 -q "$@"
