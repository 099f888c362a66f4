# ganlab: the web app (GAN Lab tab + StyleGAN3 tab) on the CPU.
#   docker build -t ganlab .
#   docker run --rm -p 8000:8000 -v "$PWD/models:/models" ganlab
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GANLAB_HOST=0.0.0.0 \
    GANLAB_PORT=8000 \
    GANLAB_MODELS_DIR=/models

WORKDIR /app

# CPU-only torch first, from PyTorch's CPU index: a plain `pip install torch` pulls a multi-GB CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

COPY pyproject.toml README.md ./
COPY ganlab ./ganlab
COPY static ./static
# Editable, so the server finds static/ next to the package, as in a source checkout.
RUN pip install -e . && mkdir -p /models && useradd --create-home --uid 1000 ganlab && chown ganlab /models

USER 1000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
CMD ["ganlab", "serve"]
