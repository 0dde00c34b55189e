"""The ``product_recommendation`` pipeline (一村一品): which characteristic products each village
should develop and sell online, ranked by LightGBM LambdaRank against three baselines."""

from kedro.pipeline import Node, Pipeline

from . import features, nodes

_P = "params:product_recommendation"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
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
                "village_products_ranker",
                name="fit_ranker_node",
            ),
            Node(
                nodes.evaluate_rankers,
                ["ranking_test", "village_products_ranker", "raw_truth", _P],
                ["ranking_metrics", "ranking_metrics_table"],
                name="evaluate_rankers_node",
            ),
            Node(
                nodes.recommend,
                ["ranking_latest", "ranking_train", "village_products_ranker", _P],
                "village_product_recommendations",
                name="recommend_node",
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
