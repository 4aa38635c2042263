"""The command line (click): one thin command per library call; ``main`` is the entry point."""

from .commands import main

__all__ = ["main"]
