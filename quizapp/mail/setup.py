"""Mail settings read once at start-up, and the links messages carry."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from flask import Flask, current_app

from quizapp.mail.transport import (
    FileTransport,
    MailConfigError,
    SMTPTransport,
    Transport,
    parse_mail_url,
)

# Where links point when SERVER_NAME is not set: `make run`'s address.
DEVELOPMENT_SERVER = "127.0.0.1:5000"


def init_mail(app: Flask) -> None:
    """Check MAIL_URL now rather than at the first message, and, in development without
    it, write queued mail to files as soon as the request that queued it has committed."""
    from quizapp.config import ConfigError

    url = app.config.get("MAIL_URL")
    if url:
        try:
            parse_mail_url(url)
        except MailConfigError as error:
            raise ConfigError(str(error)) from None
    elif app.config["ENV_NAME"] == "development":
        app.after_request(_deliver_to_files)


def _deliver_to_files(response):
    from quizapp.db import db, utcnow
    from quizapp.services.outbox import deliver_pending

    if db.session.info.pop("mail_queued", False):
        deliver_pending(mail_transport(), sender=mail_sender(), clock=utcnow)
    return response


def mail_transport() -> Transport:
    url = current_app.config.get("MAIL_URL")
    if url:
        return SMTPTransport(parse_mail_url(url))
    return FileTransport(Path(current_app.instance_path) / "outbox")


def server_name() -> str:
    return current_app.config.get("SERVER_NAME") or DEVELOPMENT_SERVER


def mail_domain() -> str:
    """The domain of Message-IDs and of the default sender."""
    host = server_name().rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host if "." in host else "localhost"
    return "localhost"  # an address is no mail domain


def mail_sender() -> str:
    return current_app.config.get("MAIL_FROM") or f"quizapp <no-reply@{mail_domain()}>"


def absolute_url(endpoint: str, **values) -> str:
    """A full link to `endpoint` from configuration (SERVER_NAME, PREFERRED_URL_SCHEME),
    never from the request's Host header, which the client chooses."""
    app = current_app
    adapter = app.url_map.bind(
        server_name(),
        url_scheme=app.config.get("PREFERRED_URL_SCHEME") or "http",
        script_name=app.config.get("APPLICATION_ROOT") or "/",
    )
    return adapter.build(endpoint, values, force_external=True)
