"""Project datasets."""

from .raw_files import RawFileError, RawFilesDataset, read_raw_table

__all__ = ["RawFileError", "RawFilesDataset", "read_raw_table"]
