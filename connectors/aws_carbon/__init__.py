"""AWS's own reported emissions: the Data Exports carbon emissions table (CARBON_EMISSIONS), CSV or Parquet."""
