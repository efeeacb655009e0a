"""Classes: the blueprint's routes live in `views` (pages, assignments, reports) and `manage`
(roster, membership and the owner's decisions); importing both here registers them all."""

from quizapp.classes import manage, views  # noqa: F401
