"""What the user states about a planned job, in the units people publish: a measured average power per
accelerator, host watts, the workload class, hardware lifespan and embodied footprint, and the site's PUE and
grid intensity as a value or a LOW:HIGH range. `Job.params()` binds them to queries/planned_job.sql, which puts
them in place of the library's assumptions; `Job.assumptions()` says in words what was used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from cloudcarbon.errors import UsageError

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class Span:
    """A central value with low/high bounds (equal for a single value)."""

    central: float
    low: float
    high: float

    def label(self) -> str:
        return f"{self.central:g}" if self.low == self.high else f"{self.central:g} ({self.low:g}-{self.high:g})"


def span(name: str, value: str | float | tuple[float, float] | Span | None, *, minimum: float = 0.0,
         strict: bool = True) -> Span | None:
    """`value` (a number, 'LOW:HIGH', (low, high) or a Span) as a Span whose central value is the midpoint of a
    range; a usage error naming the option `name` unless every bound is finite and above `minimum`."""
    if value is None or isinstance(value, Span):
        return value
    if isinstance(value, str):
        parts = value.split(":")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) not in (1, 2):
            raise UsageError(f"{name} {value!r}: give a number or a range LOW:HIGH, e.g. 1.1:1.4")
    elif isinstance(value, tuple):
        numbers = [float(v) for v in value]
    else:
        numbers = [float(value)]
    bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
    for number in numbers:
        if not math.isfinite(number) or number < minimum or (strict and number == minimum):
            raise UsageError(f"{name} {number:g}: give a number {bound}")
    low, high = numbers[0], numbers[-1]
    if low > high:
        raise UsageError(f"{name} {low:g}:{high:g}: the low bound comes first")
    return Span((low + high) / 2, low, high)


@dataclass(frozen=True)
class Job:
    """A planned job's stated figures; None keeps the library's assumption."""

    avg_power_w: Span | None = None
    host_watts: float | None = None
    workload: str | None = None
    gpu_utilization: float | None = None
    lifespan_years: float | None = None
    embodied_kgco2e: float | None = None
    pue: Span | None = None
    grid_intensity: Span | None = None

    def __post_init__(self) -> None:
        for name, value in (("--host-watts", self.host_watts), ("--lifespan-years", self.lifespan_years)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise UsageError(f"{name} {value:g}: give a number greater than 0")
        if self.embodied_kgco2e is not None and not (math.isfinite(self.embodied_kgco2e) and self.embodied_kgco2e >= 0):
            raise UsageError(f"--embodied-kgco2e {self.embodied_kgco2e:g}: give a number of at least 0")

    def utilization(self, con: duckdb.DuckDBPyConnection) -> tuple[float | None, float | None, float | None, str]:
        """Central, low and high accelerator utilisation of the workload class (None = the library's) and where
        they come from."""
        if self.workload is None:
            return None, None, None, ""
        rows = con.execute("SELECT gpu_u, gpu_u_low, gpu_u_high, source FROM coef_workloads WHERE workload = $w",
                           {"w": self.workload}).fetchall()
        if not rows:
            choices = [r[0] for r in con.execute("SELECT workload FROM coef_workloads ORDER BY workload").fetchall()]
            raise UsageError(f"--workload {self.workload!r}: choose {', '.join(choices)}")
        u, low, high, source = rows[0]
        central = u if self.gpu_utilization is None else self.gpu_utilization
        return central, min(low, central), max(high, central), source

    def params(self, con: duckdb.DuckDBPyConnection) -> dict[str, object]:
        """queries/planned_job.sql's parameters."""
        u, u_low, u_high, _ = self.utilization(con)
        power, pue, grid = self.avg_power_w, self.pue, self.grid_intensity
        return {
            "job_gpu_u": u, "job_gpu_u_low": u_low, "job_gpu_u_high": u_high,
            "avg_power_w": power and power.central, "avg_power_w_low": power and power.low,
            "avg_power_w_high": power and power.high, "host_w": self.host_watts,
            "embodied_kg": self.embodied_kgco2e,
            "lifespan_h": None if self.lifespan_years is None else self.lifespan_years * HOURS_PER_YEAR,
            "pue_low": pue and pue.low, "pue_high": pue and pue.high,
            "grid_low": grid and grid.low, "grid_high": grid and grid.high,
        }

    def assumptions(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """The job's stated figures and defaults, in words, for every output's assumptions."""
        u, low, high, source = self.utilization(con)
        lines = []
        if self.avg_power_w is not None:
            lines.append(f"accelerator power: {self.avg_power_w.label()} W per accelerator as stated (--avg-power-w), "
                         "replacing the utilisation model")
        elif u is not None:
            lines.append(f"accelerator utilisation: workload {self.workload}, {u:g} ({low:g}-{high:g}) of the "
                         f"idle-to-max power range; {source}")
        else:
            lines.append("accelerator utilisation: no --workload given, the library default 0.5 (0.2-1.0) of the "
                         "idle-to-max power range (coef_constants gpu_utilization_*)")
        if self.host_watts is not None:
            lines.append(f"host: {self.host_watts:g} W per accelerator as stated (--host-watts)")
        if self.embodied_kgco2e is not None:
            lines.append(f"embodied: {self.embodied_kgco2e:g} kgCO2e per accelerator (per instance for an instance "
                         "type) as stated (--embodied-kgco2e)")
        if self.lifespan_years is not None:
            lines.append(f"hardware lifespan: {self.lifespan_years:g} years as stated (--lifespan-years)")
        for name, value in (("PUE", self.pue), ("grid intensity gCO2e/kWh", self.grid_intensity)):
            if value is not None and value.low != value.high:
                lines.append(f"{name}: {value.label()} as stated; the central value is the range's midpoint")
        return lines


NO_JOB = Job()
