from __future__ import annotations

from flask import Blueprint, abort, render_template

from quizapp.core.markdown import render_markdown
from quizapp.services.catalogue import catalogue_modules, lesson_view

bp = Blueprint("learn", __name__)


@bp.get("/")
def catalogue():
    return render_template("learn/catalogue.html", modules=catalogue_modules())


@bp.get("/lessons/<slug>")
def lesson(slug: str):
    view = lesson_view(slug)
    if view is None:
        abort(404)
    return render_template(
        "learn/lesson.html", view=view, body_html=render_markdown(view.lesson.body)
    )
