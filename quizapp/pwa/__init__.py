"""What makes quizapp installable: the web app manifest and the service worker, served from
the site's root so the worker's scope is the whole site."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

bp = Blueprint("pwa", __name__)


def _static_text(name: str) -> str:
    with current_app.open_resource(f"static/{name}") as handle:
        return handle.read().decode()


@bp.get("/manifest.webmanifest")
def manifest():
    return Response(_static_text("manifest.webmanifest"), mimetype="application/manifest+json")


@bp.get("/sw.js")
def service_worker():
    response = Response(_static_text("js/sw.js"), mimetype="text/javascript")
    # Browsers check for a new worker on navigation; a cached copy would delay every update.
    response.headers["Cache-Control"] = "no-cache"
    return response
