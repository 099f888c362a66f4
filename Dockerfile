# ganlab: the web app (GAN Lab tab + StyleGAN3 tab) on the CPU.
#   docker build -t ganlab .
#   docker run --rm -p 8000:8000 -v "$PWD/models:/models" ganlab
# Two stages: the first builds the wheel, the second installs only that wheel, so neither the
# build tools nor the source tree reach the image. tests/test_wheel.py runs the same steps.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
RUN pip install "build==1.6.1"
COPY pyproject.toml README.md LICENSE ./
COPY ganlab ./ganlab
RUN python -m build --wheel --outdir /dist

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GANLAB_HOST=0.0.0.0 \
    GANLAB_PORT=8000 \
    GANLAB_MODELS_DIR=/models

# CPU-only torch first, from PyTorch's CPU index: a plain `pip install torch` pulls a multi-GB CUDA build,
# and the wheel's own torch range is then already met.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

COPY --from=build /dist/ /tmp/dist/
RUN pip install /tmp/dist/ganlab-*.whl && rm -rf /tmp/dist \
    && useradd --create-home --uid 1000 ganlab && mkdir -p /models && chown ganlab /models

# The user's home, so `ganlab train --out runs/x` inside the container writes somewhere it may.
WORKDIR /home/ganlab
USER 1000
EXPOSE 8000
# Reads GANLAB_PORT, so `docker run -e GANLAB_PORT=9000 ...` stays healthy.
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('GANLAB_PORT', '8000')}/healthz\", timeout=4)"]
CMD ["ganlab", "serve"]
