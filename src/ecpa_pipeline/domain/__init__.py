"""Domain rules shared by the simulator and the pipelines (one implementation of each idea)."""
