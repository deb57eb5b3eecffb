"""Water facts the rebuild combines with the reference tables (coefficients/rebuild/water.py): data-centre water
usage effectiveness (WUE, litres consumed on site per kWh of IT energy) as the providers publish it, and the
countries WRI rates at extremely high baseline water stress. Every value cites its publication."""

FACT = "public fact (no licence claimed)"

# Per-region WUE the providers published, as compiled (with the year) in Green-Software-Foundation/real-time-cloud
# Cloud_Region_Metadata.csv @ the reference snapshot: the figures are the providers' own.
REGIONAL_WUE_SOURCE = {
    "aws": ("AWS sustainability site, water use effectiveness by region, {year} (as compiled in "
            "Green-Software-Foundation/real-time-cloud Cloud_Region_Metadata.csv)"),
    "azure": ("Microsoft datacenter fact sheets, WUE by region, {year} (as compiled in "
              "Green-Software-Foundation/real-time-cloud Cloud_Region_Metadata.csv)"),
}
GSF_PROVIDERS = {"Amazon Web Services": "aws", "Microsoft Azure": "azure"}
# A published regional WUE is one year's figure: its range is the spread of AWS's fleet WUE over 2021-2024 (0.25,
# 0.19, 0.18, 0.15 L/kWh) around their mean 0.19: -21 % to +32 %, rounded out to -30 % / +30 %.
REGIONAL_RANGE = (0.7, 1.3)
REGIONAL_RANGE_SOURCE = "range: AWS fleet WUE 2021-2024 (0.25, 0.19, 0.18, 0.15 L/kWh) spread around its mean, +-30 %"

# Fleet WUE where a region has none: provider -> (L/kWh, source). The range is the 10th-90th percentile of the
# provider's published regional values (rebuild), or as stated.
FLEET_WUE = {
    "aws": (0.15, "Amazon 2024 Sustainability Report: AWS global data-centre WUE 0.15 L/kWh (2024)"),
    "azure": (0.30, "Microsoft 2024 reporting: datacenter WUE 0.30 L/kWh"),
    "gcp": (0.96, "derived: Google 2024 Environmental Report, 2023 data-centre water consumption 6.1 billion US "
                  "gallons (23.1 billion L) / data-centre electricity 24 TWh; Google publishes no WUE"),
    "on-premises": (1.8, "Shehabi et al. 2016, United States Data Center Energy Usage Report (LBNL-1005775): "
                         "average on-site WUE 1.8 L/kWh"),
}
FLEET_RANGE = {
    "gcp": (0.5, 1.8, "range: AWS/Microsoft fleet WUE (about 0.15-0.3) doubled to 1.8 L/kWh, the LBNL industry "
                      "average"),
    "on-premises": (0.84, 2.5, "range: 0.84 L/kWh (industry figure Amazon cites, 2025) to 2.5 L/kWh (evaporative "
                               "cooling in hot climates, LBNL 2016)"),
}

# WRI, "25 Countries, Housing One-quarter of the Population, Face Extremely High Water Stress" (Aqueduct 4.0,
# August 2023): the countries that withdraw over 80 % of their renewable supply each year (ISO 3166 alpha-2).
WRI_EXTREMELY_HIGH = ("BH", "CY", "KW", "LB", "OM", "QA", "AE", "SA", "IL", "EG", "LY", "YE", "BW", "IR", "JO", "CL",
                      "SM", "BE", "GR", "TN", "NA", "ZA", "IQ", "IN", "SY")
WRI_SOURCE = ("WRI Aqueduct 4.0, '25 Countries ... Face Extremely High Water Stress' (2023): baseline water stress "
              "extremely high (>80 % of renewable supply withdrawn)")
WRI_NOT_LISTED = ("not among WRI's 25 extremely-high-stress countries (Aqueduct 4.0, 2023), country level; the finer "
                  "categories are not shipped")

# Countries whose Electricity Maps zone name differs from the energy-mix file's name: ISO2 -> ISO3.
ISO3 = {"CL": "CHL", "GB": "GBR", "IN": "IND"}
