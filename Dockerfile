# syntax=docker/dockerfile:1
# Kakekomi: the images of the stack, from one file, with the same steps as the Makefile.
#   docker build --target gateway      -t kakekomi-gateway .
#   docker build --target rasa         -t kakekomi-rasa .     # trains and checks the model
#   docker build --target rasa-nomodel -t kakekomi-rasa-nomodel .  # mount a model instead
#   docker build --target actions      -t kakekomi-actions .
# compose.yaml runs them together; docs/deploy.md says how, behind TLS and on Kubernetes.
# No secret enters a layer: the NGO's key, our signing key and the tokens are given at run
# time (.dockerignore keeps secrets/, .env, *.pem and var/ out of the build context).
# Every image runs as the unprivileged uid 10001.

# --- Rasa's environment (Python 3.10), shared by the Rasa and action servers -----------
FROM python:3.10-slim-bookworm AS bot-env
# PYTHAINLP_READ_ONLY: pythainlp would otherwise create ~/pythainlp-data when the tokenizer
# loads; the dictionary it uses ships with the package.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/bot-venv RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 \
    PYTHAINLP_READ_ONLY=1 PYTHAINLP_OFFLINE=1
RUN pip install --no-cache-dir 'uv>=0.5,<1' \
    && useradd --system --create-home --uid 10001 kakekomi
WORKDIR /app
COPY bot/pyproject.toml bot/uv.lock bot/.python-version bot/
COPY bot/kakekomi_bot bot/kakekomi_bot
COPY common common
# As `make sync`: the locked environment, kakekomi_bot installed from /app/bot and
# kakekomi_common from /app/common (editable, so that kakekomi_bot.maintain.paths finds the
# repository at /app).
RUN uv --directory bot sync --frozen --no-dev --compile-bytecode
ENV PATH=/opt/bot-venv/bin:$PATH

# --- The model: trained here (`make model`), then checked as `make promote` does --------
FROM bot-env AS model
# bot/config.yml: the one pipeline (production, CI and the maintainers' loop).
ARG MODEL_CONFIG=bot/config.yml
COPY bot bot
COPY nlu_data nlu_data
# The build fails if the model misses any must-catch example (nlu_data/must_catch/).
RUN python -m kakekomi_bot.maintain train --config "$MODEL_CONFIG" \
    && trained="$(python -m kakekomi_bot.maintain model-path --config "$MODEL_CONFIG")" \
    && python -m kakekomi_bot.maintain promote "$trained" --data-dir /tmp/promote \
    && cp "$trained" /app/model.tar.gz

# --- The action server: a sidecar of Rasa (same network namespace or pod) ----------------
FROM bot-env AS actions
COPY bot/directory.yml bot/directory.yml
COPY actions actions
USER 10001
# Rasa calls it on 127.0.0.1 (bot/endpoints.yml). It listens on the pod's address as well
# because the gateway's /readyz asks its /health at KAKEKOMI_RASA_HOST:5055; nothing else
# may reach it (compose: an internal network; Kubernetes: a NetworkPolicy).
ENV SANIC_HOST=0.0.0.0
EXPOSE 5055
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
# kakekomi_bot.private_logs: logs never carry what a person wrote (as in kakekomi_stack).
CMD ["python", "-m", "kakekomi_bot.private_logs", "rasa_sdk", "--actions", "actions", \
     "--port", "5055", "--quiet"]

# --- The Rasa server, without a model: mount one at /app/models/model.tar.gz ------------
FROM bot-env AS rasa-nomodel
COPY bot bot
USER 10001
# The action server is its sidecar on 127.0.0.1:5055. Without KAKEKOMI_REDIS_URL, Rasa keeps
# conversations in its own memory (bot/endpoints.yml, no conversation store socket): one
# replica only. With it, bot/endpoints-redis.yml: conversations and locks in Redis, shared
# by every replica, each forgotten after KAKEKOMI_SESSION_IDLE_SECONDS without messages.
ENV KAKEKOMI_ACTIONS_PORT=5055 KAKEKOMI_SESSION_IDLE_SECONDS=1800 KAKEKOMI_CONVERSATION_SOCKET=""
EXPOSE 5005
# Rasa opens its port only once the model is loaded (about 40 s; README, cold start).
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/webhooks/rest/', timeout=4)"]
# Listens on all interfaces of its container or pod, for the gateway (KAKEKOMI_RASA_HOST);
# without --enable-api, so only the REST channel answers. private_logs as in kakekomi_stack.
CMD ["sh", "-c", "exec python -m kakekomi_bot.private_logs rasa run --model /app/models/model.tar.gz --endpoints \"bot/endpoints${KAKEKOMI_REDIS_URL:+-redis}.yml\" --credentials bot/credentials.yml --interface 0.0.0.0 --port 5005 --quiet"]

# --- The Rasa server with the model trained and checked above ---------------------------
FROM rasa-nomodel AS rasa
COPY --from=model /app/model.tar.gz /app/models/model.tar.gz

# --- The gateway: the only public process (Python 3.11) --------------------------------
FROM python:3.11-slim-bookworm AS gateway
# FORWARDED_ALLOW_IPS (uvicorn): set it to the TLS proxy's address; see docs/deploy.md.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv KAKEKOMI_DATA_DIR=/data KAKEKOMI_HOST=0.0.0.0 \
    KAKEKOMI_ENVIRONMENT=production
RUN pip install --no-cache-dir 'uv>=0.5,<1'
WORKDIR /app
COPY pyproject.toml uv.lock .python-version README.md ./
COPY common common
COPY api api
COPY kakekomi_ngo kakekomi_ngo
COPY bot/directory.yml bot/directory.yml
# As `make sync`, without the development tools.
RUN uv sync --frozen --no-dev --compile-bytecode \
    && useradd --system --uid 10001 kakekomi && mkdir -m 0700 /data && chown kakekomi /data
ENV PATH=/opt/venv/bin:$PATH
USER 10001
# The SQLite outbox (ciphertext only) when KAKEKOMI_OUTBOX_URL is unset, and the signing key
# when KAKEKOMI_SIGNING_KEY is unset.
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# As kakekomi_stack starts it: no access log, no server header, warnings only.
CMD ["uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--no-access-log", "--no-server-header", "--log-level", "warning", "--proxy-headers"]
