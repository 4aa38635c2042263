"""Every shipped example runs as its docstring says (the README's commands: tests/test_readme.py;
examples/client.py against a running service: tests/test_client.py)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import EXAMPLES, ROOT


def test_the_embedding_example_routes_asks_for_the_missing_input_and_checks_a_submission() -> None:
    """`python examples/embed.py` exits 0: it asks for the case total, routes, explains and checks."""
    done = subprocess.run([sys.executable, str(EXAMPLES / "embed.py")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Mangler: sagens_maanedlige_udgift"
    assert lines[1].startswith("Niveau: ")
    assert lines[2].startswith("Afgørelsesniveau: ")
    assert lines[3].startswith("Klar til visitationsudvalget: False | fund: DOK-")
