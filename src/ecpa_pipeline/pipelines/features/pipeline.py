"""The ``features`` pipeline: primary tables → the exit model's input (one row per
household-year registered poor at t, label = exit at t+1)."""

from kedro.pipeline import Node, Pipeline

from . import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.member_features, "persons", "member_features", name="member_features_node"),
            Node(
                nodes.village_context,
                ["villages", "households", "order_lines"],
                "village_context",
                name="village_context_node",
            ),
            Node(
                nodes.exit_model_input,
                [
                    "households",
                    "member_features",
                    "village_context",
                    "pseudonym_secret",
                    "params:features",
                ],
                "exit_model_input",
                name="exit_model_input_node",
            ),
        ],
        tags="features",
    )
