"""Raw exports → validated primary tables, quarantine with reasons, data-quality report."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
