"""A short name for the browser a session was opened from, for the list of signed-in devices."""

from __future__ import annotations

import re

# Checked in order: Edge and Opera say "Chrome" too, Chrome says "Safari", every Android
# browser says "Linux". A full User-Agent parser (ua-parser) compiles hundreds of patterns
# in every worker to name a phone model; a person recognising their own device needs less.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def describe_device(user_agent: str) -> str:
    """ "Firefox on Android", "Safari on iPhone", or "Unknown browser"."""
    user_agent = _PRINTABLE.sub("", user_agent or "")[:512]
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "Unknown browser")
