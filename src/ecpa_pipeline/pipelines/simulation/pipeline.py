"""The ``simulation`` pipeline: writes a simulated county's raw exports to ``data/01_raw``."""

from kedro.pipeline import Node, Pipeline

from . import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.county_parameters,
                ["params:simulation", "raw_folder_for_simulation"],
                "sim_parameters",
                name="county_parameters_node",
            ),
            Node(
                nodes.simulate_villages,
                "sim_parameters",
                "sim_villages",
                name="simulate_villages_node",
            ),
            Node(
                nodes.simulate_products,
                "params:simulation_products",
                "sim_products",
                name="simulate_products_node",
            ),
            Node(
                nodes.simulate_production,
                ["sim_villages", "sim_products", "sim_parameters"],
                ["sim_production", "sim_potential"],
                name="simulate_production_node",
            ),
            Node(
                nodes.simulate_sales,
                ["sim_potential", "sim_villages", "sim_products", "sim_parameters"],
                ["sim_shops_unowned", "sim_orders", "sim_village_revenue"],
                name="simulate_sales_node",
            ),
            Node(
                nodes.simulate_households,
                [
                    "sim_villages",
                    "sim_shops_unowned",
                    "sim_village_revenue",
                    "params:poverty_line",
                    "sim_parameters",
                ],
                [
                    "sim_households",
                    "sim_persons",
                    "sim_household_years",
                    "sim_person_years",
                    "sim_shops",
                ],
                name="simulate_households_node",
            ),
            Node(
                nodes.simulate_monitoring,
                [
                    "sim_households",
                    "sim_persons",
                    "sim_household_years",
                    "sim_villages",
                    "params:poverty_line",
                    "params:monitoring_line",
                    "sim_parameters",
                ],
                [
                    "sim_monitoring_households",
                    "sim_monitoring_persons",
                    "sim_monitoring_years",
                    "sim_monitoring_person_years",
                ],
                name="simulate_monitoring_node",
            ),
            Node(
                nodes.export_monitoring,
                [
                    "sim_monitoring_households",
                    "sim_monitoring_persons",
                    "sim_monitoring_years",
                    "sim_monitoring_person_years",
                    "sim_households",
                    "sim_persons",
                    "sim_villages",
                    "params:raw_contract",
                    "sim_parameters",
                ],
                ["raw_monitoring_export", "sim_monitoring_defects"],
                name="export_monitoring_node",
            ),
            Node(
                nodes.collect_monitoring_truth,
                ["sim_monitoring_households", "sim_monitoring_years"],
                "truth_monitoring_years",
                name="collect_monitoring_truth_node",
            ),
            Node(
                nodes.export_registry,
                [
                    "sim_households",
                    "sim_persons",
                    "sim_household_years",
                    "sim_person_years",
                    "sim_villages",
                    "params:raw_contract",
                    "sim_parameters",
                ],
                ["raw_registry_export", "sim_registry_defects"],
                name="export_registry_node",
            ),
            Node(
                nodes.export_income,
                [
                    "sim_households",
                    "sim_household_years",
                    "sim_monitoring_households",
                    "sim_monitoring_years",
                    "params:raw_contract",
                    "sim_parameters",
                ],
                ["raw_income_export", "sim_income_defects"],
                name="export_income_node",
            ),
            Node(
                nodes.export_catalogues,
                [
                    "sim_villages",
                    "sim_products",
                    "sim_production",
                    "sim_shops",
                    "sim_households",
                    "params:raw_contract",
                    "sim_parameters",
                ],
                [
                    "raw_villages_export",
                    "raw_products_export",
                    "raw_village_production_export",
                    "raw_shops_export",
                    "sim_catalogue_defects",
                ],
                name="export_catalogues_node",
            ),
            Node(
                nodes.export_orders,
                [
                    "sim_orders",
                    "sim_shops",
                    "sim_products",
                    "sim_villages",
                    "params:raw_contract",
                    "sim_parameters",
                ],
                [
                    "raw_taobao_export",
                    "raw_pinduoduo_export",
                    "raw_832_export",
                    "sim_order_defects",
                ],
                name="export_orders_node",
            ),
            Node(
                nodes.export_market,
                ["sim_products", "params:raw_contract", "sim_parameters"],
                ["raw_market_export", "sim_market_defects", "truth_product_demand"],
                name="export_market_node",
            ),
            Node(
                nodes.collect_truth,
                [
                    "sim_households",
                    "sim_household_years",
                    "sim_potential",
                    "sim_registry_defects",
                    "sim_income_defects",
                    "sim_catalogue_defects",
                    "sim_order_defects",
                    "sim_market_defects",
                    "sim_monitoring_defects",
                ],
                ["truth_household_years", "truth_village_products", "truth_defects"],
                name="collect_truth_node",
            ),
        ],
        tags="simulation",
    )
