"""The ``household_ranking`` pipeline: the registered exit model scores the latest registered
poor households; officials get ranked lists with reasons and measures (措施到户), village and
county readiness, an Excel workbook and an HTML report per county and a CSV; MLflow gets
the pseudonymous list, the summaries and the model version used."""

from kedro.pipeline import Node, Pipeline

from ecpa_pipeline.officials import report_set

from . import nodes, report

_P = "params:household_ranking"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.select_households_to_score,
                ["exit_model_input", "params:exit_plan", _P],
                ["households_to_score", "scoring_basis"],
                name="select_households_to_score_node",
            ),
            Node(
                nodes.score_households,
                ["poverty_exit_model", "households_to_score", "scoring_basis", "pseudonym_key"],
                ["household_scores", "ranking_provenance"],
                name="score_households_node",
            ),
            Node(
                nodes.household_profiles,
                [
                    "households_to_score",
                    "households",
                    "person_identities",
                    "villages",
                    "household_keys",
                    "params:poverty_line",
                    _P,
                ],
                "household_profiles",
                name="household_profiles_node",
            ),
            Node(
                nodes.rank_households,
                ["household_scores", "household_profiles", _P],
                "ranked_households",
                name="rank_households_node",
            ),
            Node(
                nodes.recommend_measures,
                ["ranked_households", "village_products_for_measures", "products", _P],
                "rule_household_measures",
                name="recommend_measures_node",
            ),
            Node(
                nodes.measures_with_gains,
                [
                    "rule_household_measures",
                    "measure_effect_rows",
                    "measure_effect_model",
                    "ranking_provenance",
                    "pseudonym_key",
                    _P,
                ],
                ["household_measures", "allocation_provenance"],
                name="measures_with_gains_node",
            ),
            Node(
                nodes.area_readiness,
                ["household_measures", "villages", _P],
                ["village_readiness", "county_readiness"],
                name="area_readiness_node",
            ),
            Node(
                nodes.officials_view,
                ["household_measures", "params:officials"],
                "officials_household_view",
                name="officials_view_node",
            ),
            Node(
                report.household_list_csv,
                ["officials_household_view", "ranking_provenance", _P, "params:officials"],
                "household_list",
                name="household_list_csv_node",
            ),
            Node(
                report.county_reports,
                [
                    "officials_household_view",
                    "village_readiness",
                    "county_readiness",
                    "village_products_for_measures",
                    "ranking_provenance",
                    "allocation_provenance",
                    _P,
                    "params:officials",
                ],
                ["county_workbooks", "county_html_reports"],
                name="county_reports_node",
            ),
            Node(
                report_set,
                {
                    part: part
                    for part in (
                        "household_list",
                        "county_workbooks",
                        "county_html_reports",
                        "village_readiness",
                        "county_readiness",
                    )
                },
                "household_ranking_reports",
                name="publish_reports_node",
            ),
            Node(
                nodes.audit_list,
                ["household_measures", "ranking_provenance"],
                "household_ranking_audit_list",
                name="audit_list_node",
            ),
            Node(
                nodes.list_metrics,
                ["household_measures", "county_readiness", _P],
                "household_ranking_metrics",
                name="list_metrics_node",
            ),
            Node(
                nodes.provenance_tags,
                [
                    "ranking_provenance",
                    "allocation_provenance",
                    "exit_model_input",
                    "households",
                    "persons",
                ],
                "household_ranking_tags",
                name="provenance_tags_node",
            ),
        ],
        tags="household_ranking",
    )


def create_province_pipeline(**kwargs) -> Pipeline:
    """``province_summary`` (``--env=province``): every county's readiness (from its own
    lists), each prefecture's and the province's."""
    return Pipeline(
        [
            Node(
                nodes.regional_readiness,
                ["county_readiness", _P],
                "regional_readiness",
                name="regional_readiness_node",
            )
        ],
        tags="province_summary",
    )
