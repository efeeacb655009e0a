"""All models, imported here so Alembic and the app see one complete metadata."""

from quizapp.models.classes import (
    Assignment,
    AssignmentExtension,
    ClassInvitation,
    ClassMembership,
    Classroom,
)
from quizapp.models.content import Lesson, Module, Question
from quizapp.models.mail import OutboxMessage
from quizapp.models.progress import ActivityDay, LessonProgress, QuizAnswer, QuizAttempt
from quizapp.models.review import MemoryModel, ReviewCard, ReviewLog
from quizapp.models.sessions import UserSession
from quizapp.models.user import ROLES, User

__all__ = [
    "ROLES",
    "ActivityDay",
    "Assignment",
    "AssignmentExtension",
    "ClassInvitation",
    "ClassMembership",
    "Classroom",
    "Lesson",
    "LessonProgress",
    "MemoryModel",
    "Module",
    "OutboxMessage",
    "Question",
    "QuizAnswer",
    "QuizAttempt",
    "ReviewCard",
    "ReviewLog",
    "User",
    "UserSession",
]
