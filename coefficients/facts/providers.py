"""The providers the coefficient tables know: our id (the `provider` column of every table), the name the
connectors store as ProviderName, the ProviderName spellings FOCUS exports use, and the provider's roles."""

from __future__ import annotations

from .licences import FACT

SOURCE = ("cloudcarbon: provider ids of the coefficient tables and ProviderName as the connectors store it; "
          "FOCUS ProviderName spellings from the FOCUS specification and the providers' FOCUS exports")

# id -> (display name, FOCUS ProviderName spellings (lower case), cloud: a catalogue of instance types and
# regions to plan on (estimate, recommend-region, coefficients show), cloud_pue_mean: its latest fleet-wide
# PUE counts in the mean that on-premises servers get in the cloud (whatif mechanization)).
PROVIDERS: dict[str, tuple[str, tuple[str, ...], bool, bool]] = {
    "aws": ("AWS", ("aws", "amazon web services", "amazon web services, inc.", "amazon"), True, True),
    "azure": ("Azure", ("microsoft", "azure", "microsoft azure", "microsoft corporation"), True, True),
    "gcp": ("GCP", ("google cloud", "gcp", "google", "google cloud platform"), True, True),
    "on-premises": ("On-premises", (), False, False),
}
LICENCE = FACT
