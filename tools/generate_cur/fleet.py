"""The generated company: regions, accounts, operating systems, teams, instance pools, the kinds of line
item with their shares, and the hand-written fleet of the bundled demo export (DEMO_FLEET)."""

from __future__ import annotations

from dataclasses import dataclass

# An instance type that no coefficient table knows yet (tests the "unknown type" path of consumers).
FUTURE_TYPE = ("c9z.2xlarge", "c9z", 8, 16.0)

# code, usage-type prefix, location, price multiplier vs us-east-1, weight (share of resources)
REGIONS = [
    ("us-east-1", "USE1", "US East (N. Virginia)", 1.00, 30),
    ("us-east-2", "USE2", "US East (Ohio)", 1.00, 8),
    ("us-west-1", "USW1", "US West (N. California)", 1.17, 3),
    ("us-west-2", "USW2", "US West (Oregon)", 1.00, 16),
    ("ca-central-1", "CAN1", "Canada (Central)", 1.10, 2),
    ("eu-west-1", "EU", "EU (Ireland)", 1.11, 9),
    ("eu-west-2", "EUW2", "EU (London)", 1.16, 3),
    ("eu-west-3", "EUW3", "EU (Paris)", 1.16, 2),
    ("eu-central-1", "EUC1", "EU (Frankfurt)", 1.19, 6),
    ("eu-north-1", "EUN1", "EU (Stockholm)", 1.05, 2),
    ("eu-south-1", "EUS1", "EU (Milan)", 1.17, 1),
    ("ap-northeast-1", "APN1", "Asia Pacific (Tokyo)", 1.29, 5),
    ("ap-northeast-2", "APN2", "Asia Pacific (Seoul)", 1.23, 2),
    ("ap-southeast-1", "APS1", "Asia Pacific (Singapore)", 1.25, 3),
    ("ap-southeast-2", "APS2", "Asia Pacific (Sydney)", 1.25, 2),
    ("ap-south-1", "APS3", "Asia Pacific (Mumbai)", 1.05, 2),
    ("sa-east-1", "SAE1", "South America (Sao Paulo)", 1.59, 1),
    ("af-south-1", "AFS1", "Africa (Cape Town)", 1.33, 1),
    ("me-south-1", "MES1", "Middle East (Bahrain)", 1.22, 1),
]
# Accelerated instances live in a handful of regions only.
GPU_REGIONS = {"us-east-1": 10, "us-east-2": 3, "us-west-2": 8, "eu-west-1": 2, "eu-central-1": 1,
               "ap-northeast-1": 1}

US_ENTITY = "Amazon Web Services, Inc."
EU_ENTITY = "Amazon Web Services EMEA SARL"
# payer id, payer name, invoicing entity, usage account id, usage account name, weight.
# IDs are text: several start with 0, which a BIGINT cast would silently drop.
ACCOUNTS = [
    ("004417226251", "acme-management", US_ENTITY, "004417226251", "acme-management", 1),
    ("004417226251", "acme-management", US_ENTITY, "118273645590", "prod-web", 10),
    ("004417226251", "acme-management", US_ENTITY, "061529384710", "prod-data", 7),
    ("004417226251", "acme-management", US_ENTITY, "273849501128", "ml-research", 5),
    ("004417226251", "acme-management", US_ENTITY, "390817263544", "staging", 4),
    ("004417226251", "acme-management", US_ENTITY, "090817263544", "dev-sandbox", 3),
    ("004417226251", "acme-management", US_ENTITY, "512093847561", "shared-services", 3),
    ("004417226251", "acme-management", US_ENTITY, "628374019283", "security-tooling", 1),
    ("004417226251", "acme-management", US_ENTITY, "739201847362", "analytics", 4),
    ("381492275710", "acme-europe-payer", EU_ENTITY, "381492275710", "acme-europe-payer", 1),
    ("381492275710", "acme-europe-payer", EU_ENTITY, "046182735519", "eu-prod", 6),
    ("381492275710", "acme-europe-payer", EU_ENTITY, "857261940374", "eu-staging", 2),
    ("381492275710", "acme-europe-payer", EU_ENTITY, "964738201956", "eu-data-platform", 3),
    ("381492275710", "acme-europe-payer", EU_ENTITY, "007364519283", "eu-ml", 2),
]

# operating system, RunInstances operation code, licence surcharge $/vCPU-hour, weight
OPERATING_SYSTEMS = [
    ("Linux", "RunInstances", 0.0, 90),
    ("Windows", "RunInstances:0002", 0.046, 6),
    ("RHEL", "RunInstances:0010", 0.013, 4),
]

TEAMS = ["web", "data", "ml", "platform", "mobile", "analytics", "security"]
ENVS = ["prod", "prod", "prod", "staging", "dev", "test"]
BUSINESS_UNITS = {"web": "Digital", "mobile": "Digital", "data": "Data Platform", "analytics": "Data Platform",
                  "ml": "AI Research", "platform": "Infrastructure", "security": "Infrastructure"}

# Which instance types each kind draws from (SQL over the itypes table); `accel` = GPU/ASIC instance.
POOLS = {
    "ec2": "NOT accel AND NOT future AND family NOT LIKE 'mac%'",
    "gpu": "accel",
    "spot": "NOT accel AND NOT future AND family NOT LIKE 'mac%' AND vcpus >= 2",
    "spot_gpu": "family IN ('g4dn', 'g5', 'g6', 'p3')",
    "reserved": "family IN ('m5', 'm6i', 'c5', 'c6i', 'r5', 'r6i', 'm6g', 'r6g', 'm7g', 'c7g') "
                "AND vcpus BETWEEN 2 AND 16",
    "dedicated": "family IN ('m5', 'c5', 'r5', 'm6i') AND vcpus BETWEEN 2 AND 32",
    "ebsopt": "family IN ('c4', 'm4', 'r4', 'i3', 'd2')",
    "burst": "regexp_matches(family, '^t[0-9]')",
    "rds": "family IN ('m5', 'm6g', 'm6i', 'm7g', 'r5', 'r6g', 'r6i', 'r7g', 't3', 't4g') AND vcpus <= 32",
    "cache": "family IN ('m5', 'm6g', 'm7g', 'r5', 'r6g', 'r7g', 't3', 't4g') AND vcpus <= 16",
    "ml_train": "family IN ('p3', 'p4d', 'p5', 'g5', 'trn1', 'm5', 'c5')",
    "ml_host": "family IN ('g5', 'g4dn', 'g6', 'inf2', 'm5', 'c5', 'c6i', 'm6g')",
    "search": "family IN ('r6g', 'm6g', 'c6g', 'r5', 'm5', 'r7g') AND vcpus BETWEEN 2 AND 16",
    "emr": "family IN ('m5', 'm6g', 'r5', 'c5', 'm6i', 'r6g', 'm7g') AND vcpus BETWEEN 4 AND 32",
    "future": "future",
}
# Used when a pool's families are missing from instances.csv (old generations, say).
POOL_FALLBACK = "NOT accel AND NOT future AND vcpus BETWEEN 2 AND 16"

# line_item_line_item_description of on-demand and Savings-Plan-covered instance hours
ON_DEMAND = "${rate} per On Demand {os} {t} Instance Hour"


@dataclass(frozen=True)
class Kind:
    """One kind of CUR line item; templates use {p} region prefix ('' in us-east-1), {P} prefix always,
    {dst} another region's prefix, {t} instance type, {f} family, {region}, {acct}, {id}, {n}, {rate},
    {location}, {os}, {sku}."""

    name: str
    share: float  # percent of rows in random mode
    item_type: str  # line_item_line_item_type
    product_code: str
    usage_type: str
    operation: str
    unit: str  # pricing_unit
    family: str  # product_product_family
    product_name: str
    servicecode: str = ""  # defaults to product_code
    pool: str = ""  # instance pool; '' = no instance type
    type_fmt: str = "{t}"  # product_instance_type shape: db.{t}, cache.{t}, ml.{t}, {t}.search, ''
    pmap: str = "generic"  # product map shape: instance | db | cache | ml | search | generic
    rate: float = 0.0  # $ per unit; 0 = the instance type's hourly rate
    rate_mult: float = 1.0  # service price vs EC2 Linux on demand (RDS, SageMaker...)
    charge_mult: float = 1.0  # billed vs public rate (Spot, RI fee)
    cost: str = "usage"  # usage | ri | sp | sp_negation | tax | credit
    amount: str = "hours"  # hours (units x hours) | gbmo (units as GB-month) | one
    units_lo: float = 1.0  # per-series quantity, log-uniform in [lo, hi]
    units_hi: float = 1.0
    vary: str = "partial"  # partial (some partial hours) | noise (traffic) | none
    term: str = "OnDemand"
    monthly: bool = False  # one line per month (fees, tax, credits)
    zonal: bool = True  # has an availability zone
    regional: bool = True  # has a region at all (tax and credits do not)
    taggable: bool = True
    os_mix: bool = False  # Linux/Windows/RHEL mix
    gpu_regions: bool = False  # only the regions that sell accelerators
    tenancy: str = "Shared"
    resource: str = ""  # line_item_resource_id template
    description: str = ""  # line_item_line_item_description template
    mirror: str = ""  # kind whose series this one repeats (SavingsPlanNegation)
    extra_keys: tuple[str, ...] = ()  # extra `product` map entries
    extra_vals: tuple[str, ...] = ()


def _ec2(name: str, share: float, item_type: str, usage: str, **kw: object) -> Kind:
    """An EC2 instance-hour kind (product family Compute Instance, resource i-...)."""
    base: dict[str, object] = dict(
        product_code="AmazonEC2", operation="RunInstances", unit="Hrs", family="Compute Instance",
        product_name="Amazon Elastic Compute Cloud", pool="ec2", pmap="instance", resource="i-{id}",
        description=ON_DEMAND, os_mix=True,
    )
    base.update(kw)
    return Kind(name, share, item_type, usage_type=usage, **base)  # type: ignore[arg-type]


EBS = ("Amazon Elastic Compute Cloud", "AmazonEC2")  # EBS bills under EC2: (product name, product code)
KINDS = [
    # --- EC2 instance hours, ~55 % of rows -------------------------------------------------------
    _ec2("ec2_ondemand", 26, "Usage", "{p}BoxUsage:{t}"),
    _ec2("ec2_gpu", 3.5, "Usage", "{p}BoxUsage:{t}", pool="gpu", gpu_regions=True, os_mix=False),
    _ec2("ec2_reserved", 8, "DiscountedUsage", "{p}BoxUsage:{t}", pool="reserved", cost="ri",
         term="Reserved", os_mix=False, description="{os} (Amazon VPC), {t} reserved instance applied"),
    _ec2("ec2_savings_plan", 7, "SavingsPlanCoveredUsage", "{p}BoxUsage:{t}", cost="sp"),
    _ec2("ec2_spot", 7.5, "Usage", "{p}SpotUsage:{t}", pool="spot", charge_mult=0.32, term="",
         os_mix=False, description="${rate} per Linux/UNIX (Amazon VPC), {t} Spot Instance-hour"),
    _ec2("ec2_spot_gpu", 1, "Usage", "{p}SpotUsage:{t}", pool="spot_gpu", charge_mult=0.35, term="",
         os_mix=False, gpu_regions=True,
         description="${rate} per Linux/UNIX (Amazon VPC), {t} Spot Instance-hour"),
    _ec2("ec2_dedicated", 1.5, "Usage", "{p}DedicatedUsage:{t}", pool="dedicated", rate_mult=1.1,
         tenancy="Dedicated", description="${rate} per Dedicated {os} {t} Instance Hour"),
    _ec2("ec2_future_type", 0.3, "Usage", "{p}BoxUsage:{t}", pool="future", os_mix=False),
    # --- EC2 lines that are NOT instance hours ----------------------------------------------------
    _ec2("ec2_sp_negation", 7, "SavingsPlanNegation", "{p}BoxUsage:{t}", cost="sp_negation",
         mirror="ec2_savings_plan",
         description="SavingsPlanNegation used by AccountId : {acct} and UsageSku : {sku}"),
    _ec2("ec2_ri_fee", 0.05, "RIFee", "{p}HeavyUsage:{t}", pool="reserved", cost="usage", charge_mult=0.6,
         term="Reserved", monthly=True, zonal=False, os_mix=False, units_hi=8, vary="none", resource="",
         description="USD {rate} hourly fee per {os} (Amazon VPC), {t} instance"),
    _ec2("ec2_ebs_optimized", 0.8, "Usage", "{p}EBSOptimized:{t}", pool="ebsopt", rate=0.025, os_mix=False,
         description="${rate} for {t} EBS Optimized Instance usage"),
    _ec2("ec2_cpu_credits", 0.8, "Usage", "{p}CPUCredits:{f}", pool="burst", type_fmt="", unit="vCPU-Hours",
         family="CPU Credits", pmap="generic", rate=0.05, units_lo=0.05, units_hi=2, vary="noise",
         os_mix=False, description="${rate} per vCPU-Hour of {f} Unlimited instance usage"),
    # --- managed services running on instances ----------------------------------------------------
    Kind("rds_single_az", 2.5, "Usage", "AmazonRDS", "{p}InstanceUsage:db.{t}", "CreateDBInstance:0014",
         "Hrs", "Database Instance", "Amazon Relational Database Service", pool="rds", type_fmt="db.{t}",
         pmap="db", rate_mult=1.8, resource="arn:aws:rds:{region}:{acct}:db:db-{id}",
         description="${rate} per RDS db.{t} Single-AZ instance hour (or partial hour) running PostgreSQL",
         extra_keys=("database_engine", "deployment_option"), extra_vals=("PostgreSQL", "Single-AZ")),
    Kind("rds_multi_az", 1.2, "Usage", "AmazonRDS", "{p}Multi-AZUsage:db.{t}", "CreateDBInstance:0002",
         "Hrs", "Database Instance", "Amazon Relational Database Service", pool="rds", type_fmt="db.{t}",
         pmap="db", rate_mult=3.6, resource="arn:aws:rds:{region}:{acct}:db:db-{id}",
         description="${rate} per RDS db.{t} Multi-AZ instance hour (or partial hour) running MySQL",
         extra_keys=("database_engine", "deployment_option"), extra_vals=("MySQL", "Multi-AZ")),
    Kind("rds_storage", 0.8, "Usage", "AmazonRDS", "{p}RDS:GP3-Storage", "CreateDBInstance:0014", "GB-Mo",
         "Database Storage", "Amazon Relational Database Service", rate=0.115, amount="gbmo", units_lo=20,
         units_hi=4000, vary="none", resource="arn:aws:rds:{region}:{acct}:db:db-{id}",
         description="${rate} per GB-month of provisioned GP3 storage running PostgreSQL",
         extra_keys=("volume_type", "storage_media"), extra_vals=("General Purpose-GP3", "SSD")),
    Kind("elasticache", 1.5, "Usage", "AmazonElastiCache", "{p}NodeUsage:cache.{t}", "CreateCacheCluster:0002",
         "Hrs", "Cache Instance", "Amazon ElastiCache", pool="cache", type_fmt="cache.{t}", pmap="cache",
         rate_mult=1.6, resource="arn:aws:elasticache:{region}:{acct}:cluster:redis-{id}-001",
         description="${rate} per Cache Node-Hour (or partial hour) running Redis on cache.{t}",
         extra_keys=("cache_engine",), extra_vals=("Redis",)),
    Kind("sagemaker_train", 0.5, "Usage", "AmazonSageMaker", "{P}Train:ml.{t}", "CreateTrainingJob", "Hrs",
         "ML Instance", "Amazon SageMaker", pool="ml_train", type_fmt="ml.{t}", pmap="ml", rate_mult=1.25,
         gpu_regions=True, resource="arn:aws:sagemaker:{region}:{acct}:training-job/train-{id}",
         description="${rate} per Training ml.{t} instance-hour in {location}",
         extra_keys=("component",), extra_vals=("Training",)),
    Kind("sagemaker_host", 0.8, "Usage", "AmazonSageMaker", "{P}Host:ml.{t}", "RunInstance", "Hrs",
         "ML Instance", "Amazon SageMaker", pool="ml_host", type_fmt="ml.{t}", pmap="ml", rate_mult=1.3,
         gpu_regions=True, resource="arn:aws:sagemaker:{region}:{acct}:endpoint/endpoint-{id}",
         description="${rate} per Hosting ml.{t} instance-hour in {location}",
         extra_keys=("component",), extra_vals=("Hosting",)),
    Kind("opensearch", 0.8, "Usage", "AmazonES", "{p}ESInstance:{t}.search", "ESDomain", "Hrs",
         "Amazon OpenSearch Service Instance", "Amazon OpenSearch Service", pool="search",
         type_fmt="{t}.search", pmap="search", rate_mult=1.5,
         resource="arn:aws:es:{region}:{acct}:domain/search-{id}",
         description="${rate} per {t}.search instance hour (or partial hour)"),
    Kind("emr_fee", 1.5, "Usage", "ElasticMapReduce", "{p}BoxUsage:{t}", "RunInstances", "Hrs",
         "Elastic Map Reduce Instance", "Amazon Elastic MapReduce", pool="emr", pmap="generic",
         rate_mult=0.25, resource="arn:aws:elasticmapreduce:{region}:{acct}:cluster/j-{id}",
         description="${rate} per hour for EMR {t}"),
    Kind("fargate_vcpu", 2, "Usage", "AmazonECS", "{p}Fargate-vCPU-Hours:perCPU", "FargateTask", "hours",
         "Compute", "Amazon Elastic Container Service", rate=0.04048, units_lo=0.25, units_hi=16,
         resource="arn:aws:ecs:{region}:{acct}:task/services/{id}",
         description="AWS Fargate - vCPU - {location}"),
    Kind("fargate_memory", 2, "Usage", "AmazonECS", "{p}Fargate-GB-Hours", "FargateTask", "hours",
         "Compute", "Amazon Elastic Container Service", rate=0.004445, units_lo=0.5, units_hi=64,
         resource="arn:aws:ecs:{region}:{acct}:task/services/{id}",
         description="AWS Fargate - Memory - {location}"),
    Kind("lambda_compute", 1.5, "Usage", "AWSLambda", "{p}Lambda-GB-Second", "Invoke", "Lambda-GB-Second",
         "Serverless", "AWS Lambda", rate=0.0000166667, units_lo=10, units_hi=200000, vary="noise",
         zonal=False, resource="arn:aws:lambda:{region}:{acct}:function:fn-{id}",
         description="AWS Lambda - Total Compute - {location}"),
    Kind("lambda_requests", 1, "Usage", "AWSLambda", "{p}Request", "Invoke", "Requests", "Serverless",
         "AWS Lambda", rate=0.0000002, units_lo=100, units_hi=2000000, vary="noise", zonal=False,
         resource="arn:aws:lambda:{region}:{acct}:function:fn-{id}",
         description="AWS Lambda - Total Requests - {location}"),
    # --- storage ---------------------------------------------------------------------------------
    Kind("ebs_gp3", 4, "Usage", EBS[1], "{p}EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", "Storage",
         EBS[0], rate=0.08, amount="gbmo", units_lo=8, units_hi=4000, vary="none", resource="vol-{id}",
         description="${rate} per GB-month of General Purpose (gp3) provisioned storage - {location}",
         extra_keys=("volume_api_name", "storage_media"), extra_vals=("gp3", "SSD-backed")),
    Kind("ebs_gp2", 1, "Usage", EBS[1], "{p}EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo", "Storage",
         EBS[0], rate=0.10, amount="gbmo", units_lo=8, units_hi=2000, vary="none", resource="vol-{id}",
         description="${rate} per GB-month of General Purpose SSD (gp2) provisioned storage - {location}",
         extra_keys=("volume_api_name", "storage_media"), extra_vals=("gp2", "SSD-backed")),
    Kind("ebs_st1", 0.5, "Usage", EBS[1], "{p}EBS:VolumeUsage.st1", "CreateVolume-St1", "GB-Mo", "Storage",
         EBS[0], rate=0.045, amount="gbmo", units_lo=500, units_hi=16000, vary="none", resource="vol-{id}",
         description="${rate} per GB-month of Throughput Optimized HDD (st1) provisioned storage - {location}",
         extra_keys=("volume_api_name", "storage_media"), extra_vals=("st1", "HDD-backed")),
    Kind("ebs_snapshot", 1.5, "Usage", EBS[1], "{p}EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo",
         "Storage Snapshot", EBS[0], rate=0.05, amount="gbmo", units_lo=1, units_hi=5000, vary="none",
         zonal=False, resource="arn:aws:ec2:{region}:{acct}:snapshot/snap-{id}",
         description="${rate} per GB-Month of snapshot data stored - {location}",
         extra_keys=("storage_media",), extra_vals=("Amazon S3",)),
    Kind("s3_storage", 2.5, "Usage", "AmazonS3", "{p}TimedStorage-ByteHrs", "StandardStorage", "GB-Mo",
         "Storage", "Amazon Simple Storage Service", rate=0.023, amount="gbmo", units_lo=1,
         units_hi=500000, vary="none", zonal=False, resource="acme-{region}-data-{n}",
         description="${rate} per GB - first 50 TB / month of storage used",
         extra_keys=("storage_class", "volume_type"), extra_vals=("General Purpose", "Standard")),
    Kind("s3_requests_tier1", 1.5, "Usage", "AmazonS3", "{p}Requests-Tier1", "PutObject", "Requests",
         "API Request", "Amazon Simple Storage Service", rate=0.000005, units_lo=10, units_hi=1000000,
         vary="noise", zonal=False, resource="acme-{region}-data-{n}",
         description="$0.005 per 1,000 PUT, COPY, POST, or LIST requests"),
    Kind("s3_requests_tier2", 1.5, "Usage", "AmazonS3", "{p}Requests-Tier2", "GetObject", "Requests",
         "API Request", "Amazon Simple Storage Service", rate=0.0000004, units_lo=10, units_hi=5000000,
         vary="noise", zonal=False, resource="acme-{region}-data-{n}",
         description="$0.004 per 10,000 GET and all other requests"),
    # --- network ---------------------------------------------------------------------------------
    Kind("transfer_out", 2, "Usage", "AmazonEC2", "{p}DataTransfer-Out-Bytes", "RunInstances", "GB",
         "Data Transfer", "Amazon Elastic Compute Cloud", servicecode="AWSDataTransfer", rate=0.09,
         units_lo=0.001, units_hi=200, vary="noise", zonal=False, resource="i-{id}",
         description="${rate} per GB - first 10 TB / month data transfer out beyond the global free tier",
         extra_keys=("transfer_type",), extra_vals=("AWS Outbound",)),
    Kind("transfer_regional", 1.5, "Usage", "AmazonEC2", "{p}DataTransfer-Regional-Bytes", "InterZone-In",
         "GB", "Data Transfer", "Amazon Elastic Compute Cloud", servicecode="AWSDataTransfer", rate=0.01,
         units_lo=0.001, units_hi=100, vary="noise", zonal=False, resource="i-{id}",
         description="${rate} per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs",
         extra_keys=("transfer_type",), extra_vals=("IntraRegion",)),
    Kind("transfer_inter_region", 0.8, "Usage", "AmazonS3", "{P}{dst}-AWS-Out-Bytes", "PutObject", "GB",
         "Data Transfer", "Amazon Simple Storage Service", servicecode="AWSDataTransfer", rate=0.02,
         units_lo=0.001, units_hi=50, vary="noise", zonal=False, resource="acme-{region}-data-{n}",
         description="${rate} per GB - {location} data transfer to another AWS Region",
         extra_keys=("transfer_type",), extra_vals=("InterRegion Outbound",)),
    # --- usage types cloudcarbon is not expected to recognise ---------------------------------------
    Kind("nat_gateway", 0.6, "Usage", "AmazonEC2", "{p}NatGateway-Hours", "NatGateway", "Hrs", "NAT Gateway",
         "Amazon Elastic Compute Cloud", rate=0.045, vary="none", zonal=False,
         resource="arn:aws:ec2:{region}:{acct}:natgateway/nat-{id}",
         description="${rate} per NAT Gateway Hour"),
    Kind("load_balancer", 0.8, "Usage", "AWSELB", "{p}LoadBalancerUsage", "LoadBalancing:Application", "Hrs",
         "Load Balancer-Application", "Elastic Load Balancing", rate=0.0225, vary="none", zonal=False,
         resource="arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/alb-{n}/{id}",
         description="${rate} per Application LoadBalancer-hour (or partial hour)"),
    Kind("cloudwatch_metrics", 0.4, "Usage", "AmazonCloudWatch", "{p}CW:MetricMonitorUsage", "MetricStorage",
         "Metrics", "Metric", "AmazonCloudWatch", rate=0.3, amount="gbmo", units_lo=10, units_hi=5000,
         vary="none", zonal=False, description="${rate} per metric-month - first 10,000 metrics"),
    Kind("kms_requests", 0.4, "Usage", "awskms", "{region}-KMS-Requests", "GenerateDataKey", "Requests",
         "API Request", "AWS Key Management Service", rate=0.000003, units_lo=10, units_hi=100000,
         vary="noise", zonal=False, resource="arn:aws:kms:{region}:{acct}:key/{id}",
         description="$0.03 per 10,000 requests"),
    Kind("dynamodb_storage", 0.3, "Usage", "AmazonDynamoDB", "{p}TimedStorage-ByteHrs", "PayPerRequestThroughput",
         "GB-Mo", "Database Storage", "Amazon DynamoDB", rate=0.25, amount="gbmo", units_lo=1, units_hi=2000,
         vary="none", zonal=False, resource="arn:aws:dynamodb:{region}:{acct}:table/table-{n}",
         description="${rate} per GB-Month of storage used beyond first 25 free GB-Months"),
    # --- adjustments -----------------------------------------------------------------------------
    Kind("tax_ec2", 0.02, "Tax", "AmazonEC2", "", "", "", "", "Amazon Elastic Compute Cloud", cost="tax",
         amount="one", units_lo=5, units_hi=800, vary="none", monthly=True, zonal=False, regional=False,
         taggable=False, term="", description="Tax for product code AmazonEC2"),
    Kind("tax_s3", 0.01, "Tax", "AmazonS3", "", "", "", "", "Amazon Simple Storage Service", cost="tax",
         amount="one", units_lo=1, units_hi=100, vary="none", monthly=True, zonal=False, regional=False,
         taggable=False, term="", description="Tax for product code AmazonS3"),
    Kind("credit", 0.02, "Credit", "AmazonEC2", "", "", "", "", "Amazon Elastic Compute Cloud", cost="credit",
         amount="one", units_lo=10, units_hi=500, vary="none", monthly=True, zonal=False, regional=False,
         taggable=False, term="", description="AWS Credit - Migration Acceleration Program"),
]


# ---------------------------------------------------------------------------------------------------
# Series: demo mode
# ---------------------------------------------------------------------------------------------------

# A small, coherent company over three months (daily rows). Each entry:
# kind, instance type, region, account index, count, units, team, env, cost centre, first day, days.
# Days are counted from 2026-08-01 (92 days in total); monthly kinds use month indexes instead.
ALL = 92
DEMO_FLEET: list[tuple[str, str, str, int, int, float, str, str, str, int, int]] = [
    # web tier: m6i behind a load balancer, c7g API nodes on reserved instances, SP-covered m6i
    ("ec2_ondemand", "m6i.xlarge", "us-east-1", 1, 2, 1, "web", "prod", "CC-1001", 0, ALL),
    ("ec2_savings_plan", "m6i.xlarge", "us-east-1", 1, 4, 1, "web", "prod", "CC-1001", 0, ALL),
    ("ec2_reserved", "c7g.2xlarge", "us-east-1", 1, 3, 1, "web", "prod", "CC-1001", 0, ALL),
    ("ec2_ri_fee", "c7g.2xlarge", "us-east-1", 1, 1, 3, "", "", "", 0, 3),
    ("ec2_ondemand", "m6i.large", "eu-west-1", 1, 2, 1, "web", "prod", "CC-1001", 0, ALL),
    ("ec2_ondemand", "c7g.large", "eu-west-1", 1, 2, 1, "web", "prod", "CC-1001", 30, 62),
    ("ec2_ondemand", "t3.medium", "us-east-1", 4, 2, 1, "web", "staging", "", 0, ALL),
    ("ec2_cpu_credits", "t3.medium", "us-east-1", 4, 1, 0.4, "web", "staging", "", 0, ALL),
    ("load_balancer", "", "us-east-1", 1, 1, 1, "web", "prod", "CC-1001", 0, ALL),
    ("transfer_out", "", "us-east-1", 1, 2, 6, "web", "prod", "CC-1001", 0, ALL),
    ("transfer_out", "", "eu-west-1", 1, 1, 2, "web", "prod", "CC-1001", 0, ALL),
    ("fargate_vcpu", "", "us-east-1", 1, 1, 4, "web", "prod", "CC-1001", 0, ALL),
    ("fargate_memory", "", "us-east-1", 1, 1, 8, "web", "prod", "CC-1001", 0, ALL),
    ("lambda_compute", "", "us-east-1", 1, 1, 3000, "web", "prod", "CC-1001", 0, ALL),
    # data tier
    ("rds_multi_az", "r6g.xlarge", "us-east-1", 2, 1, 1, "data", "prod", "CC-2002", 0, ALL),
    ("rds_single_az", "m5.large", "eu-west-1", 2, 1, 1, "data", "prod", "CC-2002", 0, ALL),
    ("rds_storage", "", "us-east-1", 2, 1, 500, "data", "prod", "CC-2002", 0, ALL),
    ("elasticache", "r6g.large", "us-east-1", 2, 2, 1, "data", "prod", "CC-2002", 0, ALL),
    ("ec2_ondemand", "m5.xlarge", "us-west-2", 2, 3, 1, "data", "prod", "CC-2002", 0, ALL),
    ("emr_fee", "m5.xlarge", "us-west-2", 2, 3, 1, "data", "prod", "CC-2002", 0, ALL),
    ("ec2_spot", "c6i.4xlarge", "us-west-2", 2, 4, 1, "data", "prod", "CC-2002", 10, 40),
    ("s3_storage", "", "us-east-1", 2, 2, 40000, "data", "prod", "CC-2002", 0, ALL),
    ("s3_storage", "", "us-west-2", 2, 1, 120000, "data", "prod", "CC-2002", 0, ALL),
    ("s3_requests_tier1", "", "us-east-1", 2, 1, 60000, "data", "prod", "CC-2002", 0, ALL),
    ("transfer_regional", "", "us-west-2", 2, 1, 20, "data", "prod", "CC-2002", 0, ALL),
    ("transfer_inter_region", "", "us-east-1", 2, 1, 5, "data", "prod", "CC-2002", 0, ALL),
    # ML team: g5 inference and a p4d box in us-east-1, a p5 training job in October
    ("ec2_gpu", "g5.2xlarge", "us-east-1", 3, 2, 1, "ml", "prod", "CC-3003", 0, ALL),
    ("ec2_gpu", "p4d.24xlarge", "us-east-1", 3, 1, 1, "ml", "dev", "CC-3003", 31, 61),
    ("ec2_gpu", "p5.48xlarge", "us-east-1", 3, 1, 1, "ml", "dev", "CC-3003", 70, 12),
    ("sagemaker_host", "g5.xlarge", "us-east-1", 3, 1, 1, "ml", "prod", "CC-3003", 0, ALL),
    ("s3_storage", "", "us-east-1", 3, 1, 80000, "ml", "dev", "CC-3003", 0, ALL),
    # block storage for the instances above
    ("ebs_gp3", "", "us-east-1", 1, 8, 100, "web", "prod", "CC-1001", 0, ALL),
    ("ebs_gp3", "", "us-west-2", 2, 3, 500, "data", "prod", "CC-2002", 0, ALL),
    ("ebs_gp3", "", "us-east-1", 3, 3, 2000, "ml", "dev", "CC-3003", 0, ALL),
    ("ebs_st1", "", "us-west-2", 2, 1, 4000, "data", "prod", "CC-2002", 0, ALL),
    ("ebs_snapshot", "", "us-east-1", 1, 1, 800, "web", "prod", "CC-1001", 0, ALL),
    # shared services and things cloudcarbon does not model
    ("nat_gateway", "", "us-east-1", 6, 1, 1, "platform", "prod", "", 0, ALL),
    ("cloudwatch_metrics", "", "us-east-1", 6, 1, 400, "platform", "prod", "", 0, ALL),
    ("ec2_future_type", "c9z.2xlarge", "us-east-1", 5, 1, 1, "platform", "dev", "", 60, 32),
    # monthly adjustments (index = month)
    ("tax_ec2", "", "us-east-1", 1, 1, 420, "", "", "", 0, 3),
    ("credit", "", "us-east-1", 3, 1, 250, "", "", "", 1, 2),
]
