# syntax=docker/dockerfile:1
# Kakekomi: three images from one file, with the same steps as the Makefile.
#   docker build --target gateway -t kakekomi-gateway .
#   docker build --target rasa    -t kakekomi-rasa .
#   docker build --target actions -t kakekomi-actions .
# No secret enters a layer: NGO keys and the signing key are mounted at run time.

# --- Rasa's environment (Python 3.10), shared by the Rasa and action servers -----------
FROM python:3.10-slim-bookworm AS bot-env
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/bot-venv RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
RUN pip install --no-cache-dir 'uv>=0.5,<1'
WORKDIR /app
COPY bot/pyproject.toml bot/uv.lock bot/.python-version bot/
COPY bot/kakekomi_bot bot/kakekomi_bot
RUN uv --directory bot sync --frozen --no-dev
ENV PATH=/opt/bot-venv/bin:$PATH

# --- The model is trained in a build stage (or mount your own at /app/models) ----------
FROM bot-env AS model
COPY bot bot
COPY nlu_data nlu_data
RUN python -m kakekomi_bot.cli train --config bot/config.yml \
    && cp "$(python -m kakekomi_bot.cli model-path --config bot/config.yml)" /app/model.tar.gz

# --- The action server (loopback or a private network only) ----------------------------
FROM bot-env AS actions
COPY bot/directory.yml bot/directory.yml
COPY actions actions
RUN useradd --system --uid 10001 kakekomi
USER 10001
ENV SANIC_HOST=0.0.0.0
EXPOSE 5055
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health')"]
# kakekomi_bot.private_logs: logs never carry what a person wrote (as in scripts/stack.py).
CMD ["python", "-m", "kakekomi_bot.private_logs", "rasa_sdk", "--actions", "actions", "--port", "5055", \
     "--quiet"]

# --- The Rasa server (never exposed to the internet; no --enable-api) -------------------
FROM bot-env AS rasa
COPY bot bot
COPY --from=model /app/model.tar.gz /app/models/model.tar.gz
RUN useradd --system --uid 10001 kakekomi
USER 10001
# Alone in its container, Rasa keeps conversations in its own memory (no conversation store).
ENV KAKEKOMI_ACTIONS_PORT=5055 KAKEKOMI_SESSION_IDLE_SECONDS=1800 KAKEKOMI_CONVERSATION_SOCKET=""
EXPOSE 5005
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/webhooks/rest/')"]
# kakekomi_bot.private_logs: logs never carry what a person wrote (as in scripts/stack.py).
CMD ["python", "-m", "kakekomi_bot.private_logs", "rasa", "run", "--model", "/app/models/model.tar.gz", \
     "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml", "--port", "5005", \
     "--quiet"]

# --- The gateway: the only public process (Python 3.11) --------------------------------
FROM python:3.11-slim-bookworm AS gateway
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv KAKEKOMI_DATA_DIR=/data KAKEKOMI_HOST=0.0.0.0
RUN pip install --no-cache-dir 'uv>=0.5,<1'
WORKDIR /app
COPY pyproject.toml uv.lock .python-version README.md ./
COPY api api
COPY kakekomi_ngo kakekomi_ngo
COPY bot/directory.yml bot/directory.yml
RUN uv sync --frozen --no-dev \
    && useradd --system --uid 10001 kakekomi && mkdir /data && chown kakekomi /data
ENV PATH=/opt/venv/bin:$PATH
USER 10001
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
CMD ["uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--no-access-log", "--no-server-header"]
