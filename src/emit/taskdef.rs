//! The ECS task definition as data: a `RegisterTaskDefinition` input built
//! from a [`Service`]. Values only known at deploy time are [`Str::Ref`]s;
//! the JSON emitter resolves them (or writes `${NAME}` placeholders), the
//! Terraform emitter turns them into references.

use serde::{Deserialize, Serialize};

use crate::model::{Container, ExecutionRole, HealthCheck, Model, Service, Text};

use super::DeployValues;

/// A value known at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "ref", content = "name")]
pub enum Ref {
    /// The named input.
    Input(String),
    /// The region the project is deployed to.
    Region,
    /// The ARN of the execution role svc creates for the named service.
    ExecutionRole(String),
    /// The name of a log group svc creates.
    LogGroup(String),
}

/// A string leaf of the task definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Str {
    /// Known now.
    Lit(String),
    /// Known at deploy time.
    Ref(Ref),
}

/// Marks a [`Ref`] inside serialised JSON, so emitters can find and replace
/// it after serde has done the structure.
const MARKER: &str = "\u{0}svc-ref:";

impl Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Str::Lit(v) => s.serialize_str(v),
            Str::Ref(r) => {
                let encoded = serde_json::to_string(r).map_err(serde::ser::Error::custom)?;
                s.serialize_str(&format!("{MARKER}{encoded}"))
            }
        }
    }
}

impl From<&Text> for Str {
    fn from(t: &Text) -> Self {
        match t {
            Text::Literal(s) => Str::Lit(s.clone()),
            Text::Input(name) => Str::Ref(Ref::Input(name.clone())),
        }
    }
}

/// Decodes a marker string back into its [`Ref`].
pub fn decode_ref(s: &str) -> Option<Ref> {
    serde_json::from_str(s.strip_prefix(MARKER)?).ok()
}

/// `RegisterTaskDefinition` input.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    /// Family name.
    pub family: String,
    /// Role the containers assume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<Str>,
    /// Role ECS uses to pull images and ship logs.
    pub execution_role_arn: Str,
    /// Always `awsvpc` on Fargate.
    pub network_mode: &'static str,
    /// The containers.
    pub container_definitions: Vec<ContainerDefinition>,
    /// `["FARGATE"]`.
    pub requires_compatibilities: Vec<&'static str>,
    /// Task cpu units as a string.
    pub cpu: String,
    /// Task memory in MiB as a string.
    pub memory: String,
    /// Ephemeral storage beyond the default 20 GiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// Fargate ephemeral storage.
#[derive(Debug, Clone, Serialize)]
pub struct EphemeralStorage {
    /// Size in GiB (21 to 200).
    #[serde(rename = "sizeInGiB")]
    pub size_in_gib: u32,
}

/// An ECS tag.
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The container-definition keys svc writes (the fields of
/// [`ContainerDefinition`] in their JSON spelling). `apply` compares and
/// sends exactly these.
pub const CONTAINER_KEYS: &[&str] = &[
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "essential",
    "readonlyRootFilesystem",
    "command",
    "portMappings",
    "environment",
    "secrets",
    "logConfiguration",
    "healthCheck",
];

/// One container definition.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    /// Name.
    pub name: String,
    /// Image.
    pub image: Str,
    /// Reserved cpu units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    /// Hard memory limit (MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Soft memory reservation (MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// Essential.
    pub essential: bool,
    /// Read-only root filesystem; written only when on (ECS's default is
    /// off, and reads an absent value back as absent).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub readonly_root_filesystem: bool,
    /// Command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Ports.
    pub port_mappings: Vec<PortMapping>,
    /// Environment.
    pub environment: Vec<KeyValue>,
    /// Secrets read by ECS at start.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Secret>,
    /// Logging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    /// Health check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckDefinition>,
}

/// A port mapping.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// Container port.
    pub container_port: u16,
    /// Host port (equal under awsvpc).
    pub host_port: u16,
    /// `tcp` or `udp`.
    pub protocol: &'static str,
}

/// An environment variable.
#[derive(Debug, Clone, Serialize)]
pub struct KeyValue {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A container secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// Variable name.
    pub name: String,
    /// ARN or SSM parameter name.
    pub value_from: String,
}

/// Log configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogConfiguration {
    /// `awslogs`.
    pub log_driver: &'static str,
    /// Driver options.
    pub options: LogOptions,
}

/// awslogs options.
#[derive(Debug, Clone, Serialize)]
pub struct LogOptions {
    /// Group.
    #[serde(rename = "awslogs-group")]
    pub group: Str,
    /// Region.
    #[serde(rename = "awslogs-region")]
    pub region: Str,
    /// Stream prefix.
    #[serde(rename = "awslogs-stream-prefix")]
    pub stream_prefix: String,
}

/// Container health check.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckDefinition {
    /// `["CMD-SHELL", ...]` or `["CMD", ...]`.
    pub command: Vec<String>,
    /// Seconds.
    pub interval: u32,
    /// Seconds.
    pub timeout: u32,
    /// Count.
    pub retries: u32,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<u32>,
}

impl From<&HealthCheck> for HealthCheckDefinition {
    fn from(h: &HealthCheck) -> Self {
        HealthCheckDefinition {
            command: h.command.to_ecs(),
            interval: h.interval_s,
            timeout: h.timeout_s,
            retries: h.retries,
            start_period: h.start_period_s,
        }
    }
}

/// A container's variables, sorted by name: its own, and the address of
/// every service the service calls (`SERVICE_B_ADDR`, see [`crate::model::Call`]).
fn environment(service: &Service, container: &Container) -> Vec<KeyValue> {
    let calls = service
        .calls
        .iter()
        .map(|c| (c.env_var.clone(), c.address()));
    let own = container
        .environment
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()));
    let all: std::collections::BTreeMap<String, String> = own.chain(calls).collect();
    all.into_iter()
        .map(|(name, value)| KeyValue { name, value })
        .collect()
}

/// Builds the task definition of a service.
pub fn task_definition(service: &Service) -> TaskDefinition {
    let created_groups: Vec<&str> = service.log_groups.iter().map(|g| g.name.as_str()).collect();
    let containers = service
        .containers
        .iter()
        .map(|c| ContainerDefinition {
            name: c.name.clone(),
            image: (&c.image).into(),
            cpu: c.cpu,
            memory: c.memory_mib,
            memory_reservation: c.memory_reservation_mib,
            essential: c.essential,
            readonly_root_filesystem: c.read_only_root,
            command: c.command.clone(),
            port_mappings: c
                .ports
                .iter()
                .map(|p| PortMapping {
                    container_port: p.port,
                    host_port: p.port,
                    protocol: p.protocol.as_aws(),
                })
                .collect(),
            environment: environment(service, c),
            secrets: c
                .secrets
                .iter()
                .map(|(k, v)| Secret {
                    name: k.clone(),
                    value_from: v.clone(),
                })
                .collect(),
            log_configuration: c.logs.as_ref().map(|l| LogConfiguration {
                log_driver: "awslogs",
                options: LogOptions {
                    group: if l.create_group && created_groups.contains(&l.group.as_str()) {
                        Str::Ref(Ref::LogGroup(l.group.clone()))
                    } else {
                        Str::Lit(l.group.clone())
                    },
                    region: l.region.as_ref().map_or(Str::Ref(Ref::Region), Str::from),
                    stream_prefix: l.stream_prefix.clone(),
                },
            }),
            health_check: c.health.as_ref().map(HealthCheckDefinition::from),
        })
        .collect();
    TaskDefinition {
        family: service.family().to_string(),
        task_role_arn: service.task_role.as_ref().map(Str::from),
        execution_role_arn: match &service.execution_role {
            ExecutionRole::Create { .. } => Str::Ref(Ref::ExecutionRole(service.name.clone())),
            ExecutionRole::Existing(t) => t.into(),
        },
        network_mode: "awsvpc",
        container_definitions: containers,
        requires_compatibilities: vec![service.launch_type.as_aws()],
        cpu: service.cpu.to_string(),
        memory: service.memory_mib.to_string(),
        ephemeral_storage: service
            .storage_gib
            .map(|size_in_gib| EphemeralStorage { size_in_gib }),
        tags: service
            .tags
            .iter()
            .map(|(k, v)| Tag {
                key: k.clone(),
                value: v.clone(),
            })
            .collect(),
    }
}

/// Replaces every marker in `value` with what `resolve` returns for it.
pub fn replace_refs(
    value: serde_json::Value,
    resolve: &mut dyn FnMut(Ref) -> serde_json::Value,
) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => match decode_ref(&s) {
            Some(r) => resolve(r),
            None => Value::String(s),
        },
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| replace_refs(v, resolve))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, replace_refs(v, resolve)))
                .collect(),
        ),
        other => other,
    }
}

/// The task-definition JSON of a service, with deploy-time values resolved
/// from `values` where known and `${NAME}` placeholders elsewhere. Returns
/// the JSON and the placeholders used.
pub fn to_json(model: &Model, service: &Service, values: &DeployValues) -> (String, Vec<String>) {
    let def = task_definition(service);
    let raw = serde_json::to_value(&def).expect("task definitions serialise");
    let mut placeholders: Vec<String> = Vec::new();
    let mut placeholder = |name: String| {
        let p = format!("${{{name}}}");
        if !placeholders.contains(&name) {
            placeholders.push(name);
        }
        p
    };
    let resolved = replace_refs(raw, &mut |r| {
        let s = match r {
            Ref::Input(name) => match values
                .vars
                .get(&name)
                .or_else(|| model.input(&name).and_then(|i| i.default.as_ref()))
            {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => placeholder(name),
            },
            Ref::Region => values
                .region
                .clone()
                .unwrap_or_else(|| placeholder("AWS_REGION".into())),
            Ref::ExecutionRole(svc) => {
                // The role is this service's own (a search of every service
                // per service would make compiling quadratic).
                let owner = if service.name == svc {
                    Some(service)
                } else {
                    model.services.iter().find(|s| s.name == svc)
                };
                let role = owner
                    .and_then(|s| match &s.execution_role {
                        ExecutionRole::Create { role_name } => Some(role_name.clone()),
                        ExecutionRole::Existing(_) => None,
                    })
                    .unwrap_or_default();
                let account = values
                    .account_id
                    .clone()
                    .unwrap_or_else(|| placeholder("AWS_ACCOUNT_ID".into()));
                format!("arn:aws:iam::{account}:role/{role}")
            }
            Ref::LogGroup(name) => name,
        };
        serde_json::Value::String(s)
    });
    let mut text = serde_json::to_string_pretty(&resolved).expect("JSON values serialise");
    text.push('\n');
    (text, placeholders)
}
