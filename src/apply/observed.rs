//! What exists in AWS, as plain data (no SDK types), so that planning is a
//! pure function that tests can feed by hand.

use serde_json::Value;

use super::desired::{Tags, MANAGED_BY, TAG_MANAGED_BY, TAG_STACK};

/// Who owns an existing resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This stack.
    Us,
    /// Another svc stack.
    Stack(String),
    /// Not svc.
    Foreign,
}

/// The owner according to the tags.
pub fn owner(tags: &Tags, stack: &str) -> Owner {
    if tags.get(TAG_MANAGED_BY).map(String::as_str) != Some(MANAGED_BY) {
        return Owner::Foreign;
    }
    match tags.get(TAG_STACK) {
        Some(s) if s == stack => Owner::Us,
        Some(s) => Owner::Stack(s.clone()),
        None => Owner::Foreign,
    }
}

/// A Cloud Map namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct ONamespace {
    /// Id.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// Name (the DNS domain).
    pub name: String,
    /// `DNS_PRIVATE`, `DNS_PUBLIC` or `HTTP`.
    pub kind: String,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A Cloud Map service.
#[derive(Debug, Clone, PartialEq)]
pub struct ODiscovery {
    /// Id.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Namespace id.
    pub namespace_id: String,
    /// Record types and TTLs.
    pub records: Vec<(String, i64)>,
    /// Routing policy.
    pub routing: Option<String>,
    /// Whether a custom health check is configured.
    pub custom_health: bool,
    /// Registered instances (for status).
    pub instance_count: Option<i32>,
    /// Tags.
    pub tags: Tags,
}

/// An ECS cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct OCluster {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `ACTIVE`, `INACTIVE`, ...
    pub status: String,
    /// Container Insights enabled.
    pub container_insights: bool,
    /// Tags.
    pub tags: Tags,
}

/// A log group.
#[derive(Debug, Clone, PartialEq)]
pub struct OLogGroup {
    /// Name.
    pub name: String,
    /// ARN (without the `:*` DescribeLogGroups adds).
    pub arn: String,
    /// Retention.
    pub retention_days: Option<i32>,
    /// Tags.
    pub tags: Tags,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq)]
pub struct ORole {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Trust policy (decoded JSON).
    pub assume_policy: Value,
    /// Attached managed policies.
    pub managed_policies: Vec<String>,
    /// Inline policies (decoded JSON) by name.
    pub inline_policies: std::collections::BTreeMap<String, Value>,
    /// Tags.
    pub tags: Tags,
}

/// A task-definition revision.
#[derive(Debug, Clone, PartialEq)]
pub struct OTaskDef {
    /// ARN.
    pub arn: String,
    /// Family.
    pub family: String,
    /// Revision.
    pub revision: i32,
    /// Content as camelCase JSON (as AWS describes it).
    pub content: Value,
    /// Tags.
    pub tags: Tags,
}

/// A Cloud Map registration of an ECS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ORegistry {
    /// Discovery service ARN.
    pub arn: String,
    /// Container name (SRV).
    pub container_name: Option<String>,
    /// Container port (SRV).
    pub container_port: Option<i32>,
}

/// An ECS deployment (for status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ODeployment {
    /// `PRIMARY` or `ACTIVE`.
    pub status: String,
    /// Rollout state.
    pub rollout_state: Option<String>,
    /// Task definition.
    pub task_definition: String,
    /// Desired.
    pub desired: i32,
    /// Running.
    pub running: i32,
}

/// An ECS service.
#[derive(Debug, Clone, PartialEq)]
pub struct OService {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Cluster ARN.
    pub cluster_arn: String,
    /// `ACTIVE`, `DRAINING`, `INACTIVE`.
    pub status: String,
    /// Task definition ARN.
    pub task_definition: String,
    /// Desired count.
    pub desired_count: i32,
    /// Running count.
    pub running_count: i32,
    /// Pending count.
    pub pending_count: i32,
    /// Launch type.
    pub launch_type: Option<String>,
    /// Platform version.
    pub platform_version: Option<String>,
    /// Subnets, sorted.
    pub subnets: Vec<String>,
    /// Security groups, sorted.
    pub security_groups: Vec<String>,
    /// Public IP.
    pub public_ip: bool,
    /// Registrations.
    pub registries: Vec<ORegistry>,
    /// Deployments.
    pub deployments: Vec<ODeployment>,
    /// Tags.
    pub tags: Tags,
}

/// A security group rule (ingress or egress).
#[derive(Debug, Clone, PartialEq)]
pub struct OIngressRule {
    /// Rule id (`sgr-...`).
    pub id: String,
    /// The security group it belongs to.
    pub group: String,
    /// Whether it is an egress rule.
    pub is_egress: bool,
    /// The referenced security group, if the rule names one.
    pub source: Option<String>,
    /// `tcp`, `udp`, `-1`, ...
    pub protocol: String,
    /// From port.
    pub from_port: i32,
    /// To port.
    pub to_port: i32,
    /// Tags.
    pub tags: Tags,
}

impl OIngressRule {
    /// Whether this is the rule `d` asks for.
    pub fn admits(&self, d: &super::desired::DIngressRule) -> bool {
        !self.is_egress
            && self.group == d.group
            && self.source.as_deref() == Some(d.source.as_str())
            && self.protocol == d.protocol
            && self.from_port == d.port
            && self.to_port == d.port
    }

    /// How the rule is shown in plans (as [`super::desired::DIngressRule::label`]).
    pub fn label(&self) -> String {
        let port = if self.from_port == self.to_port {
            self.from_port.to_string()
        } else {
            format!("{}-{}", self.from_port, self.to_port)
        };
        format!(
            "{} ← {} {port}/{}",
            self.group,
            self.source.as_deref().unwrap_or("(no group)"),
            self.protocol
        )
    }
}

/// Everything observed that the plan looks at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    /// Namespaces (all, or at least those named in the desired state).
    pub namespaces: Vec<ONamespace>,
    /// Discovery services in those namespaces.
    pub discovery: Vec<ODiscovery>,
    /// Clusters (desired ones, and owned ones when scanning).
    pub clusters: Vec<OCluster>,
    /// Log groups.
    pub log_groups: Vec<OLogGroup>,
    /// Roles.
    pub roles: Vec<ORole>,
    /// Latest active revision per family of interest.
    pub task_defs: Vec<OTaskDef>,
    /// Other active revisions owned by the stack (deleted on destroy).
    pub old_task_defs: Vec<OTaskDef>,
    /// ECS services (active and draining).
    pub services: Vec<OService>,
    /// Security group rules of the callees' groups, and when scanning the
    /// rules tagged with the stack.
    pub ingress_rules: Vec<OIngressRule>,
}

/// The last path segment of an ARN (`.../name` → `name`).
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
