"""``measure_effects``: which development measure helps which household (措施到户 by effect)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
