"""The ``product_recommendation`` pipeline (一村一品): the sales potential of every village ×
product — above all of products a village does not produce yet — learned from the pairs
that are produced and sold, two ranked lists per village (develop, expand) with evidence,
and their evaluation against the LambdaRank ranker and three baselines."""

from kedro.pipeline import Node, Pipeline

from ecpa_pipeline.officials import report_set

from . import features, nodes, report

_P = "params:product_recommendation"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                features.national_demand,
                ["market_index", "products"],
                "national_demand",
                name="national_demand_node",
            ),
            Node(
                features.product_market,
                ["order_lines", "products"],
                "product_market",
                name="product_market_node",
            ),
            Node(
                features.candidate_pairs,
                [
                    "villages",
                    "products",
                    "village_production",
                    "order_lines",
                    "product_market",
                    "national_demand",
                    "households",
                    "persons",
                    _P,
                ],
                "village_product_candidates",
                name="candidate_pairs_node",
            ),
            Node(
                nodes.split_years,
                ["village_product_candidates", _P],
                ["ranking_train", "ranking_validation", "ranking_test", "ranking_latest"],
                name="split_years_node",
            ),
            Node(
                nodes.fit_ranker,
                ["ranking_train", "ranking_validation", _P],
                "lambdarank_ranker",
                name="fit_ranker_node",
            ),
            Node(
                nodes.fit_potential_for_evaluation,
                ["village_product_candidates", "ranking_test", _P],
                "potential_model_at_test_year",
                name="fit_potential_for_evaluation_node",
            ),
            Node(
                nodes.evaluate_rankers,
                [
                    "ranking_test",
                    "potential_model_at_test_year",
                    "lambdarank_ranker",
                    "truth_village_products_if_simulated",
                    _P,
                ],
                ["ranking_metrics", "ranking_metrics_table"],
                name="evaluate_rankers_node",
            ),
            Node(
                nodes.fit_village_products_model,
                ["village_product_candidates", _P],
                "village_products_potential",
                name="fit_village_products_model_node",
            ),
            Node(
                nodes.model_summary,
                "village_products_potential",
                [
                    "village_products_model",
                    "potential_model_params",
                    "potential_model_coefficients",
                    "potential_model_selection",
                    "village_products_model_card",
                ],
                name="model_summary_node",
            ),
            Node(
                nodes.recommend,
                ["ranking_latest", "village_products_model", "products", "villages", _P],
                ["village_product_recommendations", "village_product_exclusions"],
                name="recommend_node",
            ),
            Node(
                report.county_product_reports,
                [
                    "village_product_recommendations",
                    "village_product_exclusions",
                    "villages",
                    "ranking_latest",
                    "village_products_model",
                    "params:officials",
                ],
                ["product_workbooks", "product_html_reports"],
                name="county_product_reports_node",
            ),
            Node(
                report_set,
                {part: part for part in ("product_workbooks", "product_html_reports")},
                "product_lists_reports",
                name="publish_product_lists_node",
            ),
            Node(
                nodes.sales_monitoring,
                ["order_lines", "villages", "shops"],
                "ecommerce_sales_monitoring",
                name="sales_monitoring_node",
            ),
        ],
        tags="product_recommendation",
    )
