"""Settings come from the environment with safe defaults (checked in a fresh interpreter each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST"),
                  "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
                  "secret": settings.SECRET_KEY, "media": str(settings.MEDIA_ROOT)}))
"""
VARIABLES = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "MEDIA_ROOT", "DJANGO_REQUIRE_SECRET_KEY")


def settings_with(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_defaults_are_safe_and_local():
    result = settings_with()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "db.sqlite3")
    assert values["debug"] is False
    assert values["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert values["media"] == str(ROOT / "media")


def test_postgres_through_database_url():
    result = settings_with(DATABASE_URL="postgres://app:secret@db.internal:5433/assets", DEBUG="true",
                           ALLOWED_HOSTS="assets.example.com, api.example.com", SECRET_KEY="s3cret",
                           MEDIA_ROOT="/srv/media")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "assets" and values["host"] == "db.internal"
    assert values["debug"] is True and values["hosts"] == ["assets.example.com", "api.example.com"]
    assert values["secret"] == "s3cret" and values["media"] == "/srv/media"


def test_production_can_insist_on_a_secret_key():
    result = settings_with(DJANGO_REQUIRE_SECRET_KEY="1")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_only_the_test_run_hashes_passwords_with_the_fast_hasher():
    from django.contrib.auth.hashers import get_hasher

    assert get_hasher().algorithm == "md5"
    probe = "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n" \
            "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)"
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pbkdf2_sha256"
