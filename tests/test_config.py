"""The application factory and its configuration layers."""

from __future__ import annotations

import pytest

from quizapp import create_app
from quizapp.config import ConfigError, database_url


def test_testing_config(app):
    assert app.config["TESTING"] and app.config["ENV_NAME"] == "testing"


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app(
            {"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
        )


def test_development_creates_and_keeps_a_secret_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(
        "flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance")
    )
    first = create_app({"ENV_NAME": "development"})
    second = create_app({"ENV_NAME": "development"})
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    assert (
        first.config["SQLALCHEMY_DATABASE_URI"]
        == f"sqlite:///{tmp_path / 'instance' / 'quizapp.sqlite'}"
    )


def test_environment_variables_configure_deployment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.example/quizapp")
    monkeypatch.setenv("QUIZAPP_ENV", "production")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("SERVER_NAME", "quiz.example.com")
    monkeypatch.setenv("TRUSTED_HOSTS", "quiz.example.com, .quiz.example.com")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user:pw@db.example/quizapp"
    )
    assert app.config["SERVER_NAME"] == "quiz.example.com"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["TRUSTED_HOSTS"] == ["quiz.example.com", ".quiz.example.com"]
    assert app.config["TRUSTED_PROXIES"] == 2


def production(tmp_path, **overrides):
    return create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "x" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/production.db",
            **overrides,
        }
    )


def test_production_requires_a_server_name(monkeypatch, tmp_path):
    monkeypatch.delenv("SERVER_NAME", raising=False)
    with pytest.raises(ConfigError, match="SERVER_NAME must be set in production"):
        production(tmp_path)


def test_server_name_is_a_host_not_a_url(tmp_path):
    with pytest.raises(ConfigError, match="not a URL"):
        production(tmp_path, SERVER_NAME="https://quiz.example.com/")


def local_app(tmp_path, **overrides):
    database = f"sqlite:///{tmp_path}/testing.db"
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database, **overrides})


@pytest.mark.parametrize("given", ["two", "-1", "1.5"])
def test_trusted_proxies_must_be_a_count(monkeypatch, tmp_path, given):
    monkeypatch.setenv("TRUSTED_PROXIES", given)
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be the number of proxies"):
        local_app(tmp_path)


def test_links_are_https_in_production_and_http_elsewhere(monkeypatch, tmp_path):
    monkeypatch.delenv("PREFERRED_URL_SCHEME", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    deployed = production(tmp_path, SERVER_NAME="quiz.example.com:8443")
    assert deployed.config["PREFERRED_URL_SCHEME"] == "https"
    # The port is no part of the host name a request is checked against.
    assert deployed.config["TRUSTED_HOSTS"] == ["quiz.example.com"]
    local = local_app(tmp_path)
    assert local.config["PREFERRED_URL_SCHEME"] == "http"
    assert local.config["TRUSTED_HOSTS"] is None
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "ftp")
    with pytest.raises(ConfigError, match="PREFERRED_URL_SCHEME must be http or https"):
        local_app(tmp_path)


def test_production_answers_only_to_its_own_host(monkeypatch, tmp_path):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    app = production(tmp_path, SERVER_NAME="quiz.example.com")
    client = app.test_client()
    forged = client.get("/healthz", headers={"Host": "evil.example"})
    assert forged.status_code == 400
    assert "does not answer to that host name" in forged.get_data(as_text=True)
    assert client.get("/healthz", headers={"Host": "quiz.example.com"}).status_code == 200


def test_unknown_environment_name_fails_fast(monkeypatch):
    monkeypatch.setenv("QUIZAPP_ENV", "staging")
    with pytest.raises(ConfigError, match="QUIZAPP_ENV must be one of"):
        create_app()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_forms(given, expected):
    assert database_url(given) == expected


def test_wsgi_module_exposes_an_app(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/wsgi.db")
    monkeypatch.setenv("SECRET_KEY", "x")
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "quizapp"


def test_class_creators_is_anyone_or_instructors(tmp_path, monkeypatch):
    assert local_app(tmp_path).config["CLASS_CREATORS"] == "anyone"
    monkeypatch.setenv("CLASS_CREATORS", "instructors")
    assert local_app(tmp_path).config["CLASS_CREATORS"] == "instructors"
    monkeypatch.setenv("CLASS_CREATORS", "admins")
    with pytest.raises(ConfigError, match="CLASS_CREATORS must be anyone or instructors"):
        local_app(tmp_path)
