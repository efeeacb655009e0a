"""Command-line entry points; each is a thin wrapper over a service."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from quizapp.core.bank_report import BankReport, bank_report
from quizapp.core.content import load_content
from quizapp.db import db, utcnow
from quizapp.models import ROLES, User
from quizapp.services import accounts
from quizapp.services.content_sync import SyncRefused, content_sync
from quizapp.services.errors import Refused
from quizapp.services.regrade import StaleQuestion, apply_regrade, stale_answers

users_cli = AppGroup("users", help="Manage accounts.")
content_cli = AppGroup("content", help="Check and load the course content files.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Display name (defaults to the email's first part).")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.password_option(help="Asked for when not given.")
def users_create(email: str, display_name: str | None, role: str, password: str) -> None:
    """Create an account."""
    try:
        user = accounts.register_user(
            email=email,
            display_name=display_name or email.split("@")[0],
            password=password,
            role=role,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
def users_set_role(email: str, role: str) -> None:
    """Change the role of an existing account."""
    try:
        user = accounts.set_role(email=email, role=role)
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}.")


@users_cli.command("list")
@click.option("--search", default="", help="Part of an email or display name.")
def users_list(search: str) -> None:
    """List accounts with their roles (the first 50 matches)."""
    listing = accounts.list_users(search=search)
    for user in listing.users:
        click.echo(f"{user.role:<10}  {user.email}  ({user.display_name})")
    click.echo(f"{listing.total} account(s).")


def _content_root(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["CONTENT_DIR"])


def _fail_with(problems, outcome: str) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    raise click.ClickException(f"{len(problems)} problem(s) found{outcome}.")


@content_cli.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def content_check(path: str | None) -> None:
    """Validate the content files without touching the database."""
    catalogue, problems = load_content(_content_root(path))
    if problems:
        _fail_with(problems, "")
    click.echo(
        f"Content OK: {len(catalogue.modules)} modules, {len(catalogue.lessons)} lessons, "
        f"{len(catalogue.questions)} questions."
    )
    _echo_bank_report(bank_report(catalogue))


def _echo_bank_report(report: BankReport) -> None:
    # Warnings go with the problems, to stderr; they never change the exit status, since a
    # question can have good reason for each flaw and only the bank's figures have targets.
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if report.warnings:
        click.echo(f"{len(report.warnings)} warning(s).", err=True)
    quizzes = "quiz" if report.quizzes == 1 else "quizzes"
    click.echo(f"Bank: {report.questions} questions in {report.quizzes} {quizzes}")
    label = max(len(f.label) for f in report.figures) + 1
    value = max(len(f.value) for f in report.figures)
    target = max(len(f.target) for f in report.figures)
    for figure in report.figures:
        click.echo(
            f"  {figure.label + ':':<{label}}  {figure.value:<{value}}  "
            f"target {figure.target:<{target}}  {'met' if figure.met else 'MISSED'}"
        )


@content_cli.command("sync")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def content_sync_command(path: str | None) -> None:
    """Load the content files into the database in one transaction."""
    catalogue, problems = load_content(_content_root(path))
    if problems:
        _fail_with(problems, " in the content; nothing was loaded")
    try:
        report = content_sync(catalogue, now=utcnow())
    except SyncRefused as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing was loaded.") from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    click.echo(f"{report.total} change(s).")
    _list_stale(stale_answers(report.rekeyed))


def _list_stale(stale: list[StaleQuestion]) -> None:
    if not stale:
        return
    count = sum(len(question.answers) for question in stale)
    click.echo(f"{count} answer(s) are marked under an answer key that has since changed:")
    for question in stale:
        click.echo(f"  {question.summary}")
    click.echo("Run `flask content regrade --apply` to give them the marks the new key gives.")


@content_cli.command("regrade")
@click.option("--apply", "apply", is_flag=True, help="Change the marks; without it, only list.")
def content_regrade(apply: bool) -> None:
    """Find answers whose mark differs from what the current answer key gives them."""
    stale = stale_answers()
    if not stale:
        click.echo("Every answer has the mark its question's key gives it.")
        return
    if not apply:
        _list_stale(stale)
        return
    answers, attempts = apply_regrade(stale, now=utcnow())
    db.session.commit()
    for question in stale:
        click.echo(f"  {question.summary}")
    click.echo(f"Regraded {answers} answer(s); {attempts} finished attempt(s) rescored.")


srs_cli = AppGroup("srs", help="Spaced repetition maintenance.")


@srs_cli.command("rebuild")
@click.option("--check", is_flag=True, help="Only report cards that differ; change nothing.")
def srs_rebuild(check: bool) -> None:
    """Recompute every review card from the review log, the source of truth."""
    from quizapp.services.review_rebuild import rebuild_cards

    checked, differed = rebuild_cards()
    if check:
        db.session.rollback()
        click.echo(f"{checked} cards checked, {differed} differ from their log.")
        if differed:
            raise SystemExit(1)
        return
    db.session.commit()
    click.echo(f"{checked} cards rebuilt from the log, {differed} changed.")


def _shard(_context, _param, value: str | None) -> tuple[int, int]:
    if value is None:
        return 0, 1
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter("write it K/N, as 0/4: shard K of N, counted from 0") from None
    if not 0 <= index < count:
        raise click.BadParameter(f"K must be from 0 to N-1, not {index} of {count}")
    return index, count


@srs_cli.command("optimize")
@click.option("--all", "every", is_flag=True, help="Fit every learner with enough history.")
@click.option(
    "--shard",
    callback=_shard,
    help="K/N: only learners whose id is K modulo N (and the site model "
    "in shard 0), so several machines can share the work.",
)
def srs_optimize(every: bool, shard: tuple[int, int]) -> None:
    """Fit memory models, nightly from cron: the site's, then each learner's with enough new
    reviews (all with --all). A fit is kept only when it predicts held-out reviews better."""
    import resource
    import time

    from quizapp.services.memory_models import learners_to_fit, optimize_learner, optimize_site

    index, count = shard
    started = time.perf_counter()
    if index == 0:
        result = optimize_site()
        db.session.commit()
        click.echo(f"site model: {result.reason} ({result.reviews:,} reviews)")
    kept = 0
    learners = learners_to_fit(every=every, shard=(index, count))
    for user_id in learners:
        # One transaction a learner: a failure later keeps the fits already made.
        kept += optimize_learner(db.session.get(User, user_id), now=utcnow()).kept
        db.session.commit()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(
        f"{len(learners)} learner(s) fitted, {kept} new model(s) kept, in "
        f"{time.perf_counter() - started:.1f} s, peak memory {peak:.0f} MiB."
    )


@click.command("demo")
@with_appcontext
@click.option("--password", help="The password of every demo account (one is made up if not).")
def demo_command(password: str | None) -> None:
    """Create a demo class: an instructor, 12 learners and three weeks of their work."""
    from quizapp.services.demo import create_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("The demo is refused in production: it adds made-up accounts.")
    password = password or secrets.token_urlsafe(9)
    try:
        logins = create_demo(now=utcnow(), password=password)
    except Refused as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"Demo class “{logins.classroom.name}” is ready. Every account's password: {password}"
    )
    click.echo(f"  instructor  {logins.instructor}  (sees the gradebook under Classes)")
    for email in logins.learners:
        click.echo(f"  learner     {email}")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option(help="Asked for when not given.")
def users_set_password(email: str, password: str) -> None:
    """Set an account's password (for sites without mail) and sign it out everywhere."""
    user = accounts.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email.strip().lower()}.")
    try:
        accounts.set_password(user, password, field="password")
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Password set for {user.email}; every session of it has ended.")


@users_cli.command("prune-sessions")
def users_prune_sessions() -> None:
    """Delete expired sign-in sessions (each sign-in prunes its own account's too)."""
    from quizapp.services.sessions import prune_sessions

    pruned = prune_sessions(now=utcnow())
    db.session.commit()
    click.echo(f"{pruned} expired session(s) deleted.")


mail_cli = AppGroup("mail", help="Deliver the outbox.")


@mail_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running, delivering new mail as it comes.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
def mail_send(watch: bool, interval: float) -> None:
    """Send the messages that are due, with retries; exits 1 if one failed for good."""
    import time

    from quizapp.mail.setup import mail_sender, mail_transport
    from quizapp.services.outbox import deliver_pending

    failed = 0
    while True:
        report = deliver_pending(mail_transport(), sender=mail_sender(), clock=utcnow)
        failed += report.failed
        if not watch or report.sent or report.retrying or report.failed:
            click.echo(report.line())
        if not watch:
            break
        # The claim's session must not keep a snapshot (or a connection) open while idle.
        db.session.remove()
        time.sleep(interval)
    if failed:
        raise SystemExit(1)


reminders_cli = AppGroup("reminders", help="Queue reminders by mail.")


@reminders_cli.command("queue")
def reminders_queue() -> None:
    """Queue the reminders of learners whose chosen hour it is (cron: every 15 minutes)."""
    from quizapp.services.reminders import queue_reminders

    report = queue_reminders(now=utcnow())
    db.session.commit()
    click.echo(report.line())
