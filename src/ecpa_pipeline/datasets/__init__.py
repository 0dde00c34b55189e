"""Project datasets."""

from .county_partitions import CountyPartitionsDataset
from .export_file import ExportFileDataset
from .mlflow_tags import MlflowTagsDataset
from .optional import OptionalDataset
from .raw_files import RawFileError, RawFilesDataset, RawSkippedDataset, read_raw_table
from .registered_model import RegisteredModel, RegisteredModelDataset
from .report_set import ReportSetDataset
from .secrets import SecretDataset
from .simulation_target import SimulationTargetDataset
from .spreadsheet_safe import SpreadsheetSafeCSVDataset
from .workbook import WorkbookDataset

__all__ = [
    "CountyPartitionsDataset",
    "ExportFileDataset",
    "MlflowTagsDataset",
    "OptionalDataset",
    "RawFileError",
    "RawFilesDataset",
    "RawSkippedDataset",
    "RegisteredModel",
    "RegisteredModelDataset",
    "ReportSetDataset",
    "SecretDataset",
    "SimulationTargetDataset",
    "SpreadsheetSafeCSVDataset",
    "WorkbookDataset",
    "read_raw_table",
]
