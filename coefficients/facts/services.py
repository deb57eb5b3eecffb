"""Azure meter categories (the MeterCategory of a cost export, which our Azure usage rows carry as their service)
-> FOCUS ServiceCategory, the one vocabulary `reconcile` sets both sides' services in. Microsoft's carbon reports
name resource types instead; coefficients/rebuild/services.py maps those from the FinOps toolkit's Services.csv.

Each category is the one the FinOps toolkit gives the resource types that bill under the meter category (public
facts of Azure billing; the toolkit is MIT)."""

METER_CATEGORY_SOURCE = ("cloudcarbon: Azure MeterCategory -> the FOCUS ServiceCategory that "
                         "microsoft/finops-toolkit@04d370f322f6 src/open-data/Services.csv gives the resource types "
                         "billed under it")

METER_CATEGORIES: dict[str, str] = {
    "Virtual Machines": "Compute",
    "Virtual Machines Licenses": "Compute",
    "Container Instances": "Compute",
    "Azure Kubernetes Service": "Compute",
    "Functions": "Compute",
    "Cloud Services": "Compute",
    "Azure Batch": "Compute",
    "Storage": "Storage",
    "Backup": "Storage",
    "Azure NetApp Files": "Storage",
    "Bandwidth": "Networking",
    "Virtual Network": "Networking",
    "Load Balancer": "Networking",
    "Networking": "Networking",
    "Network Watcher": "Networking",
    "Azure DNS": "Networking",
    "Application Gateway": "Networking",
    "VPN Gateway": "Networking",
    "Azure Front Door Service": "Networking",
    "Content Delivery Network": "Networking",
    "ExpressRoute": "Networking",
    "Azure Firewall": "Networking",
    "SQL Database": "Databases",
    "SQL Managed Instance": "Databases",
    "Azure Cosmos DB": "Databases",
    "Azure Database for PostgreSQL": "Databases",
    "Azure Database for MySQL": "Databases",
    "Azure Database for MariaDB": "Databases",
    "Redis Cache": "Databases",
    "Azure App Service": "Web",
    "Event Hubs": "Analytics",
    "Azure Data Factory v2": "Analytics",
    "Azure Databricks": "Analytics",
    "Azure Synapse Analytics": "Analytics",
    "HDInsight": "Analytics",
    "Azure Data Explorer": "Analytics",
    "Service Bus": "Integration",
    "Logic Apps": "Integration",
    "API Management": "Integration",
    "Event Grid": "Integration",
    "Cognitive Services": "AI and Machine Learning",
    "Azure Machine Learning": "AI and Machine Learning",
    "Azure OpenAI": "AI and Machine Learning",
    "Log Analytics": "Management and Governance",
    "Azure Monitor": "Management and Governance",
    "Automation": "Management and Governance",
    "Key Vault": "Security",
    "Microsoft Defender for Cloud": "Security",
    "Sentinel": "Security",
    "Container Registry": "Compute",
}

# Resource types whose meters bill under another category than the toolkit gives the type: kept with their meters,
# so that both sides of reconcile put them in the same category.
RESOURCE_TYPE_SOURCE = ("cloudcarbon: managed disks and their snapshots bill under MeterCategory Storage (Azure cost "
                        "exports), so they sit with Storage on both sides")
RESOURCE_TYPES: dict[str, str] = {
    "microsoft.compute/disks": "Storage",
    "microsoft.compute/snapshots": "Storage",
}
