#!/usr/bin/env python3
"""Tiny boto3 helper for svc's integration tests (talks to moto).

Usage: aws.py SUBCOMMAND [ARGS]   -- prints one JSON document on stdout.

Endpoint comes from AWS_ENDPOINT_URL (set by tests/support/mod.rs from the
running moto_server); region defaults to ap-northeast-1 and credentials to
dummy "testing" values.
"""
import json
import os
import sys

import boto3

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1"
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")


def client(name):
    return boto3.client(
        name,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )


def strip(resp):
    """Drop boto3's ResponseMetadata from a response dict."""
    resp = dict(resp)
    resp.pop("ResponseMetadata", None)
    return resp


def paginate(c, op, key, **kw):
    out = []
    for page in c.get_paginator(op).paginate(**kw):
        out.extend(page.get(key, []))
    return out


def network():
    ec2 = client("ec2")
    cidr = "10.0.0.0/16"
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        for i, az in enumerate(azs, start=1)
    ]
    sg_id = ec2.create_security_group(
        GroupName="svc-test", Description="svc integration test", VpcId=vpc_id
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": cidr}]}],
    )
    return {"vpc_id": vpc_id, "subnet_ids": subnet_ids, "security_group_id": sg_id}


def describe_namespaces():
    sd = client("servicediscovery")
    return [strip(sd.get_namespace(Id=n["Id"]))["Namespace"] for n in paginate(sd, "list_namespaces", "Namespaces")]


def describe_discovery_services():
    sd = client("servicediscovery")
    return [strip(sd.get_service(Id=s["Id"]))["Service"] for s in paginate(sd, "list_services", "Services")]


def describe_task_definitions():
    ecs = client("ecs")
    out = []
    for arn in paginate(ecs, "list_task_definitions", "taskDefinitionArns"):
        r = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        out.append({"taskDefinition": r["taskDefinition"], "tags": r.get("tags", [])})
    return out


def describe_ecs_services():
    ecs = client("ecs")
    out = []
    for cluster in paginate(ecs, "list_clusters", "clusterArns"):
        arns = paginate(ecs, "list_services", "serviceArns", cluster=cluster)
        # describe_services takes at most 10 services per call
        for i in range(0, len(arns), 10):
            out.extend(ecs.describe_services(cluster=cluster, services=arns[i : i + 10])["services"])
    return out


def describe_log_groups():
    return paginate(client("logs"), "describe_log_groups", "logGroups")


def describe_iam_roles():
    iam = client("iam")
    out = []
    for role in paginate(iam, "list_roles", "Roles"):
        role["AttachedPolicies"] = paginate(
            iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role["RoleName"]
        )
        out.append(role)
    return out


def register_task_definition(path):
    with open(path) as f:
        spec = json.load(f)
    ecs = client("ecs")
    registered = ecs.register_task_definition(**spec)["taskDefinition"]
    described = ecs.describe_task_definition(taskDefinition=registered["taskDefinitionArn"], include=["TAGS"])
    return {"registered": registered, "described": described["taskDefinition"], "tags": described.get("tags", [])}


def describe_security_group_rules(*group_ids):
    """The ingress rules of the given groups (all groups when none is given)."""
    kw = {"Filters": [{"Name": "group-id", "Values": list(group_ids)}]} if group_ids else {}
    rules = paginate(client("ec2"), "describe_security_group_rules", "SecurityGroupRules", **kw)
    return [r for r in rules if not r["IsEgress"]]


def security_group(vpc_id, name):
    """Creates a security group without rules; returns its id."""
    ec2 = client("ec2")
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]


COMMANDS = {
    "network": network,
    "describe-namespaces": describe_namespaces,
    "describe-discovery-services": describe_discovery_services,
    "describe-task-definitions": describe_task_definitions,
    "describe-ecs-services": describe_ecs_services,
    "describe-log-groups": describe_log_groups,
    "describe-iam-roles": describe_iam_roles,
    "register-task-definition": register_task_definition,
    "describe-security-group-rules": describe_security_group_rules,
    "security-group": security_group,
}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        sys.exit(f"usage: aws.py {{{'|'.join(COMMANDS)}}} [ARGS]")
    result = COMMANDS[argv[0]](*argv[1:])
    json.dump(result, sys.stdout, default=str, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
