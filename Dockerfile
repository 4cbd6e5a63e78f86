# Safeshift API + media workers. Without REDIS_URL it runs the embedded Redis under /data;
# in production set REDIS_URL to a Redis with AOF (see README: Running in production).
#
# Two stages. `build` turns requirements/app.lock into wheels (downloads checked against the
# lock's hashes; a dependency that ships only an sdist is compiled here, where the compiler is)
# and builds safeshift's own wheel with the locked setuptools. The final stage installs exactly
# those wheels, with no compiler and no index, so the image holds the locked versions only.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements/app.lock requirements/app.lock
RUN pip wheel --require-hashes --wheel-dir /wheels -r requirements/app.lock \
 && pip install --no-index --no-deps /wheels/setuptools-*.whl
COPY pyproject.toml README.md ./
COPY scheduler ./scheduler
COPY exposure ./exposure
COPY blur ./blur
COPY wellbeing ./wellbeing
COPY api ./api
COPY luascripts ./luascripts
COPY embedded_redis ./embedded_redis
COPY record ./record
COPY bank ./bank
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 10001 safeshift
WORKDIR /app
# The wheels are mounted for this one step (BuildKit, the default builder since Docker 23),
# not copied: they add nothing to the image's size.
# --no-deps: /wheels holds the lock's whole closure already, built and hash-checked above.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --no-deps /wheels/*.whl \
 && pip check \
 && mkdir -p /data && chown safeshift /data

USER safeshift
VOLUME ["/data"]
EXPOSE 8000
# REDIS_URL=redis://host:6379/0 to use an external Redis instead of the embedded one.
ENV SAFESHIFT_DATA_DIR=/data
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
CMD ["safeshift", "serve", "--host", "0.0.0.0", "--port", "8000"]
