"""Several worker processes on one address: ``kompetenceplan serve --workers N`` (issue 29).

uvicorn's own process manager starts N processes that share the listening socket; each builds
the same application (`create_app`) with the same settings, its own plan holder, durable-rules
host and database pool. Several workers must share the register (a PostgreSQL database: the
register's locks and unique indexes keep concurrent writers right, docs/register.md) and the
secret that signs the session cookie and the forms' CSRF tokens
(``KOMPETENCEPLAN_WEB_SECRET``): a request may land in any worker. When it is not set, `serve`
sets a random one for this run in the environment the workers inherit.

The settings travel to the workers in a file only the service's user can read (they may hold
the OpenID Connect client secret), named by ``KOMPETENCEPLAN_SERVE_SETTINGS``; it is removed
when the service stops. A new plan is taken by a rolling restart: ``kill -HUP`` to the main
process starts a new worker for each old one, which loads the plan files as they are then.
"""

from __future__ import annotations

from typing import Any

from .worker_settings import _settings


def app() -> Any:
    """The application of one worker (uvicorn's factory)."""
    from .app import _log_to_stderr, create_app

    settings = _settings()
    _log_to_stderr(settings.pop("access_log"))
    settings.pop("header_timeout"), settings.pop("max_connections")
    return create_app(**settings)


def __getattr__(name: str) -> Any:
    """``GuardedProtocol``: uvicorn's h11 protocol with the service's head timeout and connection
    cap (`guard.guarded_protocol`), named by import string so that the workers can build it."""
    if name == "GuardedProtocol":
        from .guard import guarded_protocol

        settings = _settings()
        return guarded_protocol(settings["header_timeout"], settings["max_connections"])
    raise AttributeError(name)
