"""The settings `serve --workers N` hands its worker processes: written by the main process to a
private file (mode 0600, removed when it ends), read by each worker (`service.workers`). Its own
module so that the app (which writes them) and the workers (which build the app) do not import
each other."""

from __future__ import annotations

import atexit
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

SETTINGS_ENV = "KOMPETENCEPLAN_SERVE_SETTINGS"


def write_settings(settings: dict[str, Any]) -> Path:
    """The settings for the workers, in a private file removed when this process ends."""
    fd, name = tempfile.mkstemp(prefix="kompetenceplan-serve-", suffix=".pickle")  # mode 0600
    with os.fdopen(fd, "wb") as f:
        pickle.dump(settings, f)
    atexit.register(lambda: Path(name).unlink(missing_ok=True))
    return Path(name)


def _settings() -> dict[str, Any]:
    name = os.environ.get(SETTINGS_ENV)
    if not name:
        raise RuntimeError(f"{SETTINGS_ENV} er ikke sat: start tjenesten med 'kompetenceplan serve --workers N'.")
    with open(name, "rb") as f:  # written by `write_settings` in the main process, for this run
        settings: dict[str, Any] = pickle.load(f)  # noqa: S301 - our own file, mode 0600
    return settings
