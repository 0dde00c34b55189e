"""Characteristic product recommendation per village (一村一品)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
