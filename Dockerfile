# Safeshift API + media workers. Without REDIS_URL it runs the embedded Redis under /data;
# in production set REDIS_URL to a Redis with AOF (see README: Running in production).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 safeshift
WORKDIR /app
COPY pyproject.toml README.md ./
COPY scheduler ./scheduler
COPY exposure ./exposure
COPY blur ./blur
COPY wellbeing ./wellbeing
COPY api ./api
COPY luascripts ./luascripts
COPY embedded_redis ./embedded_redis
RUN pip install . && mkdir -p /data && chown safeshift /data

USER safeshift
VOLUME ["/data"]
EXPOSE 8000
# REDIS_URL=redis://host:6379/0 to use an external Redis instead of the embedded one.
ENV SAFESHIFT_DATA_DIR=/data
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
CMD ["safeshift", "serve", "--host", "0.0.0.0", "--port", "8000"]
