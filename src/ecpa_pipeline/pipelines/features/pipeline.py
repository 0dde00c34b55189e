"""The ``features`` pipeline: primary tables → the exit model's input (one row per
household-year registered poor at t, label = exit at t+1), the monitoring-risk model's
(one row per household-year not monitored at the end of t, label = identified at t+1) and the
measure-effect input (household-years supported at t, measures of t, market income of t+1)."""

from kedro.pipeline import Node, Pipeline

from . import measures, monitoring, nodes


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
                nodes.keys_of_everyone,
                [
                    "households",
                    "pseudonym_secret",
                    "monitoring_households",
                    "alert_identities",
                    "visit_identities",
                ],
                ["household_keys", "resident_keys", "pseudonym_key", "features_key_tags"],
                name="household_keys_node",
            ),
            Node(
                nodes.exit_truth_by_key,
                ["truth_household_years_if_simulated", "household_keys"],
                "truth_exit_by_household_key",
                name="key_exit_truth_node",
            ),
            Node(
                nodes.exit_model_input,
                [
                    "households",
                    "member_features",
                    "village_context",
                    "household_keys",
                    "params:exit_plan",
                    "params:features",
                ],
                "exit_model_input",
                name="exit_model_input_node",
            ),
            Node(
                measures.effect_split,
                [
                    "households",
                    "member_features",
                    "village_context",
                    "household_keys",
                    "params:poverty_line",
                    "params:measure_effects",
                ],
                ["measure_effect_input", "measure_effect_rows"],
                name="measure_effect_input_node",
            ),
            Node(
                nodes.member_features,
                "monitoring_persons",
                "monitoring_member_features",
                name="monitoring_member_features_node",
            ),
            Node(
                monitoring.monitoring_truth_by_key,
                ["truth_monitoring_years_if_simulated", "household_keys"],
                "truth_monitoring_by_household_key",
                name="key_monitoring_truth_node",
            ),
            Node(
                monitoring.monitoring_model_input,
                [
                    "monitoring_households",
                    "monitoring_member_features",
                    "villages",
                    "household_keys",
                    "params:monitoring_risk",
                ],
                "monitoring_model_input",
                name="monitoring_model_input_node",
            ),
        ],
        tags="features",
    )
