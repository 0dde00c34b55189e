"""One package per pipeline; each exposes ``create_pipeline``."""
