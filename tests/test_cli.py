"""The command line: accounts and content, as an operator types them."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from quizapp.core.scheduling import Rating
from quizapp.db import utcnow
from quizapp.models import Question, ReviewCard, ReviewLog, User
from quizapp.services import reviews
from tests.factories import create_user, sync_tree, write_content


def test_users_create_asks_for_the_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "Teacher@Example.com", "--role", "instructor"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created instructor teacher@example.com." in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("teacher@example.com", "instructor")


def test_users_create_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "t@example.com"], input="short\nshort\n"
    )
    assert result.exit_code != 0
    assert "Use at least 10 characters." in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_refuses_a_name_with_terminal_escapes(app, db):
    # `users list` prints names to a terminal, which would obey the escape.
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "t@example.com", "--name", "Tess\x1b[2J"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code != 0
    assert "line breaks and text-direction controls are not allowed" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_set_role(app, db):
    user = create_user()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-role", "--email", user.email, "--role", "admin"])
    assert result.exit_code == 0 and "is now admin" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "admin"
    missing = runner.invoke(
        args=["users", "set-role", "--email", "no@example.com", "--role", "admin"]
    )
    assert missing.exit_code != 0 and "No account with the email no@example.com" in missing.output


def test_content_check_passes_on_the_shipped_content(app):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    # Eight modules: the seven from the career guides and the numbers of the job.
    assert "Content OK: 8 modules" in result.output


def test_content_check_lists_every_problem_and_fails(app, tmp_path):
    root = write_content(tmp_path)
    quiz = root / "questions/module-1-lesson-1.yaml"
    quiz.write_text(quiz.read_text().replace("type: single_choice", "type: essay", 1))
    (root / "questions/ghost.yaml").write_text("lesson: ghost\nquestions: []\n")
    result = app.test_cli_runner().invoke(args=["content", "check", str(root)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if ".yaml:" in line]
    assert len(lines) >= 2
    assert any(
        "module-1-lesson-1.yaml:4: questions[0].type: unknown question type 'essay'" in line
        for line in lines
    ), lines


def test_content_check_prints_the_bank_figures_and_warns_without_failing(app, tmp_path):
    root = write_content(tmp_path)  # five questions that share one prompt
    result = app.test_cli_runner().invoke(args=["content", "check", str(root)])
    assert result.exit_code == 0, result.output
    assert "Bank: 5 questions in 1 quiz\n" in result.output
    figure = next(line for line in result.output.splitlines() if "naming a source:" in line)
    assert " ".join(figure.split()) == "prompts naming a source: 0 (0%) target at most 20% met"
    assert re.search(
        r"^\S*module-1-lesson-1\.yaml:\d+: warning: question module-1-lesson-1-q01: "
        r"the same prompt as question module-1-lesson-1-q02",
        result.output,
        re.MULTILINE,
    ), result.output


def test_content_sync_reports_counts_and_is_all_or_nothing(app, db, tmp_path):
    root = write_content(tmp_path, modules=1, lessons_per_module=2)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 0, result.output
    assert "questions: 10 added, 0 updated, 0 retired" in result.output
    again = runner.invoke(args=["content", "sync", str(root)])
    assert "0 change(s)." in again.output

    quiz = root / "questions/module-1-lesson-2.yaml"
    quiz.write_text(quiz.read_text().replace("prompt: Which one is right?", "prompt: Edited?"))
    (root / "lessons/module-1/01-lesson-1.md").write_text("broken: no front matter\n")
    broken = runner.invoke(args=["content", "sync", str(root)])
    assert broken.exit_code != 0 and "nothing was loaded" in broken.output
    assert (
        db.session.scalar(
            select(func.count()).select_from(Question).where(Question.prompt == "Edited?")
        )
        == 0
    )


def test_make_run_loads_the_full_catalogue(app, db):
    result = app.test_cli_runner().invoke(args=["content", "sync"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Question)) >= 180
    assert Path(app.config["CONTENT_DIR"]).name == "content"


def test_srs_rebuild_reports_and_repairs_cards_that_drifted_from_the_log(app, db, tmp_path):
    sync_tree(write_content(tmp_path))
    user = create_user()
    reviews.cards_for_answer(
        user=user, answers=[(db.session.scalar(select(Question.id)), True)], now=utcnow()
    )
    card = db.session.scalar(select(ReviewCard))
    # The quiz answer is the card's first step, logged, so a review is its second.
    assert card.reps == 1
    reviews.record_review(
        user=user, card=card, reps_seen=1, rating=Rating.GOOD, now=utcnow(), duration_ms=None
    )
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["srs", "rebuild", "--check"]).exit_code == 0
    card.stability = 50.0
    db.session.commit()
    check = runner.invoke(args=["srs", "rebuild", "--check"])
    assert check.exit_code == 1 and "1 cards checked, 1 differ" in check.output
    fixed = runner.invoke(args=["srs", "rebuild"])
    assert fixed.exit_code == 0 and "1 changed" in fixed.output
    assert runner.invoke(args=["srs", "rebuild", "--check"]).exit_code == 0


def test_users_list_shows_roles_and_filters(app, db):
    create_user(email="ines@plant.example", role="instructor")
    create_user(email="ada@example.com")
    output = app.test_cli_runner().invoke(args=["users", "list", "--search", "plant"]).output
    assert "instructor  ines@plant.example" in output and "ada@" not in output
    assert "1 account(s)." in output


def test_demo_builds_a_class_a_newcomer_can_explore(app, db, tmp_path):
    from quizapp.core.assignments import Status
    from quizapp.models import Classroom
    from quizapp.services.gradebook import class_gradebook

    sync_tree(write_content(tmp_path, modules=2, lessons_per_module=3, all_types=True))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--password", "demo password 1"])
    assert result.exit_code == 0, result.output
    assert "instructor@demo.example.com" in result.output
    assert result.output.count("learner     ") == 12

    book = class_gradebook(classroom=db.session.scalar(select(Classroom)), now=utcnow())
    assert len(book.rows) == 12 and len(book.assignments) == 3
    # The cast the demo promises, whatever the time of day it is loaded and however the dice fall.
    statuses = Counter(row.cells[book.assignments[0].id].status for row in book.rows)
    assert statuses == {
        Status.PASSED_ON_TIME: 5,
        Status.PASSED_LATE: 3,
        Status.OVERDUE: 4,
    }
    assert db.session.scalar(select(func.count()).select_from(ReviewLog)) > 100
    client = app.test_client()
    assert client.login("instructor@demo.example.com", "demo password 1").status_code == 302

    again = runner.invoke(args=["demo", "--password", "demo password 1"])
    assert again.exit_code != 0 and "already loaded" in again.output


def test_demo_is_refused_in_production(database_url):
    from tests.conftest import dispose, make_app

    production = make_app(
        database_url, ENV_NAME="production", SECRET_KEY="x" * 32, SERVER_NAME="quiz.example.com"
    )
    result = production.test_cli_runner().invoke(args=["demo"])
    dispose(production)
    assert result.exit_code != 0 and "refused in production" in result.output


def test_content_sync_loads_nothing_while_a_case_is_broken(app, db, tmp_path):
    from tests.factories import case_quiz_text

    root = write_content(tmp_path)
    quiz = root / "questions/module-1-lesson-1.yaml"
    quiz.write_text(case_quiz_text("module-1-lesson-1"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "sync", str(root)]).exit_code == 0
    text = quiz.read_text().replace("one operator short", "two short")
    text = text.replace("    tolerance: 0.1\n", "").replace("case: line-2", "case: ghost", 1)
    quiz.write_text(text)
    broken = runner.invoke(args=["content", "sync", str(root)])
    assert broken.exit_code != 0 and "nothing was loaded" in broken.output
    assert "tolerance: required field is missing" in broken.output
    assert "case 'ghost' is not one of this file's cases" in broken.output
    stored = db.session.scalars(select(Question.data).where(Question.data.is_not(None))).all()
    assert not any("two short" in str(data) for data in stored)
