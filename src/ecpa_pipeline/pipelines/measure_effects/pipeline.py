"""``measure_effects``: from the cleaned records, each development measure's effect on the
household's market income the next year — the assessment table (average effect with its
interval, beside the naive comparison, overlap, a placebo) and each held-out household's
expected gain from each measure — and, on a simulated world, both against the causal truth.
Its input, ``measure_effect_input``, is built by ``features``."""

from kedro.pipeline import Node, Pipeline

from . import card, nodes

_P = "params:measure_effects"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.split_years,
                ["measure_effect_input", _P],
                ["measure_effect_train", "measure_effect_held_out"],
                name="split_measure_years_node",
            ),
            Node(
                nodes.fit_effects,
                ["measure_effect_train", _P],
                "measure_effect_fits",
                name="fit_measure_effects_node",
            ),
            Node(
                nodes.assessment,
                ["measure_effect_fits", _P],
                "measure_assessment",
                name="measure_assessment_node",
            ),
            Node(
                nodes.held_out_year,
                ["measure_effect_input", _P],
                "measure_held_out_year",
                name="measure_held_out_year_node",
            ),
            Node(
                card.model_card,
                ["measure_assessment", "measure_effect_train", "measure_held_out_year", _P],
                "measure_effect_card",
                name="measure_effect_card_node",
            ),
            Node(
                nodes.effect_model,
                ["measure_effect_fits", _P],
                "measure_effect_model_trained",
                name="measure_effect_model_node",
            ),
            Node(
                nodes.training_tags,
                ["pseudonym_key", "measure_effect_input"],
                "measure_effect_tags",
                name="measure_effect_tags_node",
            ),
            Node(
                nodes.held_out_gains,
                ["measure_effect_model_trained", "measure_effect_held_out"],
                "measure_gains_held_out",
                name="held_out_gains_node",
            ),
            Node(
                nodes.truth_effects_by_key,
                ["truth_measure_effects_if_simulated", "household_keys"],
                "truth_measure_effects_by_key",
                name="key_measure_truth_node",
            ),
            Node(
                nodes.evaluate_against_truth,
                [
                    "measure_effect_fits",
                    "measure_assessment",
                    "measure_gains_held_out",
                    "truth_measure_effects_by_key",
                    _P,
                ],
                ["measure_assessment_against_truth", "measure_effect_metrics"],
                name="evaluate_measure_effects_node",
            ),
            Node(
                nodes.compare_allocations,
                [
                    "measure_effect_held_out",
                    "measure_gains_held_out",
                    "truth_measure_effects_by_key",
                    _P,
                ],
                ["measure_allocations_against_truth", "measure_allocation_metrics"],
                name="compare_measure_allocations_node",
            ),
        ],
        tags="measure_effects",
    )
