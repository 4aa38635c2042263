"""Tilsyn, built from the decision register: the ledelsestilsyn (quarterly draws, automatic
checks TIL-nnn, the leaders' checklist, the report; docs/tilsyn.md; `generate` builds a
fictional municipality) and the økonomisk tilsyn (`economy`, `finance`; docs/oekonomisk-tilsyn.md)."""
