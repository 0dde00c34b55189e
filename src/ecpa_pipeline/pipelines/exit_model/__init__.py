"""Poverty-exit model: training, calibration, evaluation, explanations, MLflow logging."""

from .pipeline import create_inference_pipeline, create_pipeline

__all__ = ["create_inference_pipeline", "create_pipeline"]
