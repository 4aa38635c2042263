"""Ledelsestilsyn: quarterly draws of decisions, automatic checks (TIL-nnn), the leaders'
checklist and the report (docs/tilsyn.md); `generate` builds a fictional municipality."""
