"""Officials' lists: ranked households, measures per household and village readiness."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
