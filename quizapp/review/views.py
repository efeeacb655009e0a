from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadData, URLSafeTimedSerializer

from quizapp.core.charts import bar_chart, calendar_heatmap, heatmap_scale
from quizapp.core.questions import InvalidResponse
from quizapp.core.scheduling import Rating
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.forms import ActionForm
from quizapp.navigation import review_counts
from quizapp.quiz.forms import AnswerForm, elapsed_ms
from quizapp.review.forms import RateForm
from quizapp.services import leeches, reviews
from quizapp.services.errors import Refused
from quizapp.services.memory_models import describe_model
from quizapp.services.review_stats import HEATMAP_WEEKS, review_stats
from quizapp.services.reviews import CardQuestion

bp = Blueprint("review", __name__, url_prefix="/review")

# A reveal left open longer than this is stale: the learner reloads and answers again.
TICKET_MAX_AGE_S = 6 * 3600

# Sent by quiz.js when it rates a card in place: the answer is then the next card's page
# itself, one round trip instead of a redirect and a second request.
INLINE_HEADER = ("X-Requested-With", "fetch")


@bp.before_request
@login_required
def require_login():
    """Reviews belong to a signed-in learner."""


def signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="review")


def own_card(card_id: int, now: datetime) -> reviews.OwnCard:
    own = reviews.learner_card(user=current_user, card_id=card_id, now=now)
    if own is None:
        abort(404)
    return own


def show_question(
    item: CardQuestion,
    form: AnswerForm,
    status: int = 200,
    message: str = "",
):
    form.show(item.question.slug, item.card.id, item.card.reps)
    return render_template(
        "review/question.html",
        item=item,
        form=form,
        message=message,
        today=review_counts(),
        undo_form=ActionForm(),
    ), status


@bp.get("")
def session():
    now = utcnow()
    today = review_counts(now)
    card = reviews.next_card(user=current_user, now=now, counts=today)
    if card is None:
        return render_template("review/done.html", today=today, undo_form=ActionForm())
    return show_question(reviews.card_question(card), AnswerForm(formdata=None))


@bp.post("/<int:card_id>")
def answer(card_id: int):
    now = utcnow()
    own = own_card(card_id, now)
    card = own.card
    item = reviews.card_question(card)
    form = AnswerForm()
    if not form.validate() or form.question.data != item.question.slug:
        return show_question(item, form, 400, "The answer could not be read: answer again.")
    try:
        key, shown_at = form.read_shown(max_age=TICKET_MAX_AGE_S)
    except BadData:
        return show_question(item, form, 400, "The page was altered or is too old; answer again.")
    if key != [card.id, card.reps]:
        return render_error(409, "You already rated this card. Go on with the next one.")
    try:
        reveal = reviews.check_answer(
            user=current_user,
            item=item,
            due=own.due,
            values=request.form.getlist,
            now=now,
            due_date=own.due_date,
        )
    except InvalidResponse as error:
        return show_question(item, form, 400, str(error))
    except Refused as error:
        return render_error(error.status, error.message)
    ticket = signer().dumps([card.id, card.reps, elapsed_ms(shown_at, now)])
    return render_template(
        "review/reveal.html", item=item, reveal=reveal, rate_form=RateForm(ticket=ticket)
    )


@bp.post("/<int:card_id>/rate")
def rate(card_id: int):
    now = utcnow()
    own = own_card(card_id, now)
    card = own.card
    form = RateForm()
    if not form.validate():
        return render_error(400, "The rating could not be read. Go back and choose one button.")
    try:
        ticket_card, reps, duration = signer().loads(form.ticket.data, max_age=TICKET_MAX_AGE_S)
    except (BadData, ValueError):
        return render_error(400, "The rating was altered or is too old. Answer the card again.")
    rating = Rating(form.rating.data)
    if ticket_card != card.id:
        return render_error(400, "That rating was for another card. Answer this one again.")
    try:
        rated = reviews.record_review(
            user=current_user,
            card=card,
            reps_seen=reps,
            rating=rating,
            now=now,
            duration_ms=duration,
            due_date=own.due_date,
        )
    except Refused as error:
        db.session.rollback()
        return render_error(error.status, error.message)
    # Read before the commit expires the card, which would cost a query to read it again.
    now_set_aside = card.suspended_at is not None
    db.session.commit()
    # Flashed, so it shows on whichever page comes next: the next card, inline or not, the
    # end of the session, or the card just set aside.
    if rated.goal_met is not None:
        flash(rated.goal_met.celebration, "goal")
    if now_set_aside:
        return redirect(url_for("review.set_aside", card_id=card_id), 303)
    if request.headers.get(INLINE_HEADER[0]) == INLINE_HEADER[1]:
        return session()
    return redirect(url_for("review.session"), 303)


@bp.get("/<int:card_id>/set-aside")
def set_aside(card_id: int):
    """The notice after a leech is set aside: why, the lesson to reread, and the choice."""
    card = own_card(card_id, utcnow()).card
    if card.suspended_at is None:
        return redirect(url_for("review.session"), 303)
    item = reviews.card_question(card)
    return render_template("review/set_aside.html", item=item, form=ActionForm())


@bp.post("/<int:card_id>/keep")
def keep_reviewing(card_id: int):
    if not ActionForm().validate_on_submit():
        return render_error(400, "That choice needs a fresh page: reload and try again.")
    try:
        leeches.keep_reviewing(user=current_user, card_id=card_id)
    except Refused as error:
        db.session.rollback()
        return render_error(error.status, error.message)
    db.session.commit()
    flash("The card is back in your reviews.", "success")
    return redirect(url_for("review.session"), 303)


@bp.post("/undo")
def undo():
    if not ActionForm().validate_on_submit():
        return render_error(400, "Undo needs a fresh page: reload and try again.")
    try:
        undone = reviews.undo_last(user=current_user, now=utcnow())
    except Refused as error:
        db.session.rollback()
        return render_error(error.status, error.message)
    db.session.commit()
    if undone is None:
        flash("There is no review to undo.", "info")
        return redirect(url_for("review.session"), 303)
    flash(f"Undone: your “{Rating(undone.rating).label}” rating. Here is the card again.", "info")
    return redirect(url_for("review.session"), 303)


@bp.get("/stats")
def stats():
    data = review_stats(user=current_user, now=utcnow())
    charts = {
        "per_day": bar_chart(
            [(day.strftime("%d %b"), count) for day, count in data.reviews_per_day],
            title="Reviews per day, last 30 days",
            unit="reviews",
            id_prefix="per-day",
        ),
        "heatmap": calendar_heatmap(
            data.heatmap,
            end=data.today,
            weeks=HEATMAP_WEEKS,
            title="Review calendar",
            id_prefix="calendar",
        ),
        "forecast": bar_chart(
            [(day.strftime("%d %b"), count) for day, count in data.forecast],
            title="Reviews due in the next 30 days",
            unit="reviews",
            id_prefix="forecast",
        ),
        "heat_scale": heatmap_scale(),
    }
    return render_template(
        "review/stats.html",
        stats=data,
        charts=charts,
        set_aside=leeches.set_aside_cards(user=current_user),
        keep_form=ActionForm(),
        model=describe_model(current_user.memory_model),
    )
