"""``monitoring_visits_model``: the household-month table from the departments' clues, the
monitoring exports and the registered yearly ``monitoring_risk`` model (the prior); the
monthly visit model trained, calibrated, evaluated month by month on the held-out year
against the yearly list, the official rule and the truth at the same capacity, and
registered as ``monitoring_visits``.

``monitoring_visits``: one month's visit lists (入户核查清单) per township from the
registered model — ``--params month=YYYYMM`` (default: the latest month pushed)."""

from kedro.pipeline import Node, Pipeline

from ecpa_pipeline.officials import officials_view, report_set

from . import model, months, nodes, report

_P = "params:monitoring_visits"


def _shared(prior_rows: str = "monitoring_model_input") -> list[Node]:
    return [
        Node(
            months.keyed_clues,
            ["alerts", "household_keys", "resident_keys"],
            "visit_clues",
            name="key_visit_clues_node",
        ),
        Node(
            months.system_households,
            ["monitoring_households", "household_keys"],
            "monitoring_system",
            name="monitoring_system_node",
        ),
        Node(
            months.keyed_visits,
            ["visit_outcomes", "household_keys", "resident_keys", "visit_list_keys_so_far"],
            "visits_done",
            name="key_visits_done_node",
        ),
        Node(
            nodes.yearly_prior,
            ["monitoring_risk_model", prior_rows, "pseudonym_key"],
            "yearly_prior",
            name="score_yearly_prior_node",
        ),
    ]


def create_training_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            *_shared(),
            Node(
                nodes.visit_model_input,
                ["visit_clues", "monitoring_system", "yearly_prior", "visits_done", "villages", _P],
                "visit_model_input",
                name="visit_model_input_node",
            ),
            Node(
                model.split_years,
                ["visit_model_input", _P],
                ["visit_train", "visit_validation", "visit_test"],
                name="split_visit_months_node",
            ),
            Node(
                model.fit_visit_model,
                ["visit_train", "visit_validation", _P],
                "monitoring_visits_trained",
                name="fit_visit_model_node",
            ),
            Node(
                nodes.evaluate_visit_model,
                [
                    "visit_test",
                    "visit_validation",
                    "visit_clues",
                    "monitoring_visits_trained",
                    "monitoring_system",
                    "household_keys",
                    "resident_keys",
                    "alert_identities",
                    "truth_monitoring_years_if_simulated",
                    "truth_alert_events_if_simulated",
                    _P,
                ],
                ["visit_scorers", "visit_scorers_by_month", "visit_candidates", "visit_metrics"],
                name="evaluate_visit_model_node",
            ),
            Node(
                nodes.training_tags,
                ["pseudonym_key", "alerts", "monitoring_households", "visit_model_input"],
                "visit_training_tags",
                name="visit_training_tags_node",
            ),
        ],
        tags="monitoring_visits_model",
    )


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            *_shared(prior_rows="visit_prior_rows"),
            Node(
                nodes.select_month,
                ["params:month", "visit_clues"],
                "visit_month",
                name="select_visit_month_node",
            ),
            Node(
                nodes.prior_rows,
                ["monitoring_model_input", "visit_month"],
                "visit_prior_rows",
                name="visit_prior_rows_node",
            ),
            Node(
                nodes.month_rows,
                [
                    "visit_month",
                    "visit_clues",
                    "monitoring_system",
                    "yearly_prior",
                    "visits_done",
                    "villages",
                    _P,
                ],
                "visit_month_rows",
                name="visit_month_rows_node",
            ),
            Node(
                nodes.score_month,
                ["monitoring_visits_model", "visit_month_rows", "pseudonym_key", "visit_month"],
                ["visit_month_scores", "visit_provenance"],
                name="score_visit_month_node",
            ),
            Node(
                nodes.plan_month,
                ["visit_month_scores", _P],
                "visits_planned",
                name="plan_visits_node",
            ),
            Node(
                nodes.visit_list,
                [
                    "visits_planned",
                    "visit_clues",
                    "alert_identities",
                    "monitoring_persons",
                    "person_identities",
                    "household_keys",
                    "visit_month",
                    _P,
                ],
                "visits_listed",
                name="visit_list_node",
            ),
            Node(
                officials_view,
                ["visits_listed", "params:officials"],
                "visits_officials_view",
                name="visits_officials_view_node",
            ),
            Node(
                report.visit_reports,
                [
                    "visits_officials_view",
                    "visit_month_scores",
                    "alerts",
                    "visit_outcomes",
                    "visit_provenance",
                    _P,
                    "params:officials",
                ],
                ["visit_list_csv", "visit_workbooks", "visit_html_reports"],
                name="visit_reports_node",
            ),
            Node(
                report_set,
                {p: p for p in ("visit_list_csv", "visit_workbooks", "visit_html_reports")},
                "monitoring_visits_reports",
                name="publish_visit_reports_node",
            ),
            Node(
                nodes.audit_list,
                ["visits_listed", "visit_provenance"],
                "visit_audit_list",
                name="visit_audit_list_node",
            ),
            Node(
                nodes.list_keys,
                ["visits_listed", "visit_provenance"],
                "visit_list_keys",
                name="visit_list_keys_node",
            ),
            Node(
                nodes.list_metrics,
                ["visits_listed", "alerts", "visit_month"],
                "visit_list_metrics",
                name="visit_list_metrics_node",
            ),
            Node(
                nodes.provenance_tags,
                ["visit_provenance", "alerts", "monitoring_households", "monitoring_model_input"],
                "visit_list_tags",
                name="visit_provenance_tags_node",
            ),
        ],
        tags="monitoring_visits",
    )
