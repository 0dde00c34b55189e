"""The ``cleaning`` pipeline: every raw export → validated primary tables + data quality."""

from kedro.pipeline import Node, Pipeline

from . import nodes

_CONF = ["params:raw_contract", "params:code_lists", "params:cleaning"]


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.clean_villages,
                ["raw_villages", *_CONF],
                ["villages", "ledger_villages", "accounting_villages"],
                name="clean_villages_node",
            ),
            Node(
                nodes.clean_products,
                ["raw_products", *_CONF],
                ["products", "ledger_products", "accounting_products"],
                name="clean_products_node",
            ),
            Node(
                nodes.clean_village_production,
                ["raw_village_production", "villages", "products", *_CONF],
                [
                    "village_production",
                    "ledger_village_production",
                    "accounting_village_production",
                ],
                name="clean_village_production_node",
            ),
            Node(
                nodes.clean_shops,
                ["raw_shops", "villages", *_CONF],
                ["shops", "ledger_shops", "accounting_shops"],
                name="clean_shops_node",
            ),
            Node(
                nodes.clean_registry,
                ["raw_registry", "villages", *_CONF],
                [
                    "persons",
                    "registry_identities",
                    "registry_households",
                    "ledger_registry",
                    "accounting_registry",
                ],
                name="clean_registry_node",
            ),
            Node(
                nodes.clean_monitoring,
                ["raw_monitoring", "villages", *_CONF],
                [
                    "monitoring_persons",
                    "monitoring_identities",
                    "monitoring_records",
                    "ledger_monitoring",
                    "accounting_monitoring",
                ],
                name="clean_monitoring_node",
            ),
            Node(
                nodes.person_identities,
                ["registry_identities", "monitoring_identities"],
                "person_identities",
                name="person_identities_node",
            ),
            Node(
                nodes.clean_income,
                [
                    "raw_income",
                    "registry_households",
                    "ledger_registry",
                    "monitoring_records",
                    "ledger_monitoring",
                    *_CONF,
                ],
                ["household_income", "ledger_income", "accounting_income"],
                name="clean_income_node",
            ),
            Node(
                nodes.build_households,
                [
                    "registry_households",
                    "household_income",
                    "params:poverty_line",
                    "params:code_lists",
                    "params:cleaning",
                ],
                ["households", "ledger_households"],
                name="build_households_node",
            ),
            Node(
                nodes.build_monitoring_households,
                [
                    "monitoring_records",
                    "household_income",
                    "params:monitoring_line",
                    "params:code_lists",
                    "params:cleaning",
                ],
                ["monitoring_households", "ledger_monitoring_households"],
                name="build_monitoring_households_node",
            ),
            Node(
                nodes.clean_orders,
                [
                    "raw_orders_taobao",
                    "raw_orders_pinduoduo",
                    "raw_orders_832",
                    "shops",
                    "ledger_shops",
                    "products",
                    *_CONF,
                ],
                ["order_lines", "ledger_orders", "accounting_orders"],
                name="clean_orders_node",
            ),
            Node(
                nodes.clean_market_index,
                ["raw_market_index", "products", *_CONF],
                ["market_index", "ledger_market_index", "accounting_market_index"],
                name="clean_market_index_node",
            ),
            Node(
                nodes.clean_alerts,
                [
                    "raw_alerts",
                    "villages",
                    "person_identities",
                    "persons",
                    "monitoring_persons",
                    *_CONF,
                ],
                ["alerts", "alert_identities", "ledger_alerts", "accounting_alerts"],
                name="clean_alerts_node",
            ),
            Node(
                nodes.collect_ledger,
                [
                    "params:cleaning",
                    "ledger_villages",
                    "ledger_products",
                    "ledger_village_production",
                    "ledger_shops",
                    "ledger_registry",
                    "ledger_monitoring",
                    "ledger_monitoring_households",
                    "ledger_income",
                    "ledger_households",
                    "ledger_orders",
                    "ledger_market_index",
                    "ledger_alerts",
                ],
                "row_issues",
                name="collect_ledger_node",
            ),
            Node(
                nodes.check_row_accounting,
                [
                    "accounting_villages",
                    "accounting_products",
                    "accounting_village_production",
                    "accounting_shops",
                    "accounting_registry",
                    "accounting_monitoring",
                    "accounting_income",
                    "accounting_orders",
                    "accounting_market_index",
                    "accounting_alerts",
                ],
                "row_accounting",
                name="check_row_accounting_node",
            ),
            Node(
                nodes.report_data_quality,
                [
                    "villages",
                    "products",
                    "village_production",
                    "shops",
                    "persons",
                    "monitoring_persons",
                    "household_income",
                    "order_lines",
                    "market_index",
                    "alerts",
                    "row_issues",
                    "row_accounting",
                    "raw_skipped",
                    "truth_defects_if_simulated",
                    "params:cleaning",
                ],
                [
                    "data_quality_summary",
                    "data_quality_by_reason",
                    "defect_detection",
                    "data_quality_report",
                    "data_quality_json",
                ],
                name="report_data_quality_node",
            ),
        ],
        tags="cleaning",
    )
