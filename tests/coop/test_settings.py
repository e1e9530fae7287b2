"""Production settings refuse development defaults; with a real-looking environment they pass --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "coop.settings.prod",
    "SECRET_KEY": "k8$Zq!v2@pL9#wR4&xT7*mN3^bH6%cJ1(dF5)gS0-yU8+eA2=iO4",
    "ALLOWED_HOSTS": "hageland.korteketen.be",
    "DATABASE_URL": "postgres://kk:secret@db.internal:5432/korteketen",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def _manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in PROD_ENV and k not in ("DEBUG",)}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_check_deploy_is_clean_with_a_real_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_prod_refuses_the_dev_secret_key():
    env = {**PROD_ENV, "SECRET_KEY": "dev-insecure-korteketen-change-me"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_prod_refuses_missing_database_url():
    env = {k: v for k, v in PROD_ENV.items() if k != "DATABASE_URL"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
