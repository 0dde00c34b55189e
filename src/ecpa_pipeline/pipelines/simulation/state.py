"""What the simulator's years share: the fixed world and what one year hands the next."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class World:
    """What stays fixed across the years: the households, their members and villages."""

    households: pd.DataFrame
    persons: pd.DataFrame
    villages: pd.DataFrame
    revenue: np.ndarray  # village × year online revenue
    ready: np.ndarray  # the household's village e-commerce readiness (0–1)

    @property
    def n(self) -> int:
        return len(self.households)

    @property
    def village(self) -> np.ndarray:
        return self.households["village_idx"].to_numpy()

    @property
    def member_of(self) -> np.ndarray:
        return self.persons["household_idx"].to_numpy()

    def per_household(self, person_values) -> np.ndarray:
        """Sum of a per-person value over each household's members."""
        return np.bincount(self.member_of, weights=person_values, minlength=self.n)


@dataclass
class Carry:
    """What one year hands to the next."""

    exited: np.ndarray
    returned: np.ndarray
    removed: np.ndarray
    exit_year: np.ndarray
    unsafe_housing: np.ndarray
    unsafe_water: np.ndarray
    chronic_ill: np.ndarray
    productivity: np.ndarray
    prev_income_pc: np.ndarray
    assisted: np.ndarray  # enrolled in 兜底 social assistance: it stays after exit
    # What last year's development measures pay this year (yuan per household).
    gain_wage: np.ndarray
    gain_business: np.ndarray

    @classmethod
    def start(cls, households: pd.DataFrame) -> Carry:
        n = len(households)
        return cls(
            exited=np.zeros(n, dtype=bool),
            returned=np.zeros(n, dtype=bool),
            removed=np.zeros(n, dtype=bool),
            exit_year=np.zeros(n, dtype=int),
            unsafe_housing=households["unsafe_housing_2014"].to_numpy().copy(),
            unsafe_water=households["unsafe_water_2014"].to_numpy().copy(),
            chronic_ill=np.zeros(n, dtype=bool),
            productivity=households["productivity"].to_numpy().copy(),
            prev_income_pc=np.zeros(n),
            assisted=np.zeros(n, dtype=bool),
            gain_wage=np.zeros(n),
            gain_business=np.zeros(n),
        )
