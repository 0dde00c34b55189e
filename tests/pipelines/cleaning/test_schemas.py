"""The schemas are the guard behind the cleaning: a breach names the table, the column and
the check in one line, never the values (they may be ID numbers or person codes)."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.pipelines.cleaning.schemas import validate

PERSON_CODE = "5201221012010001019"


def test_a_schema_breach_is_one_line_without_the_values(parameters):
    persons = pd.DataFrame(
        {
            "year": [2019, 2019],
            "household_code": ["H1", "H1"],
            "person_code": [PERSON_CODE, PERSON_CODE],  # twice: breaks uniqueness
            "relation": ["户主", "配偶"],
            "sex": ["男", "女"],
            "school_status": ["非在校生", "非在校生"],
            "labour_skill": ["普通劳动力", "普通劳动力"],
            "migrant_months": [13.0, 0.0],  # outside cleaning.value_ranges
            "id_valid": [True, True],
            "source_file": ["registry/registry_2019.csv"] * 2,
            "source_row": [2, 3],
        }
    )
    with pytest.raises(ProjectError) as error:
        validate("persons", persons, parameters["code_lists"], parameters["cleaning"])
    message = str(error.value)
    assert message.startswith("the cleaned persons table breaks its schema — ")
    assert "migrant_months: in_range(0, 12) (1 rows)" in message
    assert "\n" not in message and PERSON_CODE not in message
    assert error.value.__cause__ is None and error.value.__suppress_context__
