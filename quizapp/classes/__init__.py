"""Classes: the blueprint's routes live in `views` (pages and assignments), `manage` (roster,
membership and the owner's decisions) and `reports` (what instructors read of the class's
work); importing them here registers them all."""

from quizapp.classes import manage, reports, views  # noqa: F401
