#!/usr/bin/env python
"""Generate a realistic AWS CUR 2.0 (Data Exports) file, built entirely in DuckDB SQL.

Usage:
    python benchmarks/generate_cur.py --rows 10000000 --out /tmp/cur.parquet
    python benchmarks/generate_cur.py --demo            # rewrites cloudcarbon/demo/demo-cur2.parquet

How it works (no Python loop ever touches a line item):

* Small lookup tables (regions, accounts, operating systems, "kinds" of line item, instance types read
  from coefficients/data/instances.csv) go into an in-memory DuckDB.
* A *series* is one resource (an instance, a volume, a bucket, a tax line...) with its kind, instance
  type, region, account, tags and start period. Random mode derives series from hashes of
  (kind, series number, seed); demo mode takes them from a hand-written fleet.
* Every line item is (series, offset): series run over consecutive hours (or days), so the same
  resource id keeps its type/region/account/tags across the file, like a real fleet.
* The rows are `range(N)` split into blocks; blocks of every kind are interleaved so the file is not
  sorted by kind. Everything is hash-based, so a seed always gives the same file.
"""

from __future__ import annotations

import argparse
import calendar
import math
import re
import sys
import tempfile
import time
from dataclasses import astuple, dataclass, fields
from datetime import date
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCES = REPO / "coefficients" / "data" / "instances.csv"
DEMO_OUT = REPO / "cloudcarbon" / "demo" / "demo-cur2.parquet"
DEMO_MONTHS = ["2026-08", "2026-09", "2026-10"]

# Series per kind that random mode aims for: enough resources to spread over 200+ instance types,
# few enough that each resource runs for many consecutive hours at 10M rows.
TARGET_SERIES = 3000
# At most this many row blocks: the block table is joined against every row.
MAX_BLOCKS = 20000
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
# Lookup tables
# ---------------------------------------------------------------------------------------------------


def parse_months(text: str) -> list[date]:
    """'2025-01,2025-02' -> first days of those months, in the order given."""
    months = []
    for part in text.split(","):
        if not re.fullmatch(r"\d{4}-\d{2}", part.strip()):
            raise SystemExit(f"--months: expected YYYY-MM[,YYYY-MM...], got {part!r}")
        year, month = (int(x) for x in part.strip().split("-"))
        months.append(date(year, month, 1))
    return months


def create_static_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Regions, accounts, operating systems and kinds, plus weighted 'slot' tables for hash picks."""
    con.execute("CREATE TABLE regions (region_idx INT, code VARCHAR, prefix VARCHAR, location VARCHAR, "
                "price_mult DOUBLE, weight INT, gpu_weight INT)")
    con.executemany("INSERT INTO regions VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, *r, GPU_REGIONS.get(r[0], 0)) for i, r in enumerate(REGIONS)])
    con.execute("CREATE TABLE accounts (acct_idx INT, payer_id VARCHAR, payer_name VARCHAR, entity VARCHAR, "
                "acct_id VARCHAR, acct_name VARCHAR, weight INT)")
    con.executemany("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, *a) for i, a in enumerate(ACCOUNTS)])
    con.execute("CREATE TABLE os (os_idx INT, os VARCHAR, os_operation VARCHAR, os_add DOUBLE, weight INT)")
    con.executemany("INSERT INTO os VALUES (?, ?, ?, ?, ?)", [(i, *o) for i, o in enumerate(OPERATING_SYSTEMS)])

    cols = ", ".join(f"{f.name} {_sql_type(f.type)}" for f in fields(Kind))
    con.execute(f"CREATE TABLE kind_defs (kid INT, {cols})")
    marks = ", ".join("?" for _ in range(len(fields(Kind)) + 1))
    con.executemany(f"INSERT INTO kind_defs VALUES ({marks})",
                    [(i, *_row(k)) for i, k in enumerate(KINDS)])
    # Slot tables: a weight-w item appears w times, so `slot = hash % n` picks it with probability w/total.
    con.execute("""
        CREATE TABLE region_slots AS
        SELECT rpool, row_number() OVER (PARTITION BY rpool ORDER BY region_idx, r) - 1 AS k, region_idx
        FROM (SELECT 'all' AS rpool, region_idx, unnest(range(weight)) AS r FROM regions
              UNION ALL
              SELECT 'gpu', region_idx, unnest(range(gpu_weight)) FROM regions)
    """)
    con.execute("""
        CREATE TABLE account_slots AS
        SELECT row_number() OVER (ORDER BY acct_idx, r) - 1 AS k, acct_idx
        FROM (SELECT acct_idx, unnest(range(weight)) AS r FROM accounts)
    """)
    con.execute("""
        CREATE TABLE os_slots AS
        SELECT row_number() OVER (ORDER BY os_idx, r) - 1 AS k, os_idx
        FROM (SELECT os_idx, unnest(range(weight)) AS r FROM os)
    """)


def _sql_type(py_type: object) -> str:
    text = str(py_type)
    if text.startswith("tuple"):
        return "VARCHAR[]"
    return {"str": "VARCHAR", "float": "DOUBLE", "bool": "BOOLEAN"}[text]


def _row(kind: Kind) -> tuple[object, ...]:
    return tuple(list(v) if isinstance(v, tuple) else v for v in astuple(kind))


GRAVITON = "(cpu_model ILIKE '%Graviton%' OR regexp_matches(fam, '^[a-z]+[0-9]+g'))"
AMD = "(cpu_model ILIKE '%AMD%' OR regexp_matches(fam, '^[a-z]+[0-9]+a'))"
# $/h per accelerator, fitted to public on-demand prices (p5 / p4d / p3 / g5 / g6 / g4dn / inf2 / trn1)
ACCELERATOR_PRICES = [("B200", 16.0), ("B300", 16.0), ("GB200", 16.0), ("H200", 13.0), ("H100", 11.5),
                      ("A100", 3.9), ("V100", 2.6), ("RTX PRO", 2.0), ("Gaudi", 1.6), ("L40S", 1.3),
                      ("Trainium", 1.0), ("A10G", 0.75), ("L4", 0.55), ("Inferentia2", 0.55), ("T4", 0.35),
                      ("Inferentia", 0.3)]
ACCELERATOR_PRICE = ("CASE " + " ".join(f"WHEN gpu_model ILIKE '%{m}%' THEN {p}" for m, p in ACCELERATOR_PRICES)
                     + " ELSE 1.0 END")
POPULAR_FAMILIES = ("'m5', 'c5', 'r5', 'm6i', 'c6i', 'r6i', 't3', 'm7g', 'c7g', 'r6g', 'm6g', 'r7g', 'g5', 'g4dn', "
                    "'t4g', 'c7i', 'm7i'")
ITYPES_SQL = f"""
    CREATE TABLE itypes AS
    WITH t AS (
        SELECT *,
               coalesce(family, split_part(instance_type, '.', 1)) AS fam,
               split_part(instance_type, '.', 2) AS size,
               TRY_CAST(regexp_extract(coalesce(family, instance_type), '[0-9]+') AS INT) AS gen,
               instance_type = $future AS future
        FROM raw_itypes
    ), u AS (
        SELECT *,
               accelerator_kind IS NOT NULL OR gpu_count > 0
                   OR regexp_matches(fam, '^(p[0-9]|g[0-9]|inf|trn|dl|f[0-9]|vt)') AS accel
        FROM t
    )
    SELECT row_number() OVER (ORDER BY instance_type) - 1 AS itype_idx, instance_type, fam AS family,
           vcpus, memory_gib, gpu_model, gpu_count, accel, future,
           CASE WHEN memory_gib = floor(memory_gib) THEN CAST(memory_gib::BIGINT AS VARCHAR)
                ELSE CAST(memory_gib AS VARCHAR) END || ' GiB' AS memory_text,
           coalesce(cpu_model,
                    CASE WHEN {GRAVITON} THEN 'AWS Graviton Processor'
                         WHEN {AMD} THEN 'AMD EPYC 7R13 Processor'
                         ELSE 'Intel Xeon Family' END) AS processor,
           CASE WHEN {GRAVITON} THEN 'arm64' ELSE '64-bit' END AS arch,
           CASE WHEN fam LIKE 'inf%' OR fam LIKE 'trn%' THEN 'Machine Learning ASIC Instances'
                WHEN accel THEN 'GPU instance'
                WHEN fam LIKE 'c%' THEN 'Compute optimized'
                WHEN regexp_matches(fam, '^(r|x|z|u)') THEN 'Memory optimized'
                WHEN regexp_matches(fam, '^(i|d|h)') THEN 'Storage optimized'
                ELSE 'General purpose' END AS family_text,
           -- size-flexibility units: large = 4, xlarge = 8, Nxlarge = 8N
           CASE size WHEN 'nano' THEN 0.25 WHEN 'micro' THEN 0.5 WHEN 'small' THEN 1 WHEN 'medium' THEN 2
                     WHEN 'large' THEN 4 WHEN 'xlarge' THEN 8
                     ELSE coalesce(TRY_CAST(regexp_extract(size, '^([0-9]+)xlarge$', 1) AS DOUBLE) * 8,
                                   vcpus * 2) END AS norm_factor,
           -- on-demand Linux $/h in us-east-1: a vCPU + GiB fit of the public price list, plus the
           -- accelerators; Graviton and AMD are cheaper than Intel.
           round((0.031 * vcpus + 0.0042 * memory_gib)
                 * CASE WHEN {GRAVITON} THEN 0.8 WHEN {AMD} THEN 0.9 ELSE 1 END
                 + gpu_count * {ACCELERATOR_PRICE}, 4) AS hourly,
           -- pool weight: popular current families and small sizes dominate real fleets
           (CASE WHEN fam IN ({POPULAR_FAMILIES}) THEN 8 WHEN gen <= 3 THEN 1 ELSE 2 END)
           * (CASE WHEN vcpus <= 4 THEN 6 WHEN vcpus <= 8 THEN 4 WHEN vcpus <= 16 THEN 3
                   WHEN vcpus <= 32 THEN 2 ELSE 1 END) AS weight
    FROM u
"""


def create_instance_tables(con: duckdb.DuckDBPyConnection, instances_csv: Path) -> None:
    """AWS instance types from the coefficient table, with derived price, processor and pool weights."""
    if not instances_csv.exists():
        raise SystemExit(f"instance table not found: {instances_csv} (pass --instances PATH)")
    source = "read_csv($path, header = true, all_varchar = true)"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}", {"path": str(instances_csv)})
               .fetchall()}
    # cpu_model and accelerator_kind are optional: a minimal table has only the columns named in --help
    cpu = "cpu_model" if "cpu_model" in present else "NULL"
    kind = "accelerator_kind" if "accelerator_kind" in present else "NULL"
    con.execute(f"""
        CREATE TABLE raw_itypes AS
        SELECT instance_type, any_value(family) AS family,
               any_value(TRY_CAST(vcpus AS DOUBLE)) AS vcpus,
               any_value(TRY_CAST(memory_gib AS DOUBLE)) AS memory_gib,
               any_value(coalesce(gpu_model, '')) AS gpu_model,
               any_value(coalesce(TRY_CAST(gpu_count AS DOUBLE), 0)) AS gpu_count,
               any_value({cpu}) AS cpu_model, any_value({kind}) AS accelerator_kind
        FROM {source}
        WHERE lower(provider) = 'aws' AND TRY_CAST(vcpus AS DOUBLE) > 0
        GROUP BY instance_type
    """, {"path": str(instances_csv)})
    name, family, vcpus, memory = FUTURE_TYPE
    con.execute("""
        INSERT INTO raw_itypes SELECT $name, $family, $vcpus, $memory, '', 0, NULL, NULL
        WHERE NOT EXISTS (SELECT 1 FROM raw_itypes WHERE instance_type = $name)
    """, {"name": name, "family": family, "vcpus": vcpus, "memory": memory})
    con.execute(ITYPES_SQL, {"future": FUTURE_TYPE[0]})
    con.execute("CREATE TABLE pool_slots (pool VARCHAR, k BIGINT, itype_idx BIGINT)")
    for pool, predicate in POOLS.items():
        for where in (predicate, POOL_FALLBACK):
            con.execute(f"""
                INSERT INTO pool_slots
                SELECT $pool, row_number() OVER (ORDER BY itype_idx, r) - 1, itype_idx
                FROM (SELECT itype_idx, unnest(range(weight)) AS r FROM itypes WHERE {where})
            """, {"pool": pool})
            if con.execute("SELECT count(*) FROM pool_slots WHERE pool = $pool", {"pool": pool}).fetchone()[0]:
                break
    con.execute("CREATE TABLE pool_sizes AS SELECT pool, count(*) AS n FROM pool_slots GROUP BY pool")


def create_periods(con: duckdb.DuckDBPyConnection, months: list[date], step_hours: int) -> int:
    """Slots: gran 0 = hours (or days) across all months, gran 1 = whole months. Returns the period count."""
    rows = []
    for idx, first in enumerate(months):
        days = calendar.monthrange(first.year, first.month)[1]
        rows.append((idx, first.isoformat(), days * 24))
    con.execute("CREATE TABLE months (month_idx INT, month_start TIMESTAMP, month_hours DOUBLE)")
    con.executemany("INSERT INTO months VALUES (?, ?, ?)", rows)
    con.execute("""
        CREATE TABLE slots AS
        WITH m AS (
            SELECT *, month_start + INTERVAL 1 MONTH AS month_end FROM months
        ), p AS (
            SELECT m.*, unnest(generate_series(month_start, month_end - to_hours($step), to_hours($step))) AS ts
            FROM m
        )
        SELECT 0 AS gran, row_number() OVER (ORDER BY month_idx, ts) - 1 AS idx, ts AS start_ts,
               ts + to_hours($step) AS end_ts, $step::DOUBLE AS hours, month_hours, month_idx,
               month_start AS bill_start, month_end AS bill_end
        FROM p
        UNION ALL
        SELECT 1, month_idx, month_start, month_end, month_hours, month_hours, month_idx, month_start, month_end
        FROM m
    """, {"step": step_hours})
    con.execute("""
        ALTER TABLE slots ADD COLUMN time_interval VARCHAR;
        UPDATE slots SET time_interval = strftime(start_ts, '%Y-%m-%dT%H:%M:%SZ') || '/'
                                         || strftime(end_ts, '%Y-%m-%dT%H:%M:%SZ');
    """)
    return con.execute("SELECT count(*) FROM slots WHERE gran = 0").fetchone()[0]


# ---------------------------------------------------------------------------------------------------
# Series: random mode
# ---------------------------------------------------------------------------------------------------


def plan_kinds(con: duckdb.DuckDBPyConnection, rows: int, periods: int, n_months: int, block: int) -> int:
    """Rows, series length and row blocks per kind (random mode). Returns the number of blocks."""
    total = sum(k.share for k in KINDS)
    counts = [round(rows * k.share / total) for k in KINDS]
    counts[0] += rows - sum(counts)  # rounding remainder goes to the biggest kind
    plan, first_block = [], 0
    for kid, (kind, n) in enumerate(zip(KINDS, counts, strict=True)):
        length = 1 if kind.monthly else max(1, min(periods, n // TARGET_SERIES))
        blocks = math.ceil(n / block)
        plan.append((kid, n, length, math.ceil(n / length) if n else 0, first_block, blocks))
        first_block += blocks
    con.execute("CREATE TABLE kind_plan (kid INT, n BIGINT, len BIGINT, n_series BIGINT, first_block BIGINT, "
                "n_blocks BIGINT)")
    con.executemany("INSERT INTO kind_plan VALUES (?, ?, ?, ?, ?, ?)", plan)
    con.execute(f"""
        CREATE TABLE kinds AS
        SELECT d.*, p.n, p.len, p.n_series, p.first_block, p.n_blocks,
               coalesce(m.kid, d.kid) AS hk,
               CASE WHEN d.monthly THEN 1 ELSE 0 END AS gran,
               CASE WHEN d.gpu_regions THEN 'gpu' ELSE 'all' END AS rpool,
               {n_months} AS n_months, {periods} AS n_periods
        FROM kind_defs d JOIN kind_plan p USING (kid) LEFT JOIN kind_defs m ON m.name = d.mirror
    """)
    return first_block


def create_blocks(con: duckdb.DuckDBPyConnection, n_blocks: int, block: int) -> None:
    """Block table: a permutation of block ids interleaves the kinds through the file."""
    stride = next(s for s in range(int(n_blocks * 0.618) | 1, 10 * n_blocks + 3) if math.gcd(s, n_blocks) == 1)
    con.execute(f"""
        CREATE TABLE blocks AS
        WITH b AS (SELECT kid, n, first_block, unnest(range(n_blocks)) AS kb FROM kinds)
        SELECT (first_block + kb) * {stride} % {n_blocks} AS bid, kid, kb * {block} AS j0,
               least({block}, n - kb * {block}) AS nrows
        FROM b
    """)


def create_random_series(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """One row per resource, every attribute picked by hashing (kind, series number, seed)."""
    con.execute(f"""
        CREATE TABLE series AS
        WITH b AS (
            SELECT kid, hk, pool, rpool, monthly, taggable, os_mix, len, n_months, n_periods, units_lo, units_hi,
                   unnest(range(n_series)) AS s
            FROM kinds
        ), h AS (
            -- 63-bit signed hashes: BIGINT arithmetic and list indexes stay simple
            SELECT *, (hash(hk, s, {seed}) >> 1)::BIGINT AS h1, (hash(hk, s, {seed}, 'b') >> 1)::BIGINT AS h2
            FROM b
        )
        SELECT h.kid, h.s, pl.itype_idx, rs.region_idx, ac.acct_idx,
               CASE WHEN os_mix THEN os.os_idx ELSE 0 END AS os_idx,
               -- log-uniform quantity: a few big volumes/buckets, many small ones
               units_lo * pow(units_hi / units_lo, (h2 % 1000003) / 1000003.0) AS units,
               CASE WHEN monthly THEN (h2 >> 20) % n_months ELSE (h2 >> 20) % (n_periods - len + 1) END AS start,
               CASE WHEN taggable AND (h2 >> 40) % 100 >= 15 THEN {_pick(TEAMS, "h2 >> 44")} END AS team,
               CASE WHEN taggable AND (h2 >> 40) % 100 >= 15 THEN {_pick(ENVS, "h2 >> 50")} END AS env,
               CASE WHEN taggable AND (h2 >> 40) % 100 >= 60 THEN 'CC-' || (1000 + (h2 >> 56) % 40) END
                   AS cost_center,
               (h1 >> 48) % {len(REGIONS)} AS dst_region_idx
        FROM h
        JOIN (SELECT rpool, count(*) AS n FROM region_slots GROUP BY rpool) rz USING (rpool)
        JOIN region_slots rs ON rs.rpool = h.rpool AND rs.k = (h1 >> 16) % rz.n
        JOIN account_slots ac ON ac.k = (h1 >> 32) % (SELECT count(*) FROM account_slots)
        JOIN os_slots os ON os.k = (h2 >> 8) % (SELECT count(*) FROM os_slots)
        LEFT JOIN pool_sizes ps ON ps.pool = h.pool
        LEFT JOIN pool_slots pl ON pl.pool = h.pool AND pl.k = h1 % ps.n
    """)


def _pick(values: list[str], bits: str) -> str:
    """SQL expression choosing one of `values` from hash bits."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"[{quoted}][1 + ({bits}) % {len(values)}]"


RANDOM_ROWS = """
    SELECT t.i, b.kid, (b.j0 + t.i % {block}) // k.len AS s, (b.j0 + t.i % {block}) % k.len AS o
    FROM range({n_rows}) t(i)
    JOIN blocks b ON b.bid = t.i // {block}
    JOIN kinds k ON k.kid = b.kid
    WHERE t.i % {block} < b.nrows
"""


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


def create_demo_series(con: duckdb.DuckDBPyConnection) -> None:
    """Series from DEMO_FLEET; SavingsPlan-covered entries get their negation twin automatically."""
    kind_ids = {k.name: i for i, k in enumerate(KINDS)}
    region_ids = {r[0]: i for i, r in enumerate(REGIONS)}
    mirrors = {k.mirror: k.name for k in KINDS if k.mirror}
    rows, next_s = [], dict.fromkeys(kind_ids, 0)
    for kind, itype, region, acct, count, units, team, env, cc, start, days in DEMO_FLEET:
        for _ in range(count):
            for name in filter(None, (kind, mirrors.get(kind))):
                rows.append((kind_ids[name], next_s[kind], itype or None, region_ids[region],
                             acct, units, start, days, team or None, env or None, cc or None))
            next_s[kind] += 1
    con.execute("CREATE TABLE demo_fleet (kid INT, s BIGINT, itype VARCHAR, region_idx INT, acct_idx INT, "
                "units DOUBLE, start BIGINT, len BIGINT, team VARCHAR, env VARCHAR, cost_center VARCHAR)")
    con.executemany("INSERT INTO demo_fleet VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    missing = con.execute("SELECT DISTINCT itype FROM demo_fleet WHERE itype IS NOT NULL "
                          "AND itype NOT IN (SELECT instance_type FROM itypes)").fetchall()
    if missing:
        raise SystemExit(f"demo fleet uses instance types missing from instances.csv: {missing}")
    con.execute(f"""
        CREATE TABLE series AS
        SELECT f.kid, f.s, i.itype_idx, f.region_idx, f.acct_idx, 0 AS os_idx, f.units, f.start, f.len,
               f.team, f.env, f.cost_center, (f.region_idx + 3) % {len(REGIONS)} AS dst_region_idx
        FROM demo_fleet f LEFT JOIN itypes i ON i.instance_type = f.itype
    """)


DEMO_ROWS = """
    SELECT row_number() OVER (ORDER BY s.kid, s.s, o) - 1 AS i, s.kid, s.s, o
    FROM (SELECT kid, s, unnest(range(len)) AS o FROM series) s
"""


def create_demo_kinds(con: duckdb.DuckDBPyConnection, periods: int, n_months: int) -> None:
    con.execute(f"""
        CREATE TABLE kinds AS
        SELECT d.*, coalesce(m.kid, d.kid) AS hk, CASE WHEN d.monthly THEN 1 ELSE 0 END AS gran,
               {n_months} AS n_months, {periods} AS n_periods
        FROM kind_defs d LEFT JOIN kind_defs m ON m.name = d.mirror
    """)


# ---------------------------------------------------------------------------------------------------
# Line items
# ---------------------------------------------------------------------------------------------------


def _fill(template: str) -> str:
    """SQL that fills a Kind template's placeholders from series_x columns."""
    expr = template
    for key, col in [("{p}", "p"), ("{P}", "pp"), ("{dst}", "dst_prefix"), ("{t}", "itype"), ("{f}", "ifamily"),
                     ("{region}", "region"), ("{acct}", "acct_id"), ("{id}", "rid"), ("{n}", "CAST(s AS VARCHAR)"),
                     ("{rate}", "CAST(round(od_rate * charge_mult, 4) AS VARCHAR)"), ("{location}", "location"),
                     ("{os}", "os"), ("{sku}", "sku")]:
        expr = f"replace({expr}, '{key}', coalesce({col}, ''))"
    return expr


def create_series_x(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Everything constant for a resource: strings, maps, rates. Computed once per series, not per row."""
    con.execute(f"""
        CREATE TABLE series_a AS
        SELECT s.*, k.* EXCLUDE (kid),
               r.code AS region, r.location, r.price_mult,
               CASE WHEN r.code = 'us-east-1' THEN '' ELSE r.prefix || '-' END AS p, r.prefix || '-' AS pp,
               dr.prefix AS dst_prefix,
               a.payer_id, a.payer_name, a.entity, a.acct_id, a.acct_name,
               o.os, o.os_operation, o.os_add,
               i.instance_type AS itype, i.family AS ifamily, i.vcpus, i.memory_text, i.gpu_count, i.gpu_model,
               i.processor, i.arch, i.family_text, i.norm_factor, i.hourly,
               lower(lpad(hex(hash(k.hk, s.s, {seed}, 'id')), 17, '0')) AS rid,
               CASE WHEN k.rate > 0 THEN k.rate
                    ELSE (i.hourly + o.os_add * coalesce(i.vcpus, 0)) * k.rate_mult END
                   * CASE WHEN k.regional THEN r.price_mult ELSE 1 END AS od_rate
        FROM series s JOIN kinds k USING (kid)
        JOIN regions r ON r.region_idx = s.region_idx
        JOIN regions dr ON dr.region_idx = s.dst_region_idx
        JOIN accounts a ON a.acct_idx = s.acct_idx
        JOIN os o ON o.os_idx = s.os_idx
        LEFT JOIN itypes i ON i.itype_idx = s.itype_idx
    """)
    con.execute(f"""
        ALTER TABLE series_a ADD COLUMN sku VARCHAR;
        UPDATE series_a SET sku = upper(substr(md5(product_code || {_fill('usage_type')} || region || os), 1, 16));
    """)
    bu = " ".join(f"WHEN '{team}' THEN '{unit}'" for team, unit in BUSINESS_UNITS.items())
    con.execute(f"""
        CREATE TABLE series_x AS
        SELECT kid, hk, s, start, amount, vary, cost, units, charge_mult, od_rate, gran, ifamily,
               CASE cost WHEN 'ri' THEN 0 WHEN 'sp_negation' THEN -od_rate WHEN 'tax' THEN units
                         WHEN 'credit' THEN -units ELSE od_rate * charge_mult END AS rate,
               CASE WHEN cost IN ('tax', 'credit', 'sp_negation') OR item_type = 'RIFee' THEN 0 ELSE od_rate END
                   AS public_rate,

               CASE WHEN pool <> '' AND type_fmt <> '' AND pmap <> 'generic' THEN norm_factor ELSE 0 END AS norm,
               payer_id, payer_name, entity, acct_id, acct_name, item_type, product_code,
               {_fill('usage_type')} AS usage_type,
               CASE WHEN os_mix AND operation = 'RunInstances' THEN os_operation ELSE operation END AS operation,
               CASE WHEN zonal THEN region || chr(97 + CAST(hash(rid) % 3 AS INT)) ELSE '' END AS az,
               {_fill('resource')} AS resource_id,
               {_fill('description')} AS description,
               CASE item_type WHEN 'Tax' THEN CASE WHEN entity = '{EU_ENTITY}' THEN 'VAT' ELSE 'US Sales Tax' END
                    ELSE '' END AS tax_type,
               unit, term, family, coalesce(nullif(servicecode, ''), product_code) AS servicecode,
               CASE WHEN pool <> '' THEN replace(type_fmt, '{{t}}', itype) ELSE '' END AS product_instance_type,
               CASE WHEN pool <> '' AND type_fmt <> '' THEN family_text ELSE '' END AS product_instance_family,
               CASE WHEN regional THEN region ELSE '' END AS region_code,
               CASE WHEN regional THEN location ELSE '' END AS location,
               CASE WHEN regional THEN 'AWS Region' ELSE '' END AS location_type,
               CASE WHEN item_type IN ('Tax', 'Credit') THEN '' ELSE sku END AS sku,
               CASE WHEN item_type IN ('Tax', 'Credit') THEN ''
                    ELSE sku || CASE term WHEN 'Reserved' THEN '.4NA7Y494T4' ELSE '.JRTCKXETXF' END || '.6YS6EN2CT7'
                    END AS rate_code,
               CASE WHEN family = 'Data Transfer' THEN location ELSE '' END AS from_location,
               CASE WHEN family = 'Data Transfer' THEN
                    CASE WHEN usage_type LIKE '%AWS-Out%' THEN 'Other AWS Region' ELSE 'External' END
                    ELSE '' END AS to_location,
               MAP(list_concat(['product_name'], CASE WHEN regional THEN ['region'] ELSE [] END, extra_keys,
                               {_pmap_case(0)}),
                   list_concat([product_name], CASE WHEN regional THEN [region] ELSE [] END, extra_vals,
                               {_pmap_case(1)})) AS product,
               map_from_entries(list_filter([{{'key': 'user_team', 'value': team}},
                                             {{'key': 'user_env', 'value': env}},
                                             {{'key': 'user_cost_center', 'value': cost_center}}],
                                            lambda e: e.value IS NOT NULL)) AS resource_tags,
               CASE WHEN team IS NULL THEN MAP([]::VARCHAR[], []::VARCHAR[])
                    ELSE MAP(['business_unit'], [CASE team {bu} END]) END AS cost_category,
               CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN
                    'arn:aws:ec2:' || region || ':' || acct_id || ':reserved-instances/'
                    || {_uuid("hash(acct_id, itype, region, 'ri')")} ELSE '' END AS ri_arn,
               CASE WHEN cost IN ('sp', 'sp_negation') THEN
                    'arn:aws:savingsplans::' || payer_id || ':savingsplan/' || {_uuid("hash(payer_id, 'sp')")}
                    ELSE '' END AS sp_arn
        FROM series_a
    """)
    # Rates are constant per resource: format them here once instead of on every line item.
    con.execute("""
        ALTER TABLE series_x ADD COLUMN blended_rate DOUBLE;
        UPDATE series_x SET blended_rate = CASE WHEN cost = 'ri' THEN od_rate * 0.7 ELSE rate END;
        ALTER TABLE series_x ADD COLUMN rate_text VARCHAR;
        ALTER TABLE series_x ADD COLUMN blended_rate_text VARCHAR;
        ALTER TABLE series_x ADD COLUMN public_rate_text VARCHAR;
        UPDATE series_x SET rate_text = CAST(round(rate, 10) AS VARCHAR),
                            blended_rate_text = CAST(round(blended_rate, 10) AS VARCHAR),
                            public_rate_text = CAST(round(public_rate, 10) AS VARCHAR);
    """)


def _uuid(hash_expr: str) -> str:
    """SQL for a stable UUID-looking string from a hash expression."""
    return (f"regexp_replace(md5(CAST({hash_expr} AS VARCHAR)), "
            r"'^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5')")


INSTANCE_KEYS = {
    "instance": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
                 ("physical_processor", "processor"), ("processor_architecture", "arch"),
                 ("operating_system", "os"), ("tenancy", "tenancy"),
                 ("current_generation", "'Yes'"), ("license_model", "'No License required'"),
                 ("pre_installed_sw", "'NA'"), ("storage", "'EBS only'"),
                 ("network_performance", "'Up to 12500 Megabit'"),
                 ("instance_family", "family_text")],
    "db": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
           ("physical_processor", "processor"), ("license_model", "'No license required'"),
           ("instance_type_family", "ifamily")],
    "cache": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
              ("network_performance", "'Up to 10 Gigabit'"), ("current_generation", "'Yes'")],
    "ml": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
           ("instance_name", "'ml.' || itype")],
    "search": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory_gib", "memory_text"),
               ("storage", "'EBS Only'")],
}
GPU_KEYS = [("gpu", "CAST(gpu_count::BIGINT AS VARCHAR)"), ("gpu_memory", "'NA'"), ("gpu_model", "gpu_model")]


def _pmap_case(pick: int) -> str:
    """CASE over the kind's product-map shape, yielding key (pick=0) or value (pick=1) lists."""
    arms = []
    for shape, pairs in INSTANCE_KEYS.items():
        items = ", ".join(pair[pick] if pick else f"'{pair[0]}'" for pair in pairs)
        gpu = ", ".join(pair[pick] if pick else f"'{pair[0]}'" for pair in GPU_KEYS)
        arms.append(f"WHEN pmap = '{shape}' AND coalesce(gpu_count, 0) > 0 THEN [{items}, {gpu}]")
        arms.append(f"WHEN pmap = '{shape}' THEN [{items}]")
    return f"CASE {' '.join(arms)} ELSE []::VARCHAR[] END"


LINE_ITEMS = """
WITH r AS ({rows}),
x AS (
    -- h varies usage by (resource, period), not by row, so a SavingsPlanNegation line repeats the
    -- amount of the covered line it cancels
    SELECT r.i, (hash(sx.hk, r.s, r.o, {seed}) >> 1)::BIGINT AS h, sx.*, sl.* EXCLUDE (gran)
    FROM r
    JOIN series_x sx ON sx.kid = r.kid AND sx.s = r.s
    JOIN slots sl ON sl.gran = sx.gran AND sl.idx = sx.start + r.o
),
y AS (
    SELECT x.*,
           round(CASE amount WHEN 'hours' THEN units * hours WHEN 'gbmo' THEN units * hours / month_hours
                             ELSE 1 END
                 * CASE WHEN vary = 'partial' AND h % 100 < {partial_pct} THEN ((h >> 8) % 1000 + 1) / 1000.0
                        WHEN vary = 'noise' THEN 0.3 + ((h >> 8) % 1400) / 1000.0 ELSE 1 END, 9) AS amt
    FROM x
)
SELECT
    bill_start AS bill_billing_period_start_date,
    bill_end AS bill_billing_period_end_date,
    'Anniversary' AS bill_bill_type,
    'AWS' AS bill_billing_entity,
    -- the latest month is still open: no invoice yet
    CASE WHEN month_idx < {last_month} THEN CAST(1000000000 + hash(payer_id, month_idx) % 900000000 AS VARCHAR)
         ELSE '' END AS bill_invoice_id,
    entity AS bill_invoicing_entity,
    payer_id AS bill_payer_account_id,
    payer_name AS bill_payer_account_name,
    cost_category,
    MAP([]::VARCHAR[], []::DOUBLE[]) AS discount,
    0.0::DOUBLE AS discount_bundled_discount,
    0.0::DOUBLE AS discount_total_discount,
    lower(lpad(hex(hash(i, {seed}, 'id1')), 16, '0') || lpad(hex(hash(i, {seed}, 'id2')), 16, '0')
          || lpad(hex(hash(i, {seed}, 'id3')), 16, '0') || lpad(hex(hash(i, {seed}) % 65536), 4, '0'))
        AS identity_line_item_id,
    time_interval AS identity_time_interval,
    az AS line_item_availability_zone,
    round(amt * blended_rate, 10) AS line_item_blended_cost,
    blended_rate_text AS line_item_blended_rate,
    'USD' AS line_item_currency_code,
    entity AS line_item_legal_entity,
    description AS line_item_line_item_description,
    item_type AS line_item_line_item_type,
    round(amt * rate, 10) AS line_item_net_unblended_cost,
    rate_text AS line_item_net_unblended_rate,
    norm AS line_item_normalization_factor,
    round(amt * norm, 9) AS line_item_normalized_usage_amount,
    operation AS line_item_operation,
    product_code AS line_item_product_code,
    resource_id AS line_item_resource_id,
    tax_type AS line_item_tax_type,
    round(amt * rate, 10) AS line_item_unblended_cost,
    rate_text AS line_item_unblended_rate,
    acct_id AS line_item_usage_account_id,
    acct_name AS line_item_usage_account_name,
    amt AS line_item_usage_amount,
    end_ts AS line_item_usage_end_date,
    start_ts AS line_item_usage_start_date,
    usage_type AS line_item_usage_type,
    'USD' AS pricing_currency,
    CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN '1yr' ELSE '' END AS pricing_lease_contract_length,
    CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN 'standard' ELSE '' END AS pricing_offering_class,
    round(amt * public_rate, 10) AS pricing_public_on_demand_cost,
    public_rate_text AS pricing_public_on_demand_rate,
    CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN 'No Upfront' ELSE '' END AS pricing_purchase_option,
    rate_code AS pricing_rate_code,
    CASE WHEN rate_code = '' THEN '' ELSE CAST(hash(rate_code) % 10000000000 AS VARCHAR) END AS pricing_rate_id,
    term AS pricing_term,
    unit AS pricing_unit,
    product,
    '' AS product_comment,
    '' AS product_fee_code,
    '' AS product_fee_description,
    from_location AS product_from_location,
    CASE WHEN from_location = '' THEN '' ELSE 'AWS Region' END AS product_from_location_type,
    CASE WHEN from_location = '' THEN '' ELSE region_code END AS product_from_region_code,
    product_instance_family,
    product_instance_type,
    '' AS product_instancesku,
    location AS product_location,
    location_type AS product_location_type,
    operation AS product_operation,
    '' AS product_pricing_unit,
    family AS product_product_family,
    region_code AS product_region_code,
    servicecode AS product_servicecode,
    sku AS product_sku,
    to_location AS product_to_location,
    CASE WHEN to_location = 'Other AWS Region' THEN 'AWS Region' WHEN to_location = '' THEN ''
         ELSE 'Other' END AS product_to_location_type,
    '' AS product_to_region_code,
    usage_type AS product_usagetype,
    {reservation_columns},
    resource_tags,
    {savings_plan_columns}
FROM y
"""

RI = "cost = 'ri' OR item_type = 'RIFee'"
# name -> SQL; RI columns are amortised shares of the effective cost (62 % of on demand)
RESERVATION_COLUMNS = {
    "amortized_upfront_cost_for_usage": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.31, 10) ELSE 0 END",
    "amortized_upfront_fee_for_billing_period": "0.0",
    "availability_zone": "''",
    "effective_cost": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.62, 10) ELSE 0 END",
    "end_time": f"CASE WHEN {RI} THEN '2027-03-01T00:00:00.000Z' ELSE '' END",
    "modification_status": f"CASE WHEN {RI} THEN 'Original' ELSE '' END",
    "net_amortized_upfront_cost_for_usage": "0.0",
    "net_amortized_upfront_fee_for_billing_period": "0.0",
    "net_effective_cost": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.62, 10) ELSE 0 END",
    "net_recurring_fee_for_usage": "0.0",
    "net_unused_amortized_upfront_fee_for_billing_period": "0.0",
    "net_unused_recurring_fee": "0.0",
    "net_upfront_value": "0.0",
    "normalized_units_per_reservation": f"CASE WHEN {RI} THEN CAST(norm AS VARCHAR) ELSE '' END",
    "number_of_reservations": "CASE WHEN item_type = 'RIFee' THEN CAST(round(units) AS VARCHAR) ELSE '' END",
    "recurring_fee_for_usage": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.31, 10) ELSE 0 END",
    "reservation_a_r_n": "ri_arn",
    "start_time": f"CASE WHEN {RI} THEN '2026-03-01T00:00:00.000Z' ELSE '' END",
    "subscription_id": f"CASE WHEN {RI} THEN CAST(hash(ri_arn) % 10000000000 AS VARCHAR) ELSE '' END",
    "total_reserved_normalized_units": "CASE WHEN item_type = 'RIFee' THEN CAST(amt * norm AS VARCHAR) ELSE '' END",
    "total_reserved_units": "CASE WHEN item_type = 'RIFee' THEN CAST(amt AS VARCHAR) ELSE '' END",
    "units_per_reservation": "CASE WHEN item_type = 'RIFee' THEN CAST(month_hours AS VARCHAR) ELSE '' END",
    "unused_amortized_upfront_fee_for_billing_period": "0.0",
    "unused_normalized_unit_quantity": "0.0",
    "unused_quantity": "0.0",
    "unused_recurring_fee": "0.0",
    "upfront_value": "0.0",
}
# SP-covered usage is billed at on demand in unblended cost; its effective cost is 72 % of that.
SP_COST = "CASE WHEN cost = 'sp' THEN round(amt * od_rate * 0.72, 10) ELSE 0 END"
SAVINGS_PLAN_COLUMNS = {
    "amortized_upfront_commitment_for_billing_period": "0.0",
    "end_time": "CASE WHEN sp_arn <> '' THEN '2027-06-01T00:00:00.000Z' ELSE '' END",
    "instance_type_family": "CASE WHEN sp_arn <> '' THEN coalesce(ifamily, '') ELSE '' END",
    "net_amortized_upfront_commitment_for_billing_period": "0.0",
    "net_recurring_commitment_for_billing_period": "0.0",
    "net_savings_plan_effective_cost": SP_COST,
    "offering_type": "CASE WHEN sp_arn <> '' THEN 'ComputeSavingsPlans' ELSE '' END",
    "payment_option": "CASE WHEN sp_arn <> '' THEN 'No Upfront' ELSE '' END",
    "purchase_term": "CASE WHEN sp_arn <> '' THEN '1yr' ELSE '' END",
    "recurring_commitment_for_billing_period": "0.0",
    "region": "CASE WHEN sp_arn <> '' THEN location ELSE '' END",
    "savings_plan_a_r_n": "sp_arn",
    "savings_plan_effective_cost": SP_COST,
    "savings_plan_rate": "CASE WHEN cost = 'sp' THEN round(od_rate * 0.72, 10) ELSE 0 END",
    "start_time": "CASE WHEN sp_arn <> '' THEN '2026-06-01T00:00:00.000Z' ELSE '' END",
    "total_commitment_to_date": "0.0",
    "used_commitment": SP_COST,
}


def line_items_sql(rows_sql: str, seed: int, last_month: int, partial_pct: int) -> str:
    def cols(prefix: str, spec: dict[str, str]) -> str:
        return ",\n    ".join(
            f"{expr if not expr[0].isdigit() else expr + '::DOUBLE'} AS {prefix}{name}" for name, expr in spec.items()
        )

    return LINE_ITEMS.format(
        rows=rows_sql, seed=seed, last_month=last_month, partial_pct=partial_pct,
        reservation_columns=cols("reservation_", RESERVATION_COLUMNS),
        savings_plan_columns=cols("savings_plan_", SAVINGS_PLAN_COLUMNS),
    )


# ---------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------


def write(con: duckdb.DuckDBPyConnection, query: str, out: Path, fmt: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    target = str(out).replace("'", "''")
    if fmt == "csv":
        # CUR 2.0 CSV carries map columns as JSON text and ISO-8601 UTC timestamps.
        query = (f"SELECT * REPLACE (to_json(product)::VARCHAR AS product, to_json(resource_tags)::VARCHAR AS "
                 f"resource_tags, to_json(cost_category)::VARCHAR AS cost_category, to_json(discount)::VARCHAR "
                 f"AS discount) FROM ({query})")
        options = "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ'"
    else:
        # AWS writes snappy-compressed Parquet
        options = "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880"
    # The optimizer under-estimates the generated rows and would build its hash table on them (10M rows,
    # spilling to disk) instead of on the small series table: keep the join order as written.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute(f"COPY ({query}) TO '{target}' ({options})")


def generate(rows: int, out: Path, months: list[date], seed: int, fmt: str, granularity: str,
             instances_csv: Path, demo: bool = False) -> None:
    step = 24 if granularity == "daily" else 1
    with tempfile.TemporaryDirectory(prefix="ccgen-") as tmp:
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{tmp}'; SET memory_limit = '1200MB'; "
                    "SET preserve_insertion_order = true")
        create_static_tables(con)
        create_instance_tables(con, instances_csv)
        periods = create_periods(con, months, step)
        if demo:
            create_demo_kinds(con, periods, len(months))
            create_demo_series(con)
            rows_sql, partial_pct = DEMO_ROWS, 0
        else:
            block = max(1, math.ceil(rows / MAX_BLOCKS))
            n_blocks = plan_kinds(con, rows, periods, len(months), block)
            create_blocks(con, n_blocks, block)
            create_random_series(con, seed)
            rows_sql, partial_pct = RANDOM_ROWS.format(block=block, n_rows=n_blocks * block), 7
        create_series_x(con, seed)
        write(con, line_items_sql(rows_sql, seed, len(months) - 1, partial_pct), out, fmt)
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python benchmarks/generate_cur.py --rows 100000 "
                                            "--out /tmp/cur.parquet --months 2025-01,2025-02 --seed 42")
    parser.add_argument("--rows", type=int, default=100_000, help="number of line items (random mode)")
    parser.add_argument("--out", type=Path, help="output file (.parquet, .csv or .csv.gz)")
    parser.add_argument("--months", default="2025-01,2025-02", help="billing periods, YYYY-MM,YYYY-MM")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--granularity", choices=["hourly", "daily"], default="hourly")
    parser.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES,
                        help="instance table (provider, instance_type, family, vcpus, memory_gib, gpu_model, "
                             "gpu_count)")
    parser.add_argument("--demo", action="store_true",
                        help=f"write the bundled demo company ({', '.join(DEMO_MONTHS)}, daily) instead")
    args = parser.parse_args(argv)
    if args.demo:
        out, months, granularity = args.out or DEMO_OUT, DEMO_MONTHS, "daily"
    else:
        if args.out is None or args.rows <= 0:
            parser.error("--out and a positive --rows are required (or --demo)")
        out, months, granularity = args.out, args.months.split(","), args.granularity
    started = time.perf_counter()
    generate(args.rows, out, parse_months(",".join(months)), args.seed, args.format, granularity,
             args.instances, demo=args.demo)
    size_mb = out.stat().st_size / 1e6
    print(f"wrote {out} ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
