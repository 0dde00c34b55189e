"""The sales potential of every village × product: what the pair would earn online in a
year at a standard scale if the village produced it.

Only produced pairs reveal revenue, and most of a village's best products are ones it does
not produce yet, so the model must carry what produced pairs earn to unproduced ones
through what both sides can observe. It is a log-linear (Tweedie, log link) model of a
produced pair's yearly online revenue, zeros included:

    log E[revenue] = village effect + product effect + pair fit + β · log(scale) + year trend

- the **village effect** is the village's conditions (express point, broadband, station, road,
  distance) plus a shrunken village-specific deviation (its talent, shops, cooperatives);
- the **product effect** is log national demand (the optional market index) plus a shrunken
  product deviation learned from the county's own sales;
- the **pair fit** is terrain outside the product's list, distance (m) outside its elevation
  range, a missing cold chain for a cold-chain product, and certification.

A multiplicative model extrapolates to pairs no village produces in the way agronomy
suggests (a poorer fit scales revenue down) where a tree model would only copy the nearest
produced pair. Shrinkage strengths are chosen by cross-validation over villages (held-out
villages' revenue), taking the simplest setting within one standard error of the best: a
product deviation is only kept where the county's sales support it — a county sees each
product in a few villages only, which reveals national demand poorly.
"""

from __future__ import annotations

import itertools
import logging

import mlflow
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import TweedieRegressor
from sklearn.metrics import mean_tweedie_deviance
from sklearn.model_selection import GroupKFold

logger = logging.getLogger(__name__)

NONNEGATIVE = ["certified_gi", "certified_green_organic"]


def produced(pairs: pd.DataFrame) -> pd.Series:
    """Whether the village produces (or already sells) the product in the row's year."""
    return (pairs["area_mu"] > 0) | (pairs["output_kg"] > 0) | (pairs["village_sales_yuan"] > 0)


def _log_demand(pairs: pd.DataFrame) -> pd.Series:
    demand = pairs["national_demand_yuan"]
    return np.log(demand.where(demand > 0))


def _numeric(pairs: pd.DataFrame, with_market: bool, demand_fill: pd.Series) -> pd.DataFrame:
    x = pd.DataFrame(
        {
            "terrain_misfit": (~pairs["terrain_fit"].astype(bool)).astype(float),
            "elevation_gap_100m": pairs["elevation_gap_m"].fillna(0).to_numpy(float) / 100,
            "cold_chain_missing": pairs["cold_chain_missing"].astype(float),
            "certified_gi": pairs["certified_gi"].astype(float),
            "certified_green_organic": pairs["certified_green_organic"].astype(float),
            "express_point": pairs["express_point"].fillna(False).astype(float),
            "broadband": pairs["broadband"].fillna(False).astype(float),
            "ecommerce_station": pairs["ecommerce_station"].fillna(False).astype(float),
            "paved_road": pairs["paved_road"].fillna(False).astype(float),
            "log_county_distance_km": np.log1p(pairs["county_distance_km"].fillna(0)),
        },
        index=pairs.index,
    )
    if with_market:
        # A product without its own figure counts as an average catalogue product that year.
        log_demand = _log_demand(pairs)
        fill = pairs["year"].map(demand_fill).fillna(demand_fill.iloc[-1])
        x["log_national_demand"] = log_demand.fillna(fill)
        x["national_demand_missing"] = log_demand.isna().astype(float)
    return x


class PotentialModel:
    """Fitted on produced pair-years; predicts yearly online revenue (yuan) at the product's
    standard scale for any village × product row of the candidate table."""

    def __init__(self, params: dict):
        self.params = params

    # -- design ---------------------------------------------------------------------------
    def _design(
        self, pairs: pd.DataFrame, log_scale: np.ndarray, setting: dict
    ) -> sparse.csr_array:
        """Sparse: one column per village and product, one non-zero of each per row — dense,
        the matrix and the solver's work grow with rows × villages (a province: GBs)."""
        numeric = _numeric(pairs, self.with_market_, self.demand_fill_)
        villages = pd.Categorical(pairs["village_code"], categories=self.villages_)
        products = pd.Categorical(pairs["product_code"], categories=self.products_)
        standardised = (numeric - self.mean_) / self.scale_
        standardised[list(self.dropped_)] = 0.0
        return sparse.hstack(
            [
                sparse.csr_array(standardised.to_numpy(float)),
                setting["village_effect_scale"] * _one_hot(villages),
                setting["product_effect_scale"] * _one_hot(products),
                sparse.csr_array((pairs["year"].to_numpy(float) - self.fit_year_)[:, None]),
                sparse.csr_array(log_scale[:, None]),
            ],
            format="csr",
        )

    def _regressor(self, setting: dict) -> TweedieRegressor:
        return TweedieRegressor(
            power=self.params["tweedie_power"],
            alpha=setting["alpha"],
            link="log",
            solver=self.solver_,
            max_iter=self.params["max_iter"],
        )

    # -- fitting --------------------------------------------------------------------------
    def fit(self, pairs: pd.DataFrame) -> PotentialModel:
        """Learn from the produced pair-years of ``pairs`` (revenue of the same year)."""
        rows = pairs[produced(pairs) & (pairs["area_mu"] > 0)]
        if rows.empty:
            raise ValueError("No produced village-product with a scale to learn potential from")
        self.with_market_ = "national_demand_yuan" in rows and bool(
            rows["national_demand_yuan"].notna().any()
        )
        # Mean log demand of the catalogue's products with a figure, per year.
        product_years = pairs.drop_duplicates(["product_code", "year"])
        self.demand_fill_ = (
            _log_demand(product_years).groupby(product_years["year"]).mean().dropna()
            if self.with_market_
            else pd.Series(dtype=float)
        )
        self.villages_ = np.sort(pairs["village_code"].unique())
        self.products_ = np.sort(pairs["product_code"].unique())
        self.fit_year_ = int(rows["year"].max())
        self.rows_ = len(rows)
        numeric = _numeric(rows, self.with_market_, self.demand_fill_)
        # Newton-Cholesky solves a dense columns x columns system: exact and fastest on a
        # narrow design, but its cost grows with villages^3 (one column each). A wider design
        # (a province) takes L-BFGS, whose cost grows with the rows: on 6 300 villages it
        # reached the same cross-validated deviance 46x faster (benchmarks/potential_solver.py).
        columns = numeric.shape[1] + len(self.villages_) + len(self.products_) + 2
        wide = columns > self.params["newton_max_columns"]
        self.solver_ = "lbfgs" if wide else "newton-cholesky"
        self.mean_, self.scale_ = numeric.mean(), numeric.std().replace(0, 1).fillna(1)
        # Standard scale: one for all products measured alike (亩; head; hives), the median
        # at which the county produces them, so that products compete on equal footing.
        scale = rows["area_mu"]
        self.standard_scale_ = scale.groupby(self._scale_group(rows)).median()
        self.default_scale_ = float(scale.median())
        revenue = rows["village_sales_yuan"].to_numpy(float)
        log_scale = np.log(scale.to_numpy(float))

        self.dropped_ = set()
        self.selection_ = self._select(rows, revenue, log_scale)
        chosen = self.selection_.loc[self.selection_["chosen"]].iloc[0]
        self.setting_ = {k: float(chosen[k]) for k in _GRID_KEYS}
        self.regressor_ = self._regressor(self.setting_).fit(
            self._design(rows, log_scale, self.setting_), revenue
        )
        # A certification premium cannot be negative: a negative estimate is noise from the
        # few certified pairs, and would order otherwise equal products the wrong way.
        wrong_sign = [
            c
            for i, c in enumerate(numeric.columns)
            if c in NONNEGATIVE and self.regressor_.coef_[i] < 0
        ]
        if wrong_sign:
            self.dropped_ = set(wrong_sign)
            self.regressor_ = self._regressor(self.setting_).fit(
                self._design(rows, log_scale, self.setting_), revenue
            )
        fitted = self.regressor_.predict(self._design(rows, log_scale, self.setting_))
        sold = revenue > 0
        ratio = np.log(revenue[sold] / fitted[sold])
        self.band_ = (
            np.quantile(ratio, self.params["revenue_band_quantiles"]) if sold.any() else [0, 0]
        )
        self.coefficients_ = pd.Series(
            self.regressor_.coef_[: len(numeric.columns)] / self.scale_.to_numpy(),
            index=numeric.columns,
        )
        self.coefficients_["log_scale"] = self.regressor_.coef_[-1]
        self.coefficients_["year"] = self.regressor_.coef_[-2]
        logger.info(
            "Potential model on %d produced pair-years (%s market index): %s",
            len(rows),
            "with" if self.with_market_ else "without",
            self.setting_,
        )
        return self

    def _select(self, rows: pd.DataFrame, revenue: np.ndarray, log_scale: np.ndarray):
        """Cross-validated deviance over villages for every shrinkage setting; the chosen
        one is the simplest within one standard error of the best."""
        grid = self.params["selection"]
        folds = GroupKFold(n_splits=min(grid["folds"], rows["village_code"].nunique()))
        splits = list(folds.split(rows, groups=rows["village_code"]))
        results = []
        for values in itertools.product(*(grid[k] for k in _GRID_KEYS)):
            setting = dict(zip(_GRID_KEYS, values, strict=True))
            design = self._design(rows, log_scale, setting)
            losses = []
            for train, held in splits:
                model = self._regressor(setting).fit(design[train], revenue[train])
                losses.append(
                    mean_tweedie_deviance(
                        revenue[held],
                        model.predict(design[held]),
                        power=self.params["tweedie_power"],
                    )
                )
            results.append(
                {
                    **setting,
                    "deviance": np.mean(losses),
                    "se": np.std(losses) / np.sqrt(len(losses)),
                }
            )
        table = pd.DataFrame(results)
        best = table.loc[table["deviance"].idxmin()]
        within = table[table["deviance"] <= best["deviance"] + best["se"]]
        simplest = within.sort_values(
            ["product_effect_scale", "village_effect_scale", "alpha"],
            ascending=[True, True, False],
        ).index[0]
        return table.assign(chosen=table.index == simplest)

    # -- prediction -----------------------------------------------------------------------
    def _scale_group(self, pairs: pd.DataFrame) -> pd.Series:
        """Products whose scale is counted in their own unit (head, hives) by category;
        every other product in 亩."""
        own = pairs["category"].isin(self.params["own_scale_units"])
        return pairs["category"].where(own, "default")

    def standard_scale(self, pairs: pd.DataFrame) -> np.ndarray:
        """The scale (亩, or head/hives for livestock and bees) each prediction assumes."""
        group = self._scale_group(pairs)
        return group.map(self.standard_scale_).fillna(self.default_scale_).to_numpy(float)

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Expected yearly online revenue (yuan) and its typical range at the product's
        standard scale, or at ``at_scale`` where ``pairs`` give one (a village's current
        production, for its *expand* list)."""
        scale = self.standard_scale(pairs)
        if "at_scale" in pairs:
            at = pairs["at_scale"].to_numpy(float)
            scale = np.where(np.isfinite(at) & (at > 0), at, scale)
        expected = self.regressor_.predict(self._design(pairs, np.log(scale), self.setting_))
        return pd.DataFrame(
            {
                "expected_revenue_yuan": expected,
                "revenue_low_yuan": expected * np.exp(self.band_[0]),
                "revenue_high_yuan": expected * np.exp(self.band_[1]),
                "standard_scale": scale,
            },
            index=pairs.index,
        )


_GRID_KEYS = ["alpha", "product_effect_scale", "village_effect_scale"]


def _one_hot(values: pd.Categorical) -> sparse.csr_array:
    codes = values.codes
    known = np.flatnonzero(codes >= 0)
    return sparse.csr_array(
        (np.ones(len(known)), (known, codes[known])), shape=(len(codes), len(values.categories))
    )


class VillageProductsModel(mlflow.pyfunc.PythonModel):
    """The potential model as an MLflow pyfunc: candidate rows in, expected yearly online
    revenue at standard scale (with its typical range and the scale assumed) out."""

    def __init__(self, potential: PotentialModel):
        self.potential = potential

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.potential.predict(model_input)
