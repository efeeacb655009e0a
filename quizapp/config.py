"""Configuration in three layers: defaults here, the instance folder, environment variables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """A required setting is missing or malformed; raised at start-up, never mid-request."""


def database_url(raw: str) -> str:
    """Accept the URL forms hosting providers hand out and pin PostgreSQL to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def instance_secret_key(instance_path: str) -> str:
    """Read the development secret from the instance folder, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def proxy_count(value: object) -> int:
    """TRUSTED_PROXIES as a number of proxies, 0 or more, from the environment's text or an int."""
    try:
        count = int(str(value))
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError(
            f"TRUSTED_PROXIES must be the number of proxies in front of the app (0 or more), "
            f"not {value!r}"
        )
    return count


def host_list(raw: str) -> list[str] | None:
    """A comma-separated list of host names; None when it names none (any host is accepted)."""
    hosts = [host.strip() for host in raw.split(",") if host.strip()]
    return hosts or None


class BaseConfig:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # As long as a remembered session lives on the server without a request (sessions.py).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_REFRESH_EACH_REQUEST = True
    # Tokens are bound to the session; a time limit only punishes learners who read slowly.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 1024 * 1024
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # How many proxies in front of the app append to X-Forwarded-For; with none, those
    # headers are the client's own words and are ignored.
    TRUSTED_PROXIES = 0
    # "anyone": every signed-in account may create a class and so teach it; "instructors":
    # only accounts an administrator made instructors.
    CLASS_CREATORS = "anyone"
    CONTENT_DIR = str(Path(__file__).resolve().parent.parent / "content")
    # fsrs's default cap of 100 years; fuzzing spreads out cards learned on the same day.
    REVIEW_MAXIMUM_INTERVAL_DAYS = 36500
    REVIEW_FUZZ = True


class DevelopmentConfig(BaseConfig):
    pass


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    RATELIMIT_ENABLED = False
    # Known ratings give known intervals.
    REVIEW_FUZZ = False


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(app, overrides: dict | None) -> None:
    """Fill `app.config`: class defaults, then environment, then explicit overrides."""
    env = (overrides or {}).get("ENV_NAME") or os.environ.get("QUIZAPP_ENV", "development")
    if env not in CONFIGS:
        raise ConfigError(f"QUIZAPP_ENV must be one of {', '.join(CONFIGS)}, not {env!r}")
    app.config.from_object(CONFIGS[env])
    app.config["ENV_NAME"] = env

    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    # Off only for load tests that sign in thousands of learners from one address.
    if os.environ.get("RATELIMIT_ENABLED", "").lower() in ("0", "false", "no"):
        app.config["RATELIMIT_ENABLED"] = False
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    for name in (
        "SERVER_NAME",
        "PREFERRED_URL_SCHEME",
        "TRUSTED_PROXIES",
        "MAIL_URL",
        "MAIL_FROM",
        "CLASS_CREATORS",
    ):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = host_list(os.environ["TRUSTED_HOSTS"])
    app.config.update(overrides or {})
    app.config["TRUSTED_PROXIES"] = proxy_count(app.config["TRUSTED_PROXIES"])
    if app.config["CLASS_CREATORS"] not in ("anyone", "instructors"):
        raise ConfigError(
            f"CLASS_CREATORS must be anyone or instructors, not {app.config['CLASS_CREATORS']!r}"
        )
    scheme = app.config["PREFERRED_URL_SCHEME"]
    if scheme not in ("http", "https"):
        raise ConfigError(f"PREFERRED_URL_SCHEME must be http or https, not {scheme!r}")

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "quizapp.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])

    if not app.config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError("SECRET_KEY must be set in production (a long random string)")
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    server_name = app.config.get("SERVER_NAME")
    if server_name and "/" in server_name:
        raise ConfigError(
            f"SERVER_NAME is the site's host, with a port if it is not the scheme's own "
            f"(quiz.example.com or quiz.example.com:8443), not a URL: {server_name!r}"
        )
    if env == "production":
        if not server_name:
            raise ConfigError(
                "SERVER_NAME must be set in production: the host people reach the site at "
                "(quiz.example.com), from which links in mail are built"
            )
        # The Host header is the client's to choose: links built from it (a class's join
        # link) would point wherever a forged header, or a cache it poisoned, said.
        if app.config.get("TRUSTED_HOSTS") is None:
            app.config["TRUSTED_HOSTS"] = [server_name.partition(":")[0]]
