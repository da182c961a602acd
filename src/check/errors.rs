//! One type per semantic diagnostic, each with a stable code.
//! `docs/diagnostics/` has a longer explanation for every code.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A declaration kind svc does not know (`servce x { }`).
#[derive(Debug, Error, Diagnostic)]
#[error("unknown declaration `{kind}`")]
#[diagnostic(code(svc::decl::unknown_kind))]
pub struct UnknownDeclKind {
    /// The kind.
    #[label("not a declaration kind")]
    pub span: SourceSpan,
    /// The kind as written.
    pub kind: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// Two declarations (or containers) with the same name.
#[derive(Debug, Error, Diagnostic)]
#[error("{what} `{name}` is declared twice")]
#[diagnostic(
    code(svc::name::duplicate),
    help("names must be unique; rename one of them")
)]
pub struct DuplicateName {
    /// The second declaration.
    #[label("declared again here")]
    pub span: SourceSpan,
    /// The first declaration.
    #[label("first declared here")]
    pub first: SourceSpan,
    /// What kind of thing.
    pub what: String,
    /// The name.
    pub name: String,
}

/// A key that the block does not accept.
#[derive(Debug, Error, Diagnostic)]
#[error("unknown setting `{key}` in {context}")]
#[diagnostic(code(svc::field::unknown))]
pub struct UnknownField {
    /// The key.
    #[label("not a setting of {context}")]
    pub span: SourceSpan,
    /// The key as written.
    pub key: String,
    /// Where it was written (`service service_b`).
    pub context: String,
    /// Suggestion or list of valid keys.
    #[help]
    pub help: String,
}

/// A key given twice.
#[derive(Debug, Error, Diagnostic)]
#[error("`{key}` is set twice")]
#[diagnostic(code(svc::field::duplicate), help("remove one of the two"))]
pub struct DuplicateField {
    /// The second occurrence.
    #[label("set again here")]
    pub span: SourceSpan,
    /// The first occurrence.
    #[label("first set here")]
    pub first: SourceSpan,
    /// The key.
    pub key: String,
}

/// A required setting that is not there.
#[derive(Debug, Error, Diagnostic)]
#[error("{context} is missing `{key}`")]
#[diagnostic(code(svc::field::missing))]
pub struct MissingField {
    /// The block that should hold it.
    #[label("`{key}` is required here")]
    pub span: SourceSpan,
    /// The missing key.
    pub key: String,
    /// The block (`service service_b`).
    pub context: String,
    /// An example of what to add.
    #[help]
    pub help: String,
}

/// A value of the wrong kind.
#[derive(Debug, Error, Diagnostic)]
#[error("expected {expected}, found {found}")]
#[diagnostic(code(svc::value::mismatch))]
pub struct TypeMismatch {
    /// The value.
    #[label("expected {expected}")]
    pub span: SourceSpan,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// How to write it.
    #[help]
    pub help: String,
}

/// A quantity with a unit that does not fit (or does not exist).
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(svc::value::unit))]
pub struct UnitMismatch {
    /// The value.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The message.
    pub message: String,
    /// The label.
    pub label: String,
    /// The valid units.
    #[help]
    pub help: String,
}

/// A bare word that is not one of the allowed values.
#[derive(Debug, Error, Diagnostic)]
#[error("`{value}` is not a valid {what}")]
#[diagnostic(code(svc::value::unknown))]
pub struct UnknownEnumValue {
    /// The value.
    #[label("expected one of {allowed}")]
    pub span: SourceSpan,
    /// The value as written.
    pub value: String,
    /// What it should be.
    pub what: String,
    /// The allowed values.
    pub allowed: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// A reference to a name that is not declared.
#[derive(Debug, Error, Diagnostic)]
#[error("unknown {what} `{name}`")]
#[diagnostic(code(svc::name::unresolved))]
pub struct UnresolvedName {
    /// The reference.
    #[label("no {what} is declared with this name")]
    pub span: SourceSpan,
    /// What kind of thing was looked for.
    pub what: String,
    /// The name.
    pub name: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// A reference to a declaration of the wrong kind.
#[derive(Debug, Error, Diagnostic)]
#[error("`{name}` is a {actual}, not a {expected}")]
#[diagnostic(code(svc::name::wrong_kind))]
pub struct WrongKind {
    /// The reference.
    #[label("expected a {expected}")]
    pub span: SourceSpan,
    /// The declaration referred to.
    #[label("`{name}` is declared here")]
    pub decl: SourceSpan,
    /// The name.
    pub name: String,
    /// Its kind.
    pub actual: String,
    /// The kind needed.
    pub expected: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// An input used where its type does not fit.
#[derive(Debug, Error, Diagnostic)]
#[error("input `{name}` is a {actual}, but {expected} is needed here")]
#[diagnostic(code(svc::input::type_mismatch))]
pub struct InputTypeMismatch {
    /// The use.
    #[label("needs {expected}")]
    pub span: SourceSpan,
    /// The input's declaration.
    #[label("declared as {actual} here")]
    pub decl: SourceSpan,
    /// The input's name.
    pub name: String,
    /// Its declared type.
    pub actual: String,
    /// What is needed.
    pub expected: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A number outside the range a setting accepts.
#[derive(Debug, Error, Diagnostic)]
#[error("{what} must be {range}, found {found}")]
#[diagnostic(code(svc::value::range))]
pub struct OutOfRange {
    /// The value.
    #[label("out of range")]
    pub span: SourceSpan,
    /// The setting.
    pub what: String,
    /// The allowed range in words.
    pub range: String,
    /// The value found.
    pub found: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A string that is not valid for its setting (a name with characters AWS
/// rejects, an empty image).
#[derive(Debug, Error, Diagnostic)]
#[error("invalid {what}: {reason}")]
#[diagnostic(code(svc::value::format))]
pub struct InvalidFormat {
    /// The value.
    #[label("{reason}")]
    pub span: SourceSpan,
    /// The setting.
    pub what: String,
    /// What is wrong.
    pub reason: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A Fargate cpu/memory pair that Fargate does not offer.
#[derive(Debug, Error, Diagnostic)]
#[error("Fargate has no task size with cpu {cpu} and memory {memory}")]
#[diagnostic(code(svc::fargate::size))]
pub struct FargateSize {
    /// The cpu value.
    #[label("cpu {cpu}")]
    pub cpu_span: SourceSpan,
    /// The memory value.
    #[label("memory {memory}")]
    pub memory_span: SourceSpan,
    /// cpu as written (normalised).
    pub cpu: String,
    /// memory as written (normalised).
    pub memory: String,
    /// The valid combinations near this one.
    #[help]
    pub help: String,
}

/// A container health-check value outside what ECS accepts.
#[derive(Debug, Error, Diagnostic)]
#[error("health-check {field} must be {range}, found {found}")]
#[diagnostic(code(svc::health::range))]
pub struct HealthRange {
    /// The value.
    #[label("out of range")]
    pub span: SourceSpan,
    /// `interval`, `timeout`, `retries` or `start_period`.
    pub field: String,
    /// The allowed range.
    pub range: String,
    /// The value found.
    pub found: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// A health check with both or neither of `shell` and `exec`.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(
    code(svc::health::command),
    help("write either `shell = \"curl -f http://localhost/ || exit 1\"` (run by the container's shell) or `exec = [\"curl\", \"-f\", \"http://localhost/\"]` (run directly)")
)]
pub struct HealthCommand {
    /// The health block.
    #[label("{label}")]
    pub span: SourceSpan,
    /// What is wrong.
    pub message: String,
    /// Label text.
    pub label: String,
}

/// A log retention that CloudWatch Logs does not offer.
#[derive(Debug, Error, Diagnostic)]
#[error("CloudWatch Logs cannot keep logs for {period}")]
#[diagnostic(code(svc::logs::retention))]
pub struct LogRetention {
    /// The value.
    #[label("not a CloudWatch retention period")]
    pub span: SourceSpan,
    /// The period in words.
    pub period: String,
    /// The nearest valid values.
    #[help]
    pub help: String,
}

/// A set of DNS record types Cloud Map rejects, or SRV without a port.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(svc::discovery::records))]
pub struct DiscoveryRecords {
    /// The records value.
    #[label("{label}")]
    pub span: SourceSpan,
    /// What is wrong.
    pub message: String,
    /// Label text.
    pub label: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// 8 and 16 vCPU tasks on a platform version that does not offer them.
#[derive(Debug, Error, Diagnostic)]
#[error("Fargate platform {version} has no {cpu}-unit tasks")]
#[diagnostic(
    code(svc::fargate::platform),
    help("8 and 16 vCPU tasks need platform version 1.4.0 or later: use `platform_version = \"1.4.0\"` or \"LATEST\"")
)]
pub struct FargatePlatform {
    /// The platform version.
    #[label("platform {version}")]
    pub version_span: SourceSpan,
    /// The cpu value.
    #[label("{cpu} cpu units")]
    pub cpu_span: SourceSpan,
    /// The version.
    pub version: String,
    /// The cpu units.
    pub cpu: u64,
}

/// A role given as something other than an IAM role ARN.
#[derive(Debug, Error, Diagnostic)]
#[error("`{value}` is not an IAM role ARN")]
#[diagnostic(code(svc::iam::role_arn))]
pub struct RoleArn {
    /// The value.
    #[label("expected arn:aws:iam::ACCOUNT:role/NAME")]
    pub span: SourceSpan,
    /// The value as written.
    pub value: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// A task in which no container is essential.
#[derive(Debug, Error, Diagnostic)]
#[error("service {service} has no essential container")]
#[diagnostic(
    code(svc::container::essential),
    help("ECS needs at least one essential container per task; remove `essential = false` from the main container")
)]
pub struct NoEssentialContainer {
    /// The service name.
    #[label("every container here has `essential = false`")]
    pub span: SourceSpan,
    /// The service.
    pub service: String,
}

/// A container whose memory reservation is not below its hard limit.
#[derive(Debug, Error, Diagnostic)]
#[error("memory_reservation ({reservation}) must be less than memory ({memory})")]
#[diagnostic(
    code(svc::container::memory),
    help("the reservation is the soft limit and must stay below the hard limit; lower it or raise `memory`")
)]
pub struct ContainerMemory {
    /// The reservation.
    #[label("soft limit")]
    pub reservation_span: SourceSpan,
    /// The hard limit.
    #[label("hard limit")]
    pub memory_span: SourceSpan,
    /// Reservation as written.
    pub reservation: String,
    /// Limit as written.
    pub memory: String,
}

/// Containers that ask for more cpu or memory than the task has.
#[derive(Debug, Error, Diagnostic)]
#[error("the containers of {service} need {needed} {what}, but the task has {available}")]
#[diagnostic(code(svc::container::resources))]
pub struct ContainerResources {
    /// The task size.
    #[label("the task has {available}")]
    pub task_span: SourceSpan,
    /// The largest container request.
    #[label("this container alone asks for {largest}")]
    pub container_span: SourceSpan,
    /// The service.
    pub service: String,
    /// `cpu` or `memory`.
    pub what: String,
    /// Sum of the containers.
    pub needed: String,
    /// Task value.
    pub available: String,
    /// The largest single request.
    pub largest: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// The same port mapped by two containers of one task.
#[derive(Debug, Error, Diagnostic)]
#[error("port {port} is used by two containers of the task")]
#[diagnostic(
    code(svc::container::port_conflict),
    help("under awsvpc all containers of a task share one network interface; give each container its own port")
)]
pub struct PortConflict {
    /// The second use.
    #[label("used again here")]
    pub span: SourceSpan,
    /// The first use.
    #[label("first used here")]
    pub first: SourceSpan,
    /// The port.
    pub port: String,
}

/// A health-check timeout that is not shorter than its interval.
#[derive(Debug, Error, Diagnostic)]
#[error("health-check timeout ({timeout}s) is not shorter than the interval ({interval}s)")]
#[diagnostic(
    code(svc::health::timeout),
    severity(Warning),
    help("a check that may run as long as the interval overlaps the next one; make the timeout shorter than the interval")
)]
pub struct HealthTimeout {
    /// The timeout (or the block, when it is the default).
    #[label("timeout {timeout}s")]
    pub timeout_span: SourceSpan,
    /// The interval.
    #[label("interval {interval}s")]
    pub interval_span: SourceSpan,
    /// Seconds.
    pub timeout: u32,
    /// Seconds.
    pub interval: u32,
}

/// No public IP and no declared way out to pull images.
#[derive(Debug, Error, Diagnostic)]
#[error("tasks get no public IP and no egress path is declared")]
#[diagnostic(
    code(svc::network::egress),
    severity(Warning),
    help("without a NAT gateway or VPC endpoints the tasks cannot pull images or write logs; say which you have with `egress = nat` or `egress = vpc_endpoints`, or set `public_ip = true`")
)]
pub struct NoEgress {
    /// The network block.
    #[label("public_ip is off here")]
    pub span: SourceSpan,
}

/// MULTIVALUE answers with at most 8 records.
#[derive(Debug, Error, Diagnostic)]
#[error("{replicas} tasks, but a MULTIVALUE answer holds at most 8 records")]
#[diagnostic(
    code(svc::discovery::multivalue_limit),
    severity(Warning),
    help("callers see at most 8 of the {replicas} tasks per DNS answer; that is fine for load spreading, but not when each caller must reach every task")
)]
pub struct MultivalueLimit {
    /// The replicas value.
    #[label("{replicas} replicas")]
    pub span: SourceSpan,
    /// Replica count.
    pub replicas: u32,
}

/// A discovery service without the custom health check config.
#[derive(Debug, Error, Diagnostic)]
#[error("without a custom health check, unhealthy tasks stay in DNS answers")]
#[diagnostic(
    code(svc::discovery::health_check),
    severity(Warning),
    help("remove `health_check = none`: the custom health check is how ECS tells Cloud Map which tasks are healthy")
)]
pub struct NoCustomHealthCheck {
    /// The setting.
    #[label("health check turned off")]
    pub span: SourceSpan,
}

/// A log group svc does not create.
#[derive(Debug, Error, Diagnostic)]
#[error("log group `{group}` is not created by svc")]
#[diagnostic(
    code(svc::logs::external_group),
    severity(Warning),
    help("tasks fail to start when the group does not exist; remove `create = false`, or add \"svc::logs::external_group\" to the service's `allow` list if it is managed elsewhere")
)]
pub struct ExternalLogGroup {
    /// The setting.
    #[label("`create = false`")]
    pub span: SourceSpan,
    /// The group.
    pub group: String,
}

/// A routing policy the record types do not allow.
#[derive(Debug, Error, Diagnostic)]
#[error("CNAME records need routing = weighted")]
#[diagnostic(
    code(svc::discovery::routing),
    help("Cloud Map answers CNAME records one at a time; write `routing = weighted`")
)]
pub struct DiscoveryRouting {
    /// The routing value (or the block).
    #[label("multivalue routing")]
    pub span: SourceSpan,
    /// The records.
    #[label("CNAME records")]
    pub records: SourceSpan,
}

/// A failure threshold other than 1.
#[derive(Debug, Error, Diagnostic)]
#[error("failure_threshold {value} is not honoured: Cloud Map always uses 1")]
#[diagnostic(
    code(svc::discovery::failure_threshold),
    help("remove `failure_threshold` or set it to 1; ECS reports a task unhealthy as soon as its container health check fails")
)]
pub struct FailureThreshold {
    /// The value.
    #[label("must be 1")]
    pub span: SourceSpan,
    /// The value.
    pub value: u64,
}

/// More tasks than Cloud Map registers per service.
#[derive(Debug, Error, Diagnostic)]
#[error("{replicas} tasks, but a Cloud Map service holds at most 1,000 instances")]
#[diagnostic(
    code(svc::discovery::instances),
    help("ECS services with service discovery run at most 1,000 tasks; split the service")
)]
pub struct DiscoveryInstances {
    /// The replicas value.
    #[label("{replicas} replicas")]
    pub span: SourceSpan,
    /// Replica count.
    pub replicas: u32,
}

/// Two discovery names that collide in DNS.
#[derive(Debug, Error, Diagnostic)]
#[error("discovery name `{name}` is used twice in namespace {namespace}")]
#[diagnostic(
    code(svc::discovery::name_conflict),
    help("DNS names are case-insensitive, so both would answer for the same name; rename one")
)]
pub struct DiscoveryNameConflict {
    /// The second service's name setting or block.
    #[label("used again here")]
    pub span: SourceSpan,
    /// The first.
    #[label("first used here")]
    pub first: SourceSpan,
    /// The name.
    pub name: String,
    /// The namespace.
    pub namespace: String,
}

/// Tags AWS rejects.
#[derive(Debug, Error, Diagnostic)]
#[error("invalid tag: {reason}")]
#[diagnostic(code(svc::tags::invalid))]
pub struct InvalidTag {
    /// The tag.
    #[label("{reason}")]
    pub span: SourceSpan,
    /// What is wrong.
    pub reason: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// A secret reference ECS cannot resolve.
#[derive(Debug, Error, Diagnostic)]
#[error("invalid secret reference: {reason}")]
#[diagnostic(
    code(svc::secrets::value_from),
    help("use a Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, optionally :json-key:stage:version-id), an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME) or the name of an SSM parameter in the same region")
)]
pub struct SecretValueFrom {
    /// The value.
    #[label("{reason}")]
    pub span: SourceSpan,
    /// What is wrong.
    pub reason: String,
}

/// Two settings that cannot go together, or one that has no effect because
/// of another.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(svc::field::conflict))]
pub struct FieldConflict {
    /// The setting reported.
    #[label("here")]
    pub span: SourceSpan,
    /// The setting it conflicts with (may equal `span`).
    #[label("because of this")]
    pub other: SourceSpan,
    /// What is wrong.
    pub message: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// Tasks with a public IP address.
#[derive(Debug, Error, Diagnostic)]
#[error("tasks get a public IP address")]
#[diagnostic(
    code(svc::network::public_ip),
    severity(Warning),
    help("a public IP makes every task reachable from the internet wherever its security groups allow it; prefer private subnets with `egress = nat` or `egress = vpc_endpoints`, or write `allow = [\"svc::network::public_ip\"]` on the service when it is deliberate")
)]
pub struct PublicIp {
    /// The `public_ip = true` value.
    #[label("public IP on")]
    pub span: SourceSpan,
}

/// `calls` names a service that has no `discovery`, so it has no address.
#[derive(Debug, Error, Diagnostic)]
#[error("service `{callee}` has no `discovery`, so `{caller}` cannot call it")]
#[diagnostic(code(svc::wiring::no_discovery))]
pub struct CallNoDiscovery {
    /// The `calls` item.
    #[label("called here")]
    pub span: SourceSpan,
    /// The callee's name in its declaration.
    #[label("declared without `discovery`")]
    pub decl: SourceSpan,
    /// The caller.
    pub caller: String,
    /// The callee.
    pub callee: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// `calls` names a service whose private DNS namespace the caller's VPC
/// cannot resolve.
#[derive(Debug, Error, Diagnostic)]
#[error("`{caller}` cannot resolve `{callee}`: namespace {callee_ns} answers only in VPC {callee_vpc}, and `{caller}` runs in VPC {caller_vpc}")]
#[diagnostic(code(svc::wiring::unreachable))]
pub struct CallUnreachable {
    /// The `calls` item.
    #[label("called here")]
    pub span: SourceSpan,
    /// The caller's discovery block.
    #[label("`{caller}` is in namespace {caller_ns}")]
    pub caller_discovery: SourceSpan,
    /// The callee's discovery block.
    #[label("`{callee}` is in namespace {callee_ns}")]
    pub callee_discovery: SourceSpan,
    /// The caller.
    pub caller: String,
    /// The callee.
    pub callee: String,
    /// The caller's namespace.
    pub caller_ns: String,
    /// The callee's namespace.
    pub callee_ns: String,
    /// The caller's VPC as written.
    pub caller_vpc: String,
    /// The callee's VPC as written.
    pub callee_vpc: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// `calls` names a service with no container port.
#[derive(Debug, Error, Diagnostic)]
#[error("service `{callee}` has no container port, so `{caller}` has nothing to call")]
#[diagnostic(code(svc::wiring::no_port))]
pub struct CallNoPort {
    /// The `calls` item.
    #[label("called here")]
    pub span: SourceSpan,
    /// The callee's name in its declaration.
    #[label("no container of `{callee}` has a `port`")]
    pub decl: SourceSpan,
    /// The caller.
    pub caller: String,
    /// The callee.
    pub callee: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// A service lists itself in `calls`.
#[derive(Debug, Error, Diagnostic)]
#[error("service `{service}` calls itself")]
#[diagnostic(
    code(svc::wiring::self_call),
    help("a service reaches its own containers on localhost; remove `{service}` from `calls`")
)]
pub struct CallSelf {
    /// The `calls` item.
    #[label("`{service}` is the service declaring `calls`")]
    pub span: SourceSpan,
    /// The service.
    pub service: String,
}

/// A service lists the same callee twice in `calls`.
#[derive(Debug, Error, Diagnostic)]
#[error("service `{callee}` is listed twice in `calls`")]
#[diagnostic(code(svc::wiring::duplicate), help("list each called service once"))]
pub struct CallDuplicate {
    /// The second item.
    #[label("listed again here")]
    pub span: SourceSpan,
    /// The first item.
    #[label("first listed here")]
    pub first: SourceSpan,
    /// The callee.
    pub callee: String,
}

/// An environment variable of the caller has the name svc gives the
/// callee's address.
#[derive(Debug, Error, Diagnostic)]
#[error("`{name}` is set by `calls = [{callee}]` and also declared in container {container}")]
#[diagnostic(code(svc::wiring::env_conflict))]
pub struct CallEnvConflict {
    /// The user's variable (or the other `calls` item).
    #[label("declared here")]
    pub span: SourceSpan,
    /// The `calls` item.
    #[label("sets `{name}`")]
    pub call: SourceSpan,
    /// The variable name.
    pub name: String,
    /// The callee.
    pub callee: String,
    /// Which container (or "the same `calls` list").
    pub container: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// One side of a call has no security group, so no ingress rule can admit
/// the caller.
#[derive(Debug, Error, Diagnostic)]
#[error("`{caller}` calls `{callee}`, but `{service}` has no security group")]
#[diagnostic(code(svc::wiring::no_security_group))]
pub struct CallNoSecurityGroup {
    /// The `calls` item.
    #[label("called here")]
    pub span: SourceSpan,
    /// The network settings of the service without groups.
    #[label("`{service}` has no `security_groups`")]
    pub network: SourceSpan,
    /// The caller.
    pub caller: String,
    /// The callee.
    pub callee: String,
    /// The service without groups (caller or callee).
    pub service: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// A container whose root filesystem is writable.
#[derive(Debug, Error, Diagnostic)]
#[error("the container's root filesystem is writable")]
#[diagnostic(
    code(svc::container::writable_root),
    severity(Warning),
    help("a read-only root filesystem (the default) keeps an intruder from changing the container's programs; give the image a writable volume or tmpfs path where it must write, or write `allow = [\"svc::container::writable_root\"]` on the service when a writable root is deliberate")
)]
pub struct WritableRoot {
    /// The `read_only_root = false` value.
    #[label("writable root filesystem")]
    pub span: SourceSpan,
}

/// An environment variable whose name says it holds a secret, with a
/// literal value. The message never repeats the value.
#[derive(Debug, Error, Diagnostic)]
#[error("`{name}` looks like a secret, but its value is written in the file")]
#[diagnostic(
    code(svc::env::secret_value),
    severity(Warning),
    help("a value in `env` ends up in the task definition, the Terraform state and every `svc compile` output; store it in Secrets Manager or SSM Parameter Store and move `{name}` to `secrets {{ {name} = \"ARN or parameter name\" }}`")
)]
pub struct SecretInEnv {
    /// The variable's name.
    #[label("plain environment value")]
    pub span: SourceSpan,
    /// The variable.
    pub name: String,
}
