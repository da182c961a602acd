//! The desired state: every AWS resource the model asks for, with input
//! values, region and account filled in. Derived from the same [`Model`]
//! the Terraform emitter reads, and the task definitions from
//! [`crate::emit::taskdef`], so `svc apply` and `terraform apply` of
//! `svc compile`'s output create the same things.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::emit::{taskdef, DeployValues};
use crate::model::{
    execution_assume_role_policy, ClusterRef, ExecutionRole, Model, Text, TextList,
    EXECUTION_POLICY_ARN, SECRETS_POLICY_NAME,
};

/// Tag key marking what svc manages.
pub const TAG_MANAGED_BY: &str = "managed-by";
/// Value of [`TAG_MANAGED_BY`].
pub const MANAGED_BY: &str = "svc";
/// Tag key naming the stack that owns a resource.
pub const TAG_STACK: &str = "svc:stack";

/// Resource tags.
pub type Tags = BTreeMap<String, String>;

/// Where the project is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Account id.
    pub account: String,
    /// Partition (`aws`, `aws-cn`, ...).
    pub partition: String,
    /// Region.
    pub region: String,
}

/// A private DNS namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct DNamespace {
    /// DNS domain (the Cloud Map namespace name).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// VPC id.
    pub vpc: String,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// An ECS cluster svc creates.
#[derive(Debug, Clone, PartialEq)]
pub struct DCluster {
    /// Cluster name.
    pub name: String,
    /// Container Insights on.
    pub container_insights: bool,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// A CloudWatch log group svc creates.
#[derive(Debug, Clone, PartialEq)]
pub struct DLogGroup {
    /// Group name.
    pub name: String,
    /// Retention in days (`None`: never expire).
    pub retention_days: Option<u32>,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// An execution role svc creates.
#[derive(Debug, Clone, PartialEq)]
pub struct DRole {
    /// Role name.
    pub name: String,
    /// Trust policy.
    pub assume_policy: Value,
    /// Attached managed policies.
    pub managed_policies: Vec<String>,
    /// Inline policies by name.
    pub inline_policies: BTreeMap<String, Value>,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// A Cloud Map discovery service.
#[derive(Debug, Clone, PartialEq)]
pub struct DDiscovery {
    /// The ECS service it belongs to.
    pub service: String,
    /// Cloud Map service name.
    pub name: String,
    /// The namespace's DNS domain.
    pub namespace: String,
    /// Record types, in order.
    pub records: Vec<String>,
    /// TTL of every record.
    pub ttl: i64,
    /// `MULTIVALUE` or `WEIGHTED`.
    pub routing: String,
    /// Custom health check: `Some(failure threshold as written)`.
    pub custom_health: Option<Option<i32>>,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// A task definition.
#[derive(Debug, Clone, PartialEq)]
pub struct DTaskDef {
    /// Family.
    pub family: String,
    /// The complete `RegisterTaskDefinition` input (camelCase JSON), tags
    /// included.
    pub input: Value,
    /// The content compared with the registered revision: `input` without
    /// tags, normalised (see [`normalise`]).
    pub content: Value,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// An ECS service's Cloud Map registration.
#[derive(Debug, Clone, PartialEq)]
pub struct DRegistry {
    /// Namespace domain of the discovery service.
    pub namespace: String,
    /// Discovery service name.
    pub name: String,
    /// For SRV records: container name and port.
    pub container: Option<(String, i32)>,
}

/// An ECS service.
#[derive(Debug, Clone, PartialEq)]
pub struct DService {
    /// Service name.
    pub name: String,
    /// Cluster name (or ARN of an existing cluster).
    pub cluster: String,
    /// Whether svc creates the cluster.
    pub cluster_created: bool,
    /// Task-definition family.
    pub family: String,
    /// `FARGATE`.
    pub launch_type: String,
    /// Platform version, when set.
    pub platform_version: Option<String>,
    /// Desired count.
    pub desired_count: i32,
    /// Subnets, sorted.
    pub subnets: Vec<String>,
    /// Security groups, sorted.
    pub security_groups: Vec<String>,
    /// Public IP.
    pub public_ip: bool,
    /// Registration.
    pub registry: Option<DRegistry>,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

/// An ingress rule on a callee's security group that admits a caller's
/// group on the callee's port (`calls = [...]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DIngressRule {
    /// The callee's security group (the rule's group).
    pub group: String,
    /// The caller's security group (the referenced group).
    pub source: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// The callee's container port (from and to).
    pub port: i32,
    /// Description, e.g. `svc: web calls api on 8080/tcp`.
    pub description: String,
    /// Tags, ownership tags included.
    pub tags: Tags,
}

impl DIngressRule {
    /// How the rule is shown in plans: `sg-api ← sg-web 8080/tcp`.
    pub fn label(&self) -> String {
        format!(
            "{} ← {} {}/{}",
            self.group, self.source, self.port, self.protocol
        )
    }
}

/// Everything the model asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desired {
    /// The stack name in ownership tags.
    pub stack: String,
    /// Namespaces.
    pub namespaces: Vec<DNamespace>,
    /// Clusters svc creates.
    pub clusters: Vec<DCluster>,
    /// Existing clusters the services run in (names or ARNs).
    pub external_clusters: Vec<String>,
    /// Log groups.
    pub log_groups: Vec<DLogGroup>,
    /// Execution roles.
    pub roles: Vec<DRole>,
    /// Discovery services.
    pub discovery: Vec<DDiscovery>,
    /// Task definitions.
    pub task_defs: Vec<DTaskDef>,
    /// ECS services.
    pub services: Vec<DService>,
    /// Ingress rules between the security groups of callers and callees.
    pub ingress_rules: Vec<DIngressRule>,
}

/// The ownership tags of `stack`.
pub fn ownership_tags(stack: &str) -> Tags {
    [
        (TAG_MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (TAG_STACK.to_string(), stack.to_string()),
    ]
    .into_iter()
    .collect()
}

/// The stack name derived from a file name: its stem, e.g.
/// `service_discovery` for `examples/service_discovery.svc`.
pub fn stack_from_path(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "svc".into())
}

/// Checks that every input without a default has a value (as Terraform
/// does for variables); returns the missing names.
pub fn missing_inputs(model: &Model, vars: &BTreeMap<String, Value>) -> Vec<String> {
    model
        .inputs
        .iter()
        .filter(|i| i.default.is_none() && !vars.contains_key(&i.name))
        .map(|i| i.name.clone())
        .collect()
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Resolver<'a> {
    model: &'a Model,
    vars: &'a BTreeMap<String, Value>,
}

impl Resolver<'_> {
    fn input(&self, name: &str) -> Option<&Value> {
        self.vars
            .get(name)
            .or_else(|| self.model.input(name).and_then(|i| i.default.as_ref()))
    }

    fn text(&self, t: &Text) -> Result<String, String> {
        match t {
            Text::Literal(s) => Ok(s.clone()),
            Text::Input(name) => self
                .input(name)
                .map(value_text)
                .ok_or_else(|| format!("input `{name}` has no value (pass --var {name}=...)")),
        }
    }

    fn list(&self, t: &TextList) -> Result<Vec<String>, String> {
        match t {
            TextList::Items(items) => items.iter().map(|i| self.text(i)).collect(),
            TextList::Input(name) => match self.input(name) {
                Some(Value::Array(items)) => Ok(items.iter().map(value_text).collect()),
                Some(other) => Err(format!("input `{name}` must be a list, not {other}")),
                None => Err(format!(
                    "input `{name}` has no value (pass --var '{name}=[\"...\"]')"
                )),
            },
        }
    }
}

fn merged(tags: &BTreeMap<String, String>, stack: &str) -> Tags {
    let mut out = tags.clone();
    out.extend(ownership_tags(stack));
    out
}

/// Builds the desired state. `vars` must already be type-checked
/// ([`crate::vars::collect`]).
pub fn desired(
    model: &Model,
    vars: &BTreeMap<String, Value>,
    stack: &str,
    identity: &Identity,
) -> Result<Desired, String> {
    let missing = missing_inputs(model, vars);
    if !missing.is_empty() {
        return Err(format!(
            "no value for input(s) {}: pass --var NAME=VALUE or --var-file FILE",
            missing.join(", ")
        ));
    }
    let r = Resolver { model, vars };
    let mut out = Desired {
        stack: stack.to_string(),
        ..Default::default()
    };
    for ns in &model.namespaces {
        out.namespaces.push(DNamespace {
            name: ns.domain.clone(),
            description: ns.description.clone(),
            vpc: r.text(&ns.vpc)?,
            tags: merged(&ns.tags, stack),
        });
    }
    for c in &model.clusters {
        out.clusters.push(DCluster {
            name: c.cluster_name.clone(),
            container_insights: c.container_insights,
            tags: merged(&c.tags, stack),
        });
    }
    let values = DeployValues {
        vars: vars.clone(),
        region: Some(identity.region.clone()),
        account_id: Some(identity.account.clone()),
    };
    for s in &model.services {
        for g in &s.log_groups {
            if out.log_groups.iter().any(|l| l.name == g.name) {
                continue;
            }
            out.log_groups.push(DLogGroup {
                name: g.name.clone(),
                retention_days: g.retention_days,
                tags: merged(&s.tags, stack),
            });
        }
        if let ExecutionRole::Create { role_name } = &s.execution_role {
            let mut inline = BTreeMap::new();
            if let Some(policy) =
                s.secret_grants()
                    .policy(&identity.partition, &identity.region, &identity.account)
            {
                inline.insert(SECRETS_POLICY_NAME.to_string(), policy);
            }
            out.roles.push(DRole {
                name: role_name.clone(),
                assume_policy: execution_assume_role_policy(),
                managed_policies: vec![EXECUTION_POLICY_ARN.to_string()],
                inline_policies: inline,
                tags: merged(&s.tags, stack),
            });
        }
        let registry = match &s.discovery {
            Some(d) => {
                let namespace = model
                    .namespace(&d.namespace)
                    .map(|n| n.domain.clone())
                    .ok_or_else(|| format!("unknown namespace `{}`", d.namespace))?;
                out.discovery.push(DDiscovery {
                    service: s.name.clone(),
                    name: d.name.clone(),
                    namespace: namespace.clone(),
                    records: d.records.iter().map(|t| t.as_aws().to_string()).collect(),
                    ttl: d.ttl_s as i64,
                    routing: d.routing.as_aws().to_string(),
                    custom_health: d
                        .custom_health_check
                        .as_ref()
                        .map(|c| c.failure_threshold.map(|t| t as i32)),
                    tags: merged(&d.tags, stack),
                });
                Some(DRegistry {
                    namespace,
                    name: d.name.clone(),
                    container: d.srv_target.clone().map(|(c, p)| (c, p as i32)),
                })
            }
            None => None,
        };
        // The task definition: the same JSON `svc compile` writes.
        let (json, placeholders) = taskdef::to_json(model, s, &values);
        if !placeholders.is_empty() {
            return Err(format!(
                "task definition `{}`: no value for {}",
                s.family(),
                placeholders.join(", ")
            ));
        }
        let mut input: Value = serde_json::from_str(&json)
            .map_err(|e| format!("task definition `{}`: {e}", s.family()))?;
        // ARNs in the partition deployed to.
        if identity.partition != "aws" {
            if let Some(arn) = input.get_mut("executionRoleArn") {
                if let Some(text) = arn.as_str() {
                    *arn = Value::String(text.replacen(
                        "arn:aws:",
                        &format!("arn:{}:", identity.partition),
                        1,
                    ));
                }
            }
        }
        let tags = merged(&s.tags, stack);
        let content = normalise(&input);
        input["tags"] = Value::Array(
            tags.iter()
                .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
                .collect(),
        );
        out.task_defs.push(DTaskDef {
            family: s.family().to_string(),
            input,
            content,
            tags: tags.clone(),
        });
        let (cluster, cluster_created) = match &s.cluster {
            ClusterRef::Declared(name) => (
                model
                    .cluster(name)
                    .map(|c| c.cluster_name.clone())
                    .unwrap_or_else(|| name.clone()),
                true,
            ),
            ClusterRef::Existing(t) => {
                let name = r.text(t)?;
                if !out.external_clusters.contains(&name) {
                    out.external_clusters.push(name.clone());
                }
                (name, false)
            }
        };
        let mut subnets = r.list(&s.network.subnets)?;
        subnets.sort();
        let mut security_groups = r.list(&s.network.security_groups)?;
        security_groups.sort();
        out.services.push(DService {
            name: s.name.clone(),
            cluster,
            cluster_created,
            family: s.family().to_string(),
            launch_type: s.launch_type.as_aws().to_string(),
            platform_version: s.platform_version.clone(),
            desired_count: s.replicas as i32,
            subnets,
            security_groups,
            public_ip: s.network.public_ip,
            registry,
            tags,
        });
        for call in &s.calls {
            for group in r.list(&call.to_groups)? {
                for source in r.list(&call.from_groups)? {
                    let rule = DIngressRule {
                        group: group.clone(),
                        source,
                        protocol: call.protocol.as_aws().to_string(),
                        port: call.port as i32,
                        description: call.rule_description(&s.name),
                        tags: merged(&s.tags, stack),
                    };
                    // Two calls can ask for the same rule (groups shared
                    // between services); one rule serves both.
                    if !out.ingress_rules.iter().any(|d| d.label() == rule.label()) {
                        out.ingress_rules.push(rule);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The comparable content of a task definition (ours or one read back):
/// only the keys svc writes, without tags, empty lists, nulls and AWS
/// additions, so a registered revision equals the input it came from.
pub fn normalise(input: &Value) -> Value {
    const TOP: &[&str] = &[
        "family",
        "taskRoleArn",
        "executionRoleArn",
        "networkMode",
        "containerDefinitions",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "ephemeralStorage",
    ];
    let Value::Object(map) = input else {
        return input.clone();
    };
    let mut out = serde_json::Map::new();
    for key in TOP {
        if let Some(v) = map.get(*key) {
            let v = if *key == "containerDefinitions" {
                containers(v)
            } else {
                v.clone()
            };
            let v = strip_empty(&v);
            if !v.is_null() {
                out.insert((*key).to_string(), v);
            }
        }
    }
    Value::Object(out)
}

/// Container definitions restricted to the keys svc writes.
fn containers(v: &Value) -> Value {
    const KEYS: &[&str] = crate::emit::taskdef::CONTAINER_KEYS;
    match v {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|c| match c {
                    Value::Object(map) => Value::Object(
                        map.iter()
                            .filter(|(k, _)| KEYS.contains(&k.as_str()))
                            // ECS reads an absent container cpu back as 0.
                            .filter(|(k, v)| !(k.as_str() == "cpu" && v.as_i64() == Some(0)))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Removes nulls, empty lists and empty objects, recursively.
fn strip_empty(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let items: Vec<Value> = items.iter().map(strip_empty).collect();
            if items.is_empty() {
                Value::Null
            } else {
                Value::Array(items)
            }
        }
        Value::Object(map) => {
            let map: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), strip_empty(v)))
                .filter(|(_, v)| !v.is_null())
                .collect();
            if map.is_empty() {
                Value::Null
            } else {
                Value::Object(map)
            }
        }
        other => other.clone(),
    }
}
