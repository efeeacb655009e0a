"""End-to-end tests: a real Chromium driving a live server, through the pages a learner sees."""
