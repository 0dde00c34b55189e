"""The ``spark`` pipelines: county folders → each county's pipelines on an executor
(``spark_counties``) → the registered exit model's scores over every county, a Spark table
(``spark_scores``); ``spark`` is both."""

from kedro.pipeline import Node, Pipeline

from . import nodes


def create_counties_pipeline() -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.county_folders,
                "params:spark_province",
                "spark_county_folders",
                name="county_folders_node",
            ),
            Node(
                nodes.run_counties,
                ["spark_county_folders", "params:spark_province", "params:project_path"],
                "spark_county_runs",
                name="run_counties_node",
            ),
        ],
        tags="spark",
    )


def create_scores_pipeline() -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.score_on_spark,
                [
                    "spark_county_runs",
                    "spark_exit_model_input",
                    "poverty_exit_model",
                    "pseudonym_key_if_keyed",
                    "params:exit_plan",
                    "params:household_ranking",
                ],
                "spark_exit_scores",
                name="score_on_spark_node",
            ),
        ],
        tags="spark",
    )


def create_pipeline(**kwargs) -> Pipeline:
    return create_counties_pipeline() + create_scores_pipeline()
