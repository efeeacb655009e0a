"""The course most page tests run on: two lessons a module, with every question type."""

from __future__ import annotations

import pytest

from tests.factories import sync_tree, write_content


@pytest.fixture
def course(db, tmp_path):
    sync_tree(write_content(tmp_path, lessons_per_module=2, all_types=True))
    db.session.commit()
