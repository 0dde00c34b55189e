"""Project datasets."""

from .county_partitions import CountyPartitionsDataset
from .export_file import ExportFileDataset
from .mlflow_tags import MlflowTagsDataset
from .optional import OptionalDataset
from .raw_files import RawFileError, RawFilesDataset, read_raw_table
from .registered_model import RegisteredModel, RegisteredModelDataset
from .secrets import SecretDataset
from .spreadsheet_safe import SpreadsheetSafeCSVDataset
from .workbook import WorkbookDataset

__all__ = [
    "CountyPartitionsDataset",
    "ExportFileDataset",
    "MlflowTagsDataset",
    "OptionalDataset",
    "RawFileError",
    "RawFilesDataset",
    "RegisteredModel",
    "RegisteredModelDataset",
    "SecretDataset",
    "SpreadsheetSafeCSVDataset",
    "WorkbookDataset",
    "read_raw_table",
]
