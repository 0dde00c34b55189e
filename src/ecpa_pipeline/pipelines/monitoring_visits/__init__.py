"""Monthly department alerts → who to visit this month (防返贫 as done since 2021)."""

from .pipeline import create_pipeline, create_training_pipeline

__all__ = ["create_pipeline", "create_training_pipeline"]
