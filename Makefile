# The two commands of the README: `make demo` and `make test`.
.PHONY: setup demo test

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/docbot demo

test: setup
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest
