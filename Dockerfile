# Production image for web (gunicorn), the Celery workers and beat; see docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint loads Pango and HarfBuzz at run time and needs at least one font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --uid 10001 app
WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The project's code is not a package:
# it runs from /app.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# Production settings refuse to load without their variables; these placeholders serve only this step.
RUN SECRET_KEY=collectstatic-only-placeholder-not-used-at-run-time-0123456789 \
    ALLOWED_HOSTS=build.invalid DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 EMAIL_URL=consolemail:// \
    DJANGO_SETTINGS_MODULE=coop.settings.prod \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media && chown app:app /data/media

ENV DJANGO_SETTINGS_MODULE=coop.settings.prod \
    MEDIA_ROOT=/data/media
USER app
EXPOSE 8000
CMD ["gunicorn", "coop.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
