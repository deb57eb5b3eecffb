-- The resource a provider's figure belongs to, where the provider reports by resource (Azure Carbon Optimization's
-- item-detail report: one figure per resource id). NULL where figures come by account, region and service (AWS,
-- Google Cloud). Part of the key that makes two figures one figure delivered twice (cloudcarbon/provider_emissions.py).
ALTER TABLE provider_emissions ADD COLUMN resource_id VARCHAR;
