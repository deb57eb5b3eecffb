"""Microsoft's own reported Azure emissions (Carbon Optimization carbonEmissionReports) into provider_emissions."""
