"""Tilsyn: the management and economic supervision reports built from the decision register."""
