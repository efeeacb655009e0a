"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from quizapp import create_app

app = create_app()
# What is loaded by now (the app, SQLAlchemy's and Jinja's caches, the libraries) lives as
# long as the worker. Frozen, it is no longer traversed by every full garbage collection,
# which otherwise stalled a large page such as the gradebook for as long again as it took.
gc.freeze()
