#!/usr/bin/env bash
# Install repolens into .venv and run it on the bundled demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e .
repolens map fixtures/image_classifier
repolens lint fixtures/image_classifier || true   # exit 1 = findings: the demo has planted mistakes
