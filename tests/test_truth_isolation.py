"""What only a simulation knows (``_truth/``) reaches evaluation nodes only: no node that
trains, scores or recommends reads it, directly or through anything computed from it."""

from __future__ import annotations

from ecpa_pipeline.pipeline_registry import register_pipelines

#: Nodes allowed to read the truth: they compare a model or the cleaning with it, or (one)
#: key it by pseudonym for such a comparison.
EVALUATION_NODES = {
    "evaluate_exit_model_node",
    "evaluate_rankers_node",
    "report_data_quality_node",
    "key_exit_truth_node",
    "monitoring_risk.evaluate_exit_model_node",
    "key_monitoring_truth_node",
    "evaluate_visit_model_node",
    "key_measure_truth_node",
    "evaluate_measure_effects_node",
    "compare_measure_allocations_node",
}


#: Node names of steps that fit, score or recommend.
MODEL_STEPS = ("fit_", "train_", "score_", "recommend", "rank_", "select_", "split_")


def _is_truth(dataset: str) -> bool:
    return dataset.startswith("truth_")


def test_only_evaluation_nodes_read_the_truth_and_nothing_downstream_of_them_trains():
    for name, pipeline in register_pipelines().items():
        if name == "simulation":  # writes the truth; reads none of it
            assert not any(_is_truth(d) for n in pipeline.nodes for d in n.inputs)
            continue
        readers = {n.name for n in pipeline.nodes if any(_is_truth(d) for d in n.inputs)}
        assert readers <= EVALUATION_NODES, (name, readers - EVALUATION_NODES)
        # Everything computed from a truth reader, transitively: plots and reports only.
        tainted = {d for n in pipeline.nodes if n.name in readers for d in n.outputs}
        for node in pipeline.nodes:  # nodes come in topological order
            if set(node.inputs) & tainted:
                assert not node.name.startswith(MODEL_STEPS), (name, node.name)
                tainted |= set(node.outputs)
        assert not any(d.endswith(("_model", "_ranker", "_booster")) for d in tainted)


def test_the_product_and_exit_evaluations_read_the_truth():
    # The check above must have something to check: the evaluation nodes do read it.
    pipelines = register_pipelines()
    readers = {
        n.name
        for p in (
            "exit_model",
            "monitoring_risk",
            "monitoring_visits_model",
            "measure_effects",
            "product_recommendation",
            "cleaning",
            "features",
        )
        for n in pipelines[p].nodes
        if any(_is_truth(d) for d in n.inputs)
    }
    assert readers == EVALUATION_NODES


def test_one_node_holds_the_pseudonym_key():
    holders = {
        n.name
        for p in register_pipelines().values()
        for n in p.nodes
        if "pseudonym_secret" in n.inputs
    }
    assert holders == {"household_keys_node"}
