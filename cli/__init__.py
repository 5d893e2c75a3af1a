"""The `discourse` command (typer), installed as ``discourse.cli``."""
