"""The ``monitoring_lists`` pipeline: the registered ``monitoring_risk`` model scores the
households not monitored at the end of the latest year; officials get the early-warning list
(risk, reasons, suggested measures) and the risk-elimination check of monitored households,
as CSVs and per county a workbook and an HTML page; MLflow gets the pseudonymous lists, counts
and the model version used."""

from kedro.pipeline import Node, Pipeline

from ecpa_pipeline.officials import officials_view, report_set

from . import nodes, report

_P = "params:monitoring_lists"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.households_to_warn,
                ["monitoring_model_input", _P],
                "households_to_warn",
                name="select_households_to_warn_node",
            ),
            Node(
                nodes.score_warnings,
                ["monitoring_risk_model", "households_to_warn", "pseudonym_key"],
                ["warning_scores", "monitoring_lists_provenance"],
                name="score_warnings_node",
            ),
            Node(
                nodes.warning_list,
                [
                    "warning_scores",
                    "households_to_warn",
                    "monitoring_households",
                    "monitoring_persons",
                    "person_identities",
                    "villages",
                    "household_keys",
                    "monitoring_lists_provenance",
                    _P,
                ],
                "warned_households",
                name="warning_list_node",
            ),
            Node(
                nodes.elimination_status,
                [
                    "monitoring_households",
                    "monitoring_persons",
                    "person_identities",
                    "villages",
                    "household_keys",
                    "monitoring_lists_provenance",
                    _P,
                ],
                "elimination_checked",
                name="elimination_status_node",
            ),
            Node(
                officials_view,
                ["warned_households", "params:officials"],
                "warning_officials_view",
                name="warning_officials_view_node",
            ),
            Node(
                officials_view,
                ["elimination_checked", "params:officials"],
                "elimination_officials_view",
                name="elimination_officials_view_node",
            ),
            Node(
                report.lists_csv,
                [
                    "warning_officials_view",
                    "elimination_officials_view",
                    "monitoring_lists_provenance",
                    _P,
                    "params:officials",
                ],
                ["early_warning_list", "risk_elimination_list"],
                name="monitoring_lists_csv_node",
            ),
            Node(
                report.county_reports,
                [
                    "warning_officials_view",
                    "elimination_officials_view",
                    "monitoring_lists_provenance",
                    _P,
                    "params:officials",
                ],
                ["monitoring_workbooks", "monitoring_html_reports"],
                name="monitoring_county_reports_node",
            ),
            Node(
                report_set,
                {
                    part: part
                    for part in (
                        "early_warning_list",
                        "risk_elimination_list",
                        "monitoring_workbooks",
                        "monitoring_html_reports",
                    )
                },
                "monitoring_lists_reports",
                name="publish_monitoring_reports_node",
            ),
            Node(
                nodes.audit_list,
                ["warned_households", "elimination_checked", "monitoring_lists_provenance"],
                "monitoring_audit_list",
                name="monitoring_audit_list_node",
            ),
            Node(
                nodes.list_metrics,
                ["warned_households", "elimination_checked", _P],
                "monitoring_lists_metrics",
                name="monitoring_list_metrics_node",
            ),
            Node(
                nodes.provenance_tags,
                [
                    "monitoring_lists_provenance",
                    "monitoring_model_input",
                    "monitoring_households",
                    "monitoring_persons",
                ],
                "monitoring_lists_tags",
                name="monitoring_provenance_tags_node",
            ),
        ],
        tags="monitoring_lists",
    )
