"""Project datasets."""

from .mlflow_tags import MlflowTagsDataset
from .raw_files import RawFileError, RawFilesDataset, read_raw_table
from .secrets import SecretDataset

__all__ = [
    "MlflowTagsDataset",
    "RawFileError",
    "RawFilesDataset",
    "SecretDataset",
    "read_raw_table",
]
