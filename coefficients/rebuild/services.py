"""coef_service_categories: the spellings of a service on either side of `reconcile` (what our usage rows carry,
what a provider's carbon report names) -> FOCUS ServiceCategory, so that both sides meet in one vocabulary.

Azure only today: our Azure usage carries the cost export's MeterCategory, Microsoft's carbon reports the resource
type (microsoft.compute/virtualmachines). AWS (product codes) and Google Cloud (service descriptions) name services
the same way on both sides, so they need no rows here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..facts.licences import FACT
from ..facts.services import METER_CATEGORIES, METER_CATEGORY_SOURCE, RESOURCE_TYPE_SOURCE, RESOURCE_TYPES

FINOPS = "microsoft/finops-toolkit@04d370f322f6 src/open-data/Services.csv (MIT)"
COLUMNS = ["provider", "name", "service_category", "source", "licence"]


def _resource_types(ref: Path) -> pd.DataFrame:
    """One category per resource type: the row whose ConsumedService is the type's own namespace (the service that
    bills it), else the category most of its rows give (ties: alphabetical)."""
    services = pd.read_csv(ref / "samples/azure-cost/reference/finops-toolkit_Services.csv", dtype=str)
    services = services.dropna(subset=["ResourceType", "ServiceCategory"])
    services["name"] = services.ResourceType.str.strip().str.lower()
    services["own"] = services.ConsumedService.fillna("").str.lower() == services.name.str.split("/").str[0]
    counts = services.groupby(["name", "ServiceCategory"]).agg(own=("own", "max"), rows=("own", "size")).reset_index()
    counts = counts.sort_values(["name", "own", "rows", "ServiceCategory"], ascending=[True, False, False, True])
    chosen = counts.drop_duplicates("name")
    return pd.DataFrame({"provider": "azure", "name": chosen.name, "service_category": chosen.ServiceCategory,
                         "source": FINOPS, "licence": "MIT"})


def build_service_categories(ref: Path) -> pd.DataFrame:
    meters = pd.DataFrame([("azure", name.lower(), category, METER_CATEGORY_SOURCE, FACT)
                           for name, category in METER_CATEGORIES.items()], columns=COLUMNS)
    overrides = pd.DataFrame([("azure", name, category, RESOURCE_TYPE_SOURCE, FACT)
                              for name, category in RESOURCE_TYPES.items()], columns=COLUMNS)
    frame = pd.concat([overrides, _resource_types(ref), meters], ignore_index=True)
    # Our overrides come first and win; a meter category never spells like a resource type (those hold a '/').
    return frame.drop_duplicates(["provider", "name"]).sort_values(["provider", "name"]).reset_index(drop=True)
