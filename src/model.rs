//! The checked, target-neutral model: what every emitter and `apply` read.
//!
//! Everything here has been resolved and validated: names exist, units are
//! converted (seconds, MiB, cpu units), defaults are filled in. Values that
//! are only known at deploy time are [`Text::Input`] references.

use std::collections::BTreeMap;

use serde::Serialize;

/// A checked project.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Model {
    /// Declared inputs, in source order.
    pub inputs: Vec<Input>,
    /// Private DNS namespaces.
    pub namespaces: Vec<Namespace>,
    /// ECS clusters svc creates.
    pub clusters: Vec<Cluster>,
    /// ECS services.
    pub services: Vec<Service>,
    /// The environment this model was built for (`--env`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl Model {
    /// The namespace declared as `name`.
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.name == name)
    }

    /// The cluster declared as `name`.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The input declared as `name`.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }
}

/// A string known now or given at deploy time.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Text {
    /// A literal.
    Literal(String),
    /// The value of the named input.
    Input(String),
}

/// A list of strings known now, or a list-typed input.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum TextList {
    /// Items written in the source.
    Items(Vec<Text>),
    /// The value of the named `list(string)` input.
    Input(String),
}

/// The type of an input.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    /// `string`
    String,
    /// `number`
    Number,
    /// `bool`
    Bool,
    /// `list(T)`
    List(Box<InputType>),
}

impl std::fmt::Display for InputType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputType::String => f.write_str("string"),
            InputType::Number => f.write_str("number"),
            InputType::Bool => f.write_str("bool"),
            InputType::List(t) => write!(f, "list({t})"),
        }
    }
}

/// A value that is supplied when the project is deployed (a Terraform
/// variable, or `--var` for `svc apply`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Input {
    /// The input's name.
    pub name: String,
    /// Its type.
    pub ty: InputType,
    /// What it is for.
    pub description: Option<String>,
    /// The value used when none is given.
    pub default: Option<serde_json::Value>,
}

/// A Cloud Map private DNS namespace.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Namespace {
    /// The declaration's name.
    pub name: String,
    /// The DNS domain, e.g. `internal.local`.
    pub domain: String,
    /// Free-text description.
    pub description: Option<String>,
    /// The VPC whose resolver answers for the namespace.
    pub vpc: Text,
    /// Resource tags.
    pub tags: BTreeMap<String, String>,
}

/// An ECS cluster created by svc.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cluster {
    /// The declaration's name.
    pub name: String,
    /// The ECS cluster name.
    pub cluster_name: String,
    /// Whether CloudWatch Container Insights is on.
    pub container_insights: bool,
    /// Resource tags.
    pub tags: BTreeMap<String, String>,
}

/// Which cluster a service runs in.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ClusterRef {
    /// A cluster declared in the project (by declaration name).
    Declared(String),
    /// An existing cluster, by name or ARN.
    Existing(Text),
}

/// How tasks are launched.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LaunchType {
    /// AWS Fargate.
    Fargate,
}

impl LaunchType {
    /// The AWS API spelling.
    pub fn as_aws(self) -> &'static str {
        match self {
            LaunchType::Fargate => "FARGATE",
        }
    }
}

/// An ECS service on Fargate with its task definition.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    /// The declaration's name; also the ECS service name.
    pub name: String,
    /// The task-definition family: the name, with `-ENV` in an environment.
    pub family: String,
    /// The cluster it runs in.
    pub cluster: ClusterRef,
    /// Desired task count.
    pub replicas: u32,
    /// Launch type.
    pub launch_type: LaunchType,
    /// Fargate platform version (`LATEST` when unset).
    pub platform_version: Option<String>,
    /// Task CPU in units (1024 = 1 vCPU).
    pub cpu: u32,
    /// Task memory in MiB.
    pub memory_mib: u32,
    /// Ephemeral storage in GiB (`None`: Fargate's default 20 GiB).
    pub storage_gib: Option<u32>,
    /// awsvpc network settings.
    pub network: Network,
    /// IAM role the containers assume, if any.
    pub task_role: Option<Text>,
    /// IAM role ECS uses to pull images and write logs.
    pub execution_role: ExecutionRole,
    /// The task's containers.
    pub containers: Vec<Container>,
    /// Cloud Map registration, if any.
    pub discovery: Option<Discovery>,
    /// Log groups svc creates for this service's containers.
    pub log_groups: Vec<LogGroup>,
    /// Resource tags.
    pub tags: BTreeMap<String, String>,
    /// The services this one calls (`calls = [...]`), in source order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<Call>,
}

/// The task execution role.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionRole {
    /// svc creates a role with the AWS managed execution policy.
    Create {
        /// The IAM role name.
        role_name: String,
    },
    /// An existing role, by ARN.
    Existing(Text),
}

/// awsvpc network configuration.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Network {
    /// Subnet ids.
    pub subnets: TextList,
    /// Security group ids.
    pub security_groups: TextList,
    /// Whether tasks get a public IP.
    pub public_ip: bool,
    /// How tasks without a public IP reach the internet or AWS APIs.
    pub egress: Option<Egress>,
}

/// A declared path out of the VPC for tasks without a public IP.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Egress {
    /// A NAT gateway route in the subnets.
    Nat,
    /// VPC endpoints for ECR, S3 and CloudWatch Logs.
    VpcEndpoints,
}

/// A container of a task.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Container {
    /// Container name, unique in the task.
    pub name: String,
    /// Image reference.
    pub image: Text,
    /// CPU units reserved for the container (ECS `cpu`).
    pub cpu: Option<u32>,
    /// Hard memory limit in MiB.
    pub memory_mib: Option<u32>,
    /// Soft memory reservation in MiB.
    pub memory_reservation_mib: Option<u32>,
    /// Whether the task stops when this container stops.
    pub essential: bool,
    /// Whether the root filesystem is read-only (the default).
    pub read_only_root: bool,
    /// Command override.
    pub command: Option<Vec<String>>,
    /// Port mappings.
    pub ports: Vec<PortMapping>,
    /// Environment variables, sorted by name.
    pub environment: BTreeMap<String, String>,
    /// Secrets by variable name: where ECS reads each value from.
    pub secrets: BTreeMap<String, String>,
    /// Log configuration.
    pub logs: Option<Logs>,
    /// Container health check.
    pub health: Option<HealthCheck>,
}

/// A container port.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct PortMapping {
    /// Port inside the container (equal to the host port under awsvpc).
    pub port: u16,
    /// Transport protocol.
    pub protocol: Protocol,
}

/// Transport protocol of a port.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// TCP
    Tcp,
    /// UDP
    Udp,
}

impl Protocol {
    /// The AWS API spelling.
    pub fn as_aws(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// awsvpc log configuration with the awslogs driver.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Logs {
    /// CloudWatch log group name.
    pub group: String,
    /// Region of the log group; `None` means the deploy region.
    pub region: Option<Text>,
    /// Stream prefix (required on Fargate).
    pub stream_prefix: String,
    /// Whether svc creates the group (see [`Service::log_groups`]).
    pub create_group: bool,
}

/// A CloudWatch log group created by svc.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LogGroup {
    /// Group name.
    pub name: String,
    /// Retention in days (`None`: never expire).
    pub retention_days: Option<u32>,
}

/// A container health check.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HealthCheck {
    /// What to run.
    pub command: HealthCommand,
    /// Seconds between checks.
    pub interval_s: u32,
    /// Seconds before a check counts as failed.
    pub timeout_s: u32,
    /// Failures before the container is unhealthy.
    pub retries: u32,
    /// Grace period in seconds before failures count.
    pub start_period_s: Option<u32>,
}

/// A health-check command.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum HealthCommand {
    /// Run through the container's shell (`CMD-SHELL`).
    Shell(String),
    /// Run directly (`CMD`), program and arguments.
    Exec(Vec<String>),
}

impl HealthCommand {
    /// The ECS `command` array.
    pub fn to_ecs(&self) -> Vec<String> {
        match self {
            HealthCommand::Shell(s) => vec!["CMD-SHELL".into(), s.clone()],
            HealthCommand::Exec(args) => std::iter::once("CMD".to_string())
                .chain(args.iter().cloned())
                .collect(),
        }
    }
}

/// Cloud Map registration of a service.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Discovery {
    /// The namespace's declaration name.
    pub namespace: String,
    /// The Cloud Map service name (first DNS label(s)).
    pub name: String,
    /// DNS record types.
    pub records: Vec<RecordType>,
    /// Record TTL in seconds.
    pub ttl_s: u32,
    /// How answers are chosen.
    pub routing: RoutingPolicy,
    /// Custom health check config (ECS reports task health to Cloud Map).
    pub custom_health_check: Option<CustomHealthCheck>,
    /// For SRV records: the container and port registered.
    pub srv_target: Option<(String, u16)>,
    /// Resource tags.
    pub tags: BTreeMap<String, String>,
}

/// Cloud Map custom health check configuration.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CustomHealthCheck {
    /// Failure threshold as written (AWS always uses 1).
    pub failure_threshold: Option<u32>,
}

/// A DNS record type.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    AAAA,
    /// Service record (port and host).
    SRV,
    /// Alias.
    CNAME,
}

impl RecordType {
    /// The AWS API spelling.
    pub fn as_aws(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::AAAA => "AAAA",
            RecordType::SRV => "SRV",
            RecordType::CNAME => "CNAME",
        }
    }
}

/// Cloud Map routing policy.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoutingPolicy {
    /// Up to eight healthy records per answer.
    Multivalue,
    /// One random healthy record per answer.
    Weighted,
}

impl RoutingPolicy {
    /// The AWS API spelling.
    pub fn as_aws(self) -> &'static str {
        match self {
            RoutingPolicy::Multivalue => "MULTIVALUE",
            RoutingPolicy::Weighted => "WEIGHTED",
        }
    }
}

impl Service {
    /// The task-definition family.
    pub fn family(&self) -> &str {
        &self.family
    }
}

impl Discovery {
    /// The DNS name callers resolve, e.g. `service-b.internal.local`.
    pub fn dns_name(&self, model: &Model) -> String {
        let domain = model
            .namespace(&self.namespace)
            .map(|n| n.domain.as_str())
            .unwrap_or_default();
        format!("{}.{}", self.name, domain)
    }
}

/// Where a container secret lives, parsed from its `valueFrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A Secrets Manager secret: its ARN up to the secret name.
    SecretsManager {
        /// `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`.
        secret_arn: String,
    },
    /// An SSM parameter given by ARN.
    SsmArn(String),
    /// An SSM parameter in the task's region and account, by name.
    SsmName(String),
}

impl SecretRef {
    /// Parses a `valueFrom`, explaining what is wrong when it is not a form
    /// ECS accepts.
    pub fn parse(value: &str) -> Result<SecretRef, String> {
        if let Some(rest) = value.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.split(':').collect();
            // PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE...
            if parts.len() < 5 || !parts[0].starts_with("aws") {
                return Err("not a complete ARN".into());
            }
            let (service, region, account) = (parts[1], parts[2], parts[3]);
            if service != "secretsmanager" && service != "ssm" {
                return Err(format!(
                    "secrets come from secretsmanager or ssm, not `{service}`"
                ));
            }
            if region.is_empty() {
                return Err("the ARN has no region".into());
            }
            if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                return Err("the ARN's account id is not 12 digits".into());
            }
            return match service {
                "secretsmanager" => {
                    // secret:NAME[:json-key[:stage[:version-id]]]
                    if parts[4] != "secret" || parts.len() < 6 || parts[5].is_empty() {
                        return Err("a Secrets Manager ARN ends in `:secret:NAME`".into());
                    }
                    if parts.len() > 9 {
                        return Err("too many `:` parts after the secret name (json-key:stage:version-id at most)".into());
                    }
                    Ok(SecretRef::SecretsManager {
                        secret_arn: format!("arn:{}", parts[..6].join(":")),
                    })
                }
                _ => {
                    let resource = parts[4..].join(":");
                    match resource.strip_prefix("parameter") {
                        Some(name) if name.starts_with('/') && name.len() > 1 => {
                            Ok(SecretRef::SsmArn(value.to_string()))
                        }
                        _ => Err("an SSM ARN ends in `:parameter/NAME`".into()),
                    }
                }
            };
        }
        let valid = !value.is_empty()
            && value.len() <= 2048
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
        if valid {
            Ok(SecretRef::SsmName(value.to_string()))
        } else {
            Err("neither an ARN nor an SSM parameter name (letters, digits, `_.-/`)".into())
        }
    }
}

/// The AWS managed policy attached to every execution role svc creates.
pub const EXECUTION_POLICY_ARN: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/// The name of the inline policy that lets a created execution role read
/// the service's secrets.
pub const SECRETS_POLICY_NAME: &str = "read-secrets";

/// The trust policy of an execution role svc creates: ECS tasks assume it.
pub fn execution_assume_role_policy() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// An SSM parameter a created execution role may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsmGrant {
    /// A full parameter ARN.
    Arn(String),
    /// A parameter in the deploy region and account, by path (starting
    /// with `/`); its ARN is `arn:PARTITION:ssm:REGION:ACCOUNT:parameterPATH`.
    Path(String),
}

/// What a created execution role may read: exactly the secrets the
/// service's containers use, without duplicates, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretGrants {
    /// SSM parameters (`ssm:GetParameters`).
    pub ssm: Vec<SsmGrant>,
    /// Secrets Manager resources (`secretsmanager:GetSecretValue`), with a
    /// trailing `*` because the ARN may omit the suffix AWS appends.
    pub secretsmanager: Vec<String>,
}

impl SecretGrants {
    /// Whether the role needs no secrets policy at all.
    pub fn is_empty(&self) -> bool {
        self.ssm.is_empty() && self.secretsmanager.is_empty()
    }

    /// The policy document, with SSM paths turned into ARNs of the given
    /// partition, region and account. `None` when nothing is read.
    pub fn policy(
        &self,
        partition: &str,
        region: &str,
        account: &str,
    ) -> Option<serde_json::Value> {
        if self.is_empty() {
            return None;
        }
        let mut statements = Vec::new();
        if !self.ssm.is_empty() {
            let resources: Vec<String> = self
                .ssm
                .iter()
                .map(|g| match g {
                    SsmGrant::Arn(arn) => arn.clone(),
                    SsmGrant::Path(path) => {
                        format!("arn:{partition}:ssm:{region}:{account}:parameter{path}")
                    }
                })
                .collect();
            statements.push(serde_json::json!({
                "Effect": "Allow",
                "Action": ["ssm:GetParameters"],
                "Resource": resources,
            }));
        }
        if !self.secretsmanager.is_empty() {
            statements.push(serde_json::json!({
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": self.secretsmanager,
            }));
        }
        Some(serde_json::json!({ "Version": "2012-10-17", "Statement": statements }))
    }
}

impl Service {
    /// The secrets a created execution role must be able to read.
    pub fn secret_grants(&self) -> SecretGrants {
        let mut grants = SecretGrants::default();
        for value in self.containers.iter().flat_map(|c| c.secrets.values()) {
            match SecretRef::parse(value) {
                Ok(SecretRef::SsmArn(arn)) => push_unique(&mut grants.ssm, SsmGrant::Arn(arn)),
                Ok(SecretRef::SsmName(name)) => {
                    let path = if name.starts_with('/') {
                        name
                    } else {
                        format!("/{name}")
                    };
                    push_unique(&mut grants.ssm, SsmGrant::Path(path))
                }
                Ok(SecretRef::SecretsManager { secret_arn }) => {
                    push_unique(&mut grants.secretsmanager, format!("{secret_arn}*"))
                }
                Err(_) => {}
            }
        }
        grants
    }
}

fn push_unique<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}

/// A call from one service to another (`calls = [service_b]`): the caller's
/// containers get the callee's address in an environment variable, and the
/// callee's security groups admit the caller's on the callee's port.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Call {
    /// The callee's declaration name.
    pub service: String,
    /// The DNS name the caller resolves: discovery name, `.`, namespace domain.
    pub host: String,
    /// The callee's container port.
    pub port: u16,
    /// Its protocol.
    pub protocol: Protocol,
    /// The environment variable every container of the caller gets,
    /// `<CALLEE>_ADDR` (see [`address_env_var`]).
    pub env_var: String,
    /// The callee's security groups: each gets an ingress rule from each
    /// group of `from_groups`.
    pub to_groups: TextList,
    /// The caller's security groups. Kept as lists because a list input is
    /// only known at deploy time; [`Call::group_pairs`] expands them.
    pub from_groups: TextList,
}

impl Call {
    /// The value of [`Call::env_var`]: `host:port`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The description of the ingress rules, e.g.
    /// `svc: web calls api on 80/tcp`.
    pub fn rule_description(&self, caller: &str) -> String {
        format!(
            "svc: {caller} calls {} on {}/{}",
            self.service,
            self.port,
            self.protocol.as_aws()
        )
    }

    /// Every (callee group, caller group) pair, when both lists are
    /// written in the file (`None` when one is a list input).
    pub fn group_pairs(&self) -> Option<Vec<(Text, Text)>> {
        let (TextList::Items(to), TextList::Items(from)) = (&self.to_groups, &self.from_groups)
        else {
            return None;
        };
        Some(
            to.iter()
                .flat_map(|t| from.iter().map(move |f| (t.clone(), f.clone())))
                .collect(),
        )
    }
}

/// The environment variable that carries a callee's address: its
/// declaration name upper-cased, other characters than letters and digits
/// as `_`, and `_ADDR` (`service-b` → `SERVICE_B_ADDR`).
pub fn address_env_var(service: &str) -> String {
    let name: String = service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}_ADDR")
}
