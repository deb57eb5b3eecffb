"""Accelerator names as people write them (`H100`, `NVIDIA H100 SXM5 80GB`, `A100 PCIe 40GB`, `tpu-v5p`, `Trn2`,
`Gaudi3`) resolved to a model of coef_accelerators, or a usage error naming the closest models.

A name is compared as a set of words: case, spacing, dashes and vendor or form-factor words are ignored, memory
sizes are optional, every other word must match. Of the models whose words the name holds, the one with the
most words wins; a tie is ambiguous and names the candidates.
"""

from __future__ import annotations

import difflib
import re

import duckdb

from cloudcarbon.errors import UsageError

# Words that never tell two of our models apart.
NOISE = frozenset({
    "nvidia", "amd", "intel", "habana", "google", "cloud", "aws", "amazon", "instinct", "tesla", "radeon", "gpu",
    "tensor", "core", "sxm", "sxm2", "sxm4", "sxm5", "oam", "superchip", "chip", "accelerator", "labs", "hgx",
})
# Names and nicknames -> the words of the model they stand for.
NICKNAMES = {
    "trn1": ("trainium",), "trn2": ("trainium2",), "trn3": ("trainium3",), "inf1": ("inferentia",),
    "inf2": ("inferentia2",), "trillium": ("tpu", "v6e"), "ironwood": ("tpu", "v7"), "tpu7x": ("tpu", "v7"),
    "tpuv7x": ("tpu", "v7"), "v7x": ("v7",),
}
MEMORY = re.compile(r"^\d+gb$")


def words(name: str) -> frozenset[str]:
    """The words of an accelerator name that identify it (see the module docstring)."""
    text = name.lower()
    text = re.sub(r"(\d+)\s*gb\b", r"\1gb", text)  # "80 GB" -> "80gb"
    text = re.sub(r"\b([a-z]+)\s+(\d)\b", r"\1\2", text)  # "gaudi 3" -> "gaudi3"
    text = re.sub(r"\btpu[\s_-]*v", "tpu v", text)  # "tpu-v5p", "tpuv5p" -> "tpu v5p"
    found: set[str] = set()
    for word in re.findall(r"[a-z0-9]+", text):
        found.update(NICKNAMES.get(word, (word,)))
    return frozenset(found - NOISE)


def resolve(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The coef_accelerators model `name` stands for; a usage error suggesting the closest on no or several matches."""
    models = [r[0] for r in con.execute("SELECT model FROM coef_accelerators ORDER BY model").fetchall()]
    exact = {m.lower(): m for m in models}
    if name.strip().lower() in exact:
        return exact[name.strip().lower()]
    given = words(name)
    best: list[str] = []
    best_size = 0
    for model in models:
        wanted = words(model)
        extra = given - wanted
        if wanted and wanted <= given and all(MEMORY.match(w) for w in extra):
            if len(wanted) > best_size:
                best, best_size = [model], len(wanted)
            elif len(wanted) == best_size:
                best.append(model)
    if len(best) == 1:
        return best[0]
    if best:
        raise UsageError(f"--accelerator {name!r} is ambiguous: {', '.join(best)}; give one of them")
    close = _closest(name, given, models)
    raise UsageError(f"--accelerator {name!r} is not in the coefficient library; did you mean {', '.join(close)}? "
                     "(`cloudcarbon coefficients show MODEL` lists an accelerator's figures)")


def _closest(name: str, given: frozenset[str], models: list[str]) -> list[str]:
    """Up to three models nearest to `name`: most words in common, then the most similar spelling."""
    def score(model: str) -> tuple[int, float]:
        wanted = words(model)
        return (len(given & wanted) - len(wanted - given),
                difflib.SequenceMatcher(None, " ".join(sorted(given)), " ".join(sorted(wanted))).ratio())

    return sorted(models, key=score, reverse=True)[:3]


def describe(con: duckdb.DuckDBPyConnection, model: str) -> list[tuple[str, object, str, str]]:
    """(coefficient, value, unit, source) rows of one accelerator, for `coefficients show`."""
    row = con.execute("SELECT * FROM coef_accelerators WHERE model = $m", {"m": model}).df().iloc[0]
    return [
        ("accelerator", row["model"], row["kind"], row["source"]),
        ("idle power", row["idle_w"], "W", row["source"]),
        ("max power", row["max_w"], "W", row["source"]),
        ("max power low/high", f"{row['max_w_low']:g} / {row['max_w_high']:g}", "W",
         "range of the maximum (equal to it where the vendor publishes one figure)"),
        ("embodied", row["embodied_kgco2e"], "kgCO2e each", row["source"]),
    ]
