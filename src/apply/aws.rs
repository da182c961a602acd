//! [`Cloud`] over the AWS SDK for Rust: credentials, region and endpoint
//! from the standard aws-config chain, retries with backoff from the SDK's
//! standard retry mode, and every request counted by an interceptor.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_ecs as ecs;
use aws_sdk_iam as iam;
use aws_sdk_servicediscovery as sd;
use aws_sdk_sts as sts;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::{json, Value};

use super::cloud::{Cloud, CloudResult, Instance, ServiceUpdate};
use super::desired::*;
use super::observed::*;
use super::plan::{Retag, TagTarget};

/// How long to wait for a Cloud Map operation (namespace create/delete).
const OPERATION_TIMEOUT: Duration = Duration::from_secs(600);
/// How long to retry deleting a discovery service that still has instances.
const IN_USE_TIMEOUT: Duration = Duration::from_secs(300);
/// How many tag reads run at once.
const READ_CONCURRENCY: usize = 8;

/// Where and as whom to connect.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Region override.
    pub region: Option<String>,
    /// Profile override.
    pub profile: Option<String>,
    /// Endpoint override (moto, LocalStack).
    pub endpoint_url: Option<String>,
}

/// Counts of requests sent, by `Service.Operation` (retries included).
#[derive(Debug, Default)]
pub struct CallCounter {
    calls: Mutex<BTreeMap<String, usize>>,
}

impl CallCounter {
    /// Counts one request of `op` (`Service.Operation`).
    pub fn record(&self, op: &str) {
        *self
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(op.to_string())
            .or_default() += 1;
    }

    /// Every operation with its count.
    pub fn snapshot(&self) -> BTreeMap<String, usize> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Total requests.
    pub fn total(&self) -> usize {
        self.snapshot().values().sum()
    }

    /// Requests that change something.
    pub fn mutating(&self) -> usize {
        self.snapshot()
            .iter()
            .filter(|(op, _)| is_mutating(op))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Whether an operation name (`Service.Operation` or `Operation`) changes
/// state.
pub fn is_mutating(op: &str) -> bool {
    let name = op.rsplit('.').next().unwrap_or(op);
    [
        "Create",
        "Update",
        "Delete",
        "Register",
        "Deregister",
        "Put",
        "Attach",
        "Detach",
        "Tag",
        "Untag",
        "Authorize",
        "Revoke",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

#[derive(Debug)]
struct Counting(Arc<CallCounter>);

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "svc-call-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            self.0.record(&format!("{}.{}", m.service(), m.name()));
        }
        Ok(())
    }
}

/// The AWS clients.
pub struct Aws {
    ecs: ecs::Client,
    sd: sd::Client,
    iam: iam::Client,
    logs: logs::Client,
    sts: sts::Client,
    ec2: super::ec2::Ec2,
    region: String,
    /// Requests made so far.
    pub counter: Arc<CallCounter>,
}

fn err<E: std::error::Error>(what: &str, e: E) -> String {
    format!("{what}: {}", sd::error::DisplayErrorContext(e))
}

fn ecs_tags(tags: &Tags) -> Vec<ecs::types::Tag> {
    tags.iter()
        .map(|(k, v)| ecs::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags as Cloud Map's type; `what` names the resource in an error.
fn sd_tags(what: &str, tags: &Tags) -> CloudResult<Vec<sd::types::Tag>> {
    tags.iter()
        .map(|(k, v)| sd::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what}: {e}"))
}

/// Tags as IAM's type; `what` names the resource in an error.
fn iam_tags(what: &str, tags: &Tags) -> CloudResult<Vec<iam::types::Tag>> {
    tags.iter()
        .map(|(k, v)| iam::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what}: {e}"))
}

fn from_ecs_tags(tags: &[ecs::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

/// Decodes `%XX` escapes (IAM returns policy documents URL-encoded).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn policy_json(doc: &str) -> Value {
    let decoded = percent_decode(doc);
    serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(doc))
        .unwrap_or(Value::String(decoded))
}

impl Aws {
    /// Loads the configuration (environment, profiles, SSO) and builds the
    /// clients.
    pub async fn connect(options: &Options) -> Result<Aws, String> {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(8)
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(20)),
            );
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or("no AWS region: pass --region, set AWS_REGION, or give the profile a region")?;
        if config.credentials_provider().is_none() {
            return Err("no AWS credentials provider could be configured".into());
        }
        let counter = Arc::new(CallCounter::default());
        let counting = Counting(counter.clone());
        Ok(Aws {
            ecs: ecs::Client::from_conf(
                ecs::config::Builder::from(&config)
                    .interceptor(Counting(counter.clone()))
                    .build(),
            ),
            sd: sd::Client::from_conf(
                sd::config::Builder::from(&config)
                    .interceptor(Counting(counter.clone()))
                    .build(),
            ),
            iam: iam::Client::from_conf(
                iam::config::Builder::from(&config)
                    .interceptor(Counting(counter.clone()))
                    .build(),
            ),
            logs: logs::Client::from_conf(
                logs::config::Builder::from(&config)
                    .interceptor(Counting(counter.clone()))
                    .build(),
            ),
            ec2: super::ec2::Ec2::new(
                config
                    .credentials_provider()
                    .ok_or("no AWS credentials provider could be configured")?,
                &region,
                options.endpoint_url.as_deref(),
                counter.clone(),
            ),
            sts: sts::Client::from_conf(
                sts::config::Builder::from(&config)
                    .interceptor(counting)
                    .build(),
            ),
            region,
            counter,
        })
    }

    async fn sd_tags(&self, arn: &str) -> CloudResult<Tags> {
        let out = self
            .sd
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err(&format!("ListTagsForResource {arn}"), e))?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect())
    }

    /// A described log group with its tags.
    async fn log_group(&self, g: &logs::types::LogGroup) -> CloudResult<OLogGroup> {
        // DescribeLogGroups' ARN ends in `:*`; the tagging APIs want it without.
        let arn = g.arn().unwrap_or_default().trim_end_matches(":*");
        Ok(OLogGroup {
            name: g.log_group_name().unwrap_or_default().to_string(),
            arn: arn.to_string(),
            retention_days: g.retention_in_days(),
            tags: self.log_group_tags(arn).await?,
        })
    }

    async fn log_group_tags(&self, arn: &str) -> CloudResult<Tags> {
        let out = self
            .logs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err(&format!("ListTagsForResource {arn}"), e))?;
        Ok(out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    /// Waits for a Cloud Map operation; returns its targets.
    async fn wait_operation(
        &self,
        what: &str,
        id: &str,
    ) -> CloudResult<std::collections::HashMap<sd::types::OperationTargetType, String>> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(250);
        loop {
            let out = self
                .sd
                .get_operation()
                .operation_id(id)
                .send()
                .await
                .map_err(|e| err(&format!("{what}: GetOperation {id}"), e))?;
            let op = out
                .operation()
                .ok_or_else(|| format!("{what}: GetOperation {id} returned no operation"))?;
            match op.status() {
                Some(sd::types::OperationStatus::Success) => {
                    return Ok(op.targets().cloned().unwrap_or_default())
                }
                Some(sd::types::OperationStatus::Fail) => {
                    return Err(format!(
                        "{what}: Cloud Map operation {id} failed: {} {}",
                        op.error_code().unwrap_or(""),
                        op.error_message().unwrap_or("")
                    ))
                }
                _ => {}
            }
            if start.elapsed() > OPERATION_TIMEOUT {
                return Err(format!(
                    "{what}: Cloud Map operation {id} has not finished after {}s; check it with `aws servicediscovery get-operation --operation-id {id}` and run svc again when it has",
                    OPERATION_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    fn ecs_service(s: &ecs::types::Service) -> OService {
        let net = s
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration());
        let mut subnets: Vec<String> = net.map(|n| n.subnets().to_vec()).unwrap_or_default();
        subnets.sort();
        let mut security_groups: Vec<String> = net
            .map(|n| n.security_groups().to_vec())
            .unwrap_or_default();
        security_groups.sort();
        OService {
            arn: s.service_arn().unwrap_or_default().to_string(),
            name: s.service_name().unwrap_or_default().to_string(),
            cluster_arn: s.cluster_arn().unwrap_or_default().to_string(),
            status: s.status().unwrap_or_default().to_string(),
            task_definition: s.task_definition().unwrap_or_default().to_string(),
            desired_count: s.desired_count(),
            running_count: s.running_count(),
            pending_count: s.pending_count(),
            launch_type: s.launch_type().map(|l| l.as_str().to_string()),
            platform_version: s.platform_version().map(str::to_string),
            subnets,
            security_groups,
            public_ip: net
                .and_then(|n| n.assign_public_ip())
                .is_some_and(|a| *a == ecs::types::AssignPublicIp::Enabled),
            registries: s
                .service_registries()
                .iter()
                .map(|r| ORegistry {
                    arn: r.registry_arn().unwrap_or_default().to_string(),
                    container_name: r.container_name().map(str::to_string),
                    container_port: r.container_port(),
                })
                .collect(),
            deployments: s
                .deployments()
                .iter()
                .map(|d| ODeployment {
                    status: d.status().unwrap_or_default().to_string(),
                    rollout_state: d.rollout_state().map(|r| r.as_str().to_string()),
                    task_definition: d.task_definition().unwrap_or_default().to_string(),
                    desired: d.desired_count(),
                    running: d.running_count(),
                })
                .collect(),
            tags: from_ecs_tags(s.tags()),
        }
    }

    fn network(d: &DService) -> CloudResult<ecs::types::NetworkConfiguration> {
        let vpc = ecs::types::AwsVpcConfiguration::builder()
            .set_subnets(Some(d.subnets.clone()))
            .set_security_groups(Some(d.security_groups.clone()))
            .assign_public_ip(if d.public_ip {
                ecs::types::AssignPublicIp::Enabled
            } else {
                ecs::types::AssignPublicIp::Disabled
            })
            .build()
            .map_err(|e| format!("ecs-service {}: {e}", d.name))?;
        Ok(ecs::types::NetworkConfiguration::builder()
            .awsvpc_configuration(vpc)
            .build())
    }

    fn registry(d: &DService, arn: &str) -> ecs::types::ServiceRegistry {
        let mut r = ecs::types::ServiceRegistry::builder().registry_arn(arn);
        if let Some((name, port)) = d.registry.as_ref().and_then(|r| r.container.clone()) {
            r = r.container_name(name).container_port(port);
        }
        r.build()
    }

    async fn services_page(&self, cluster: &str, names: &[String]) -> CloudResult<Vec<OService>> {
        let out = self
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(names.to_vec()))
            .include(ecs::types::ServiceField::Tags)
            .send()
            .await
            .map_err(|e| err(&format!("DescribeServices in {cluster}"), e))?;
        Ok(out.services().iter().map(Aws::ecs_service).collect())
    }
}

/// An SDK task definition as the camelCase JSON svc writes (the inverse of
/// [`task_definition_from_json`], tags aside).
pub fn task_def_json(t: &ecs::types::TaskDefinition) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    };
    put("family", json!(t.family()));
    put("taskRoleArn", json!(t.task_role_arn()));
    put("executionRoleArn", json!(t.execution_role_arn()));
    put("networkMode", json!(t.network_mode().map(|n| n.as_str())));
    let containers: Vec<Value> = t
        .container_definitions()
        .iter()
        .map(|c| {
            let mut cm = serde_json::Map::new();
            let mut cput = |k: &str, v: Value| {
                if !v.is_null() {
                    cm.insert(k.to_string(), v);
                }
            };
            cput("name", json!(c.name()));
            cput("image", json!(c.image()));
            cput("cpu", json!(c.cpu()));
            cput("memory", json!(c.memory()));
            cput("memoryReservation", json!(c.memory_reservation()));
            cput("essential", json!(c.essential()));
            cput(
                "readonlyRootFilesystem",
                json!(c.readonly_root_filesystem().filter(|on| *on)),
            );
            if !c.command().is_empty() {
                cput("command", json!(c.command()));
            }
            cput(
                "portMappings",
                Value::Array(
                    c.port_mappings()
                        .iter()
                        .map(|p| {
                            json!({
                                "containerPort": p.container_port(),
                                "hostPort": p.host_port(),
                                "protocol": p.protocol().map(|p| p.as_str()),
                            })
                        })
                        .collect(),
                ),
            );
            cput(
                "environment",
                Value::Array(
                    c.environment()
                        .iter()
                        .map(|e| json!({"name": e.name(), "value": e.value()}))
                        .collect(),
                ),
            );
            cput(
                "secrets",
                Value::Array(
                    c.secrets()
                        .iter()
                        .map(|s| json!({"name": s.name(), "valueFrom": s.value_from()}))
                        .collect(),
                ),
            );
            if let Some(l) = c.log_configuration() {
                let options: serde_json::Map<String, Value> = l
                    .options()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                cput(
                    "logConfiguration",
                    json!({"logDriver": l.log_driver().as_str(), "options": options}),
                );
            }
            if let Some(h) = c.health_check() {
                cput(
                    "healthCheck",
                    json!({
                        "command": h.command(),
                        "interval": h.interval(),
                        "timeout": h.timeout(),
                        "retries": h.retries(),
                        "startPeriod": h.start_period(),
                    }),
                );
            }
            Value::Object(cm)
        })
        .collect();
    put("containerDefinitions", Value::Array(containers));
    put(
        "requiresCompatibilities",
        Value::Array(
            t.requires_compatibilities()
                .iter()
                .map(|c| json!(c.as_str()))
                .collect(),
        ),
    );
    put("cpu", json!(t.cpu()));
    put("memory", json!(t.memory()));
    if let Some(e) = t.ephemeral_storage() {
        put("ephemeralStorage", json!({"sizeInGiB": e.size_in_gib()}));
    }
    Value::Object(m)
}

fn expect_keys(what: &str, v: &Value, known: &[&str]) -> CloudResult<()> {
    if let Value::Object(m) = v {
        for k in m.keys() {
            if !known.contains(&k.as_str()) {
                return Err(format!(
                    "{what}: svc cannot send `{k}` through the ECS API yet (internal error)"
                ));
            }
        }
        Ok(())
    } else {
        Err(format!("{what}: expected a JSON object"))
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

/// An integer field of the ECS API (32-bit); a number out of its range is
/// an error rather than a silently truncated value.
fn i(what: &str, v: &Value, k: &str) -> CloudResult<Option<i32>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("{what}: `{k}` = {n} is not a 32-bit integer")),
    }
}

fn strings(v: &Value, k: &str) -> Option<Vec<String>> {
    v.get(k).and_then(Value::as_array).map(|a| {
        a.iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect()
    })
}

/// svc's task-definition JSON (what [`crate::emit::taskdef`] produces) as
/// the ECS API's own types: the task definition and its tags, exactly what
/// `RegisterTaskDefinition` is sent. Unknown keys and numbers outside the
/// API's 32-bit range are errors, so a field added to the emitter cannot be
/// silently dropped or truncated here. [`task_def_json`] is the inverse.
pub fn task_definition_from_json(
    input: &Value,
) -> CloudResult<(ecs::types::TaskDefinition, Vec<ecs::types::Tag>)> {
    use ecs::types::*;
    let family = s(input, "family").unwrap_or_default();
    let what = format!("task-definition {family}");
    expect_keys(
        &what,
        input,
        &[
            "family",
            "taskRoleArn",
            "executionRoleArn",
            "networkMode",
            "containerDefinitions",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "ephemeralStorage",
            "tags",
        ],
    )?;
    let mut def = TaskDefinition::builder()
        .family(&family)
        .set_task_role_arn(s(input, "taskRoleArn"))
        .set_execution_role_arn(s(input, "executionRoleArn"))
        .set_network_mode(s(input, "networkMode").map(|n| NetworkMode::from(n.as_str())))
        .set_cpu(s(input, "cpu"))
        .set_memory(s(input, "memory"));
    for c in strings(input, "requiresCompatibilities").unwrap_or_default() {
        def = def.requires_compatibilities(Compatibility::from(c.as_str()));
    }
    if let Some(e) = input.get("ephemeralStorage") {
        def = def.ephemeral_storage(
            EphemeralStorage::builder()
                .size_in_gib(i(&what, e, "sizeInGiB")?.unwrap_or(21))
                .build(),
        );
    }
    let tags = input
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            Tag::builder()
                .set_key(s(t, "key"))
                .set_value(s(t, "value"))
                .build()
        })
        .collect();
    for c in input
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        def = def.container_definitions(container_from_json(&what, c)?);
    }
    Ok((def.build(), tags))
}

/// One entry of `containerDefinitions` as the ECS type.
fn container_from_json(what: &str, c: &Value) -> CloudResult<ecs::types::ContainerDefinition> {
    use ecs::types::*;
    expect_keys(what, c, crate::emit::taskdef::CONTAINER_KEYS)?;
    let mut b = ContainerDefinition::builder()
        .set_name(s(c, "name"))
        .set_image(s(c, "image"))
        .set_cpu(i(what, c, "cpu")?)
        .set_memory(i(what, c, "memory")?)
        .set_memory_reservation(i(what, c, "memoryReservation")?)
        .set_essential(c.get("essential").and_then(Value::as_bool))
        .set_readonly_root_filesystem(c.get("readonlyRootFilesystem").and_then(Value::as_bool))
        .set_command(strings(c, "command"));
    for p in c
        .get("portMappings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        b = b.port_mappings(
            PortMapping::builder()
                .set_container_port(i(what, p, "containerPort")?)
                .set_host_port(i(what, p, "hostPort")?)
                .set_protocol(s(p, "protocol").map(|v| TransportProtocol::from(v.as_str())))
                .build(),
        );
    }
    for e in c
        .get("environment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        b = b.environment(
            KeyValuePair::builder()
                .set_name(s(e, "name"))
                .set_value(s(e, "value"))
                .build(),
        );
    }
    for e in c
        .get("secrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        b = b.secrets(
            Secret::builder()
                .set_name(s(e, "name"))
                .set_value_from(s(e, "valueFrom"))
                .build()
                .map_err(|e| format!("{what}: {e}"))?,
        );
    }
    if let Some(l) = c.get("logConfiguration") {
        let mut lb = LogConfiguration::builder().log_driver(LogDriver::from(
            s(l, "logDriver").unwrap_or_default().as_str(),
        ));
        if let Some(Value::Object(o)) = l.get("options") {
            for (k, v) in o {
                lb = lb.options(k, v.as_str().map_or_else(|| v.to_string(), str::to_string));
            }
        }
        b = b.log_configuration(lb.build().map_err(|e| format!("{what}: {e}"))?);
    }
    if let Some(h) = c.get("healthCheck") {
        b = b.health_check(
            HealthCheck::builder()
                .set_command(strings(h, "command"))
                .set_interval(i(what, h, "interval")?)
                .set_timeout(i(what, h, "timeout")?)
                .set_retries(i(what, h, "retries")?)
                .set_start_period(i(what, h, "startPeriod")?)
                .build()
                .map_err(|e| format!("{what}: {e}"))?,
        );
    }
    Ok(b.build())
}

/// The `RegisterTaskDefinition` request for svc's task-definition JSON.
fn register_request(
    client: &ecs::Client,
    input: &Value,
) -> CloudResult<
    ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder,
> {
    let (def, tags) = task_definition_from_json(input)?;
    Ok(client
        .register_task_definition()
        .set_family(def.family)
        .set_task_role_arn(def.task_role_arn)
        .set_execution_role_arn(def.execution_role_arn)
        .set_network_mode(def.network_mode)
        .set_container_definitions(def.container_definitions)
        .set_requires_compatibilities(def.requires_compatibilities)
        .set_cpu(def.cpu)
        .set_memory(def.memory)
        .set_ephemeral_storage(def.ephemeral_storage)
        .set_tags((!tags.is_empty()).then_some(tags)))
}

impl Cloud for Aws {
    async fn identity(&self) -> CloudResult<Identity> {
        let out = self.sts.get_caller_identity().send().await.map_err(|e| {
            err(
                "cannot find out who the credentials belong to (sts GetCallerIdentity)",
                e,
            )
        })?;
        let arn = out.arn().unwrap_or_default();
        let partition = arn
            .split(':')
            .nth(1)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws");
        Ok(Identity {
            account: out.account().unwrap_or_default().to_string(),
            partition: partition.to_string(),
            region: self.region.clone(),
        })
    }

    async fn list_namespaces(&self) -> CloudResult<Vec<ONamespace>> {
        let pages: Vec<_> = self
            .sd
            .list_namespaces()
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| err("ListNamespaces", e))?;
        let items: Vec<sd::types::NamespaceSummary> = pages
            .iter()
            .flat_map(|p: &sd::operation::list_namespaces::ListNamespacesOutput| {
                p.namespaces().to_vec()
            })
            .collect();
        stream::iter(items)
            .map(|n| async move {
                let arn = n.arn().unwrap_or_default().to_string();
                let tags = self.sd_tags(&arn).await?;
                Ok::<_, String>(ONamespace {
                    id: n.id().unwrap_or_default().to_string(),
                    arn,
                    name: n.name().unwrap_or_default().to_string(),
                    kind: n
                        .r#type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    description: n.description().map(str::to_string),
                    tags,
                })
            })
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await
    }

    async fn list_discovery_services(&self) -> CloudResult<Vec<ODiscovery>> {
        let pages: Vec<_> = self
            .sd
            .list_services()
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| err("ListServices (Cloud Map)", e))?;
        let items: Vec<sd::types::ServiceSummary> = pages
            .iter()
            .flat_map(|p: &sd::operation::list_services::ListServicesOutput| p.services().to_vec())
            .collect();
        stream::iter(items)
            .map(|summary| async move {
                let id = summary.id().unwrap_or_default().to_string();
                let out = self
                    .sd
                    .get_service()
                    .id(&id)
                    .send()
                    .await
                    .map_err(|e| err(&format!("GetService {id}"), e))?;
                let Some(info) = out.service() else {
                    return Ok(None);
                };
                let arn = info.arn().unwrap_or_default().to_string();
                let tags = self.sd_tags(&arn).await?;
                let dns = info.dns_config();
                Ok::<_, String>(Some(ODiscovery {
                    id,
                    arn,
                    name: info.name().unwrap_or_default().to_string(),
                    namespace_id: info
                        .namespace_id()
                        .or(dns.and_then(|d| {
                            #[allow(deprecated)]
                            d.namespace_id()
                        }))
                        .unwrap_or_default()
                        .to_string(),
                    records: dns
                        .map(|d| {
                            d.dns_records()
                                .iter()
                                .map(|r| (r.r#type().as_str().to_string(), r.ttl()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    routing: dns
                        .and_then(|d| d.routing_policy())
                        .map(|r| r.as_str().to_string()),
                    custom_health: info.health_check_custom_config().is_some(),
                    instance_count: summary.instance_count(),
                    tags,
                }))
            })
            .buffered(READ_CONCURRENCY)
            .try_collect::<Vec<_>>()
            .await
            .map(|v| v.into_iter().flatten().collect())
    }

    async fn list_instances(&self, service_id: &str) -> CloudResult<Vec<Instance>> {
        let out = self
            .sd
            .list_instances()
            .service_id(service_id)
            .send()
            .await
            .map_err(|e| err(&format!("ListInstances {service_id}"), e))?;
        let health = self
            .sd
            .get_instances_health_status()
            .service_id(service_id)
            .send()
            .await
            .ok()
            .and_then(|h| h.status().cloned())
            .unwrap_or_default();
        Ok(out
            .instances()
            .iter()
            .map(|i| {
                let id = i.id().unwrap_or_default().to_string();
                Instance {
                    ip: i
                        .attributes()
                        .and_then(|a| a.get("AWS_INSTANCE_IPV4"))
                        .cloned(),
                    health: health
                        .get(&id)
                        .map_or("UNKNOWN".to_string(), |h| h.as_str().to_string()),
                    id,
                }
            })
            .collect())
    }

    async fn describe_clusters(&self, names: &[String]) -> CloudResult<Vec<OCluster>> {
        let mut out = Vec::new();
        for chunk in names.chunks(100) {
            let r = self
                .ecs
                .describe_clusters()
                .set_clusters(Some(chunk.to_vec()))
                .include(ecs::types::ClusterField::Tags)
                .include(ecs::types::ClusterField::Settings)
                .send()
                .await
                .map_err(|e| err("DescribeClusters", e))?;
            out.extend(r.clusters().iter().map(|c| OCluster {
                arn: c.cluster_arn().unwrap_or_default().to_string(),
                name: c.cluster_name().unwrap_or_default().to_string(),
                status: c.status().unwrap_or_default().to_string(),
                container_insights: c.settings().iter().any(|s| {
                    s.name().map(|n| n.as_str()) == Some("containerInsights")
                        && matches!(s.value(), Some("enabled") | Some("enhanced"))
                }),
                tags: from_ecs_tags(c.tags()),
            }));
        }
        Ok(out)
    }

    async fn list_clusters(&self) -> CloudResult<Vec<String>> {
        self.ecs
            .list_clusters()
            .into_paginator()
            .items()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| err("ListClusters", e))
    }

    async fn get_log_group(&self, name: &str) -> CloudResult<Option<OLogGroup>> {
        let out = self
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .map_err(|e| err(&format!("DescribeLogGroups {name}"), e))?;
        let Some(g) = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        else {
            return Ok(None);
        };
        self.log_group(g).await.map(Some)
    }

    async fn list_log_groups(&self) -> CloudResult<Vec<OLogGroup>> {
        let groups: Vec<logs::types::LogGroup> = self
            .logs
            .describe_log_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| err("DescribeLogGroups", e))?;
        stream::iter(groups)
            .map(|g| async move { self.log_group(&g).await })
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await
    }

    async fn get_role(&self, name: &str) -> CloudResult<Option<ORole>> {
        let out = match self.iam.get_role().role_name(name).send().await {
            Ok(o) => o,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(err(&format!("GetRole {name}"), e)),
        };
        let Some(role) = out.role() else {
            return Ok(None);
        };
        let tags_out = self
            .iam
            .list_role_tags()
            .role_name(name)
            .send()
            .await
            .map_err(|e| err(&format!("ListRoleTags {name}"), e))?;
        let attached = self
            .iam
            .list_attached_role_policies()
            .role_name(name)
            .send()
            .await
            .map_err(|e| err(&format!("ListAttachedRolePolicies {name}"), e))?;
        let inline_names = self
            .iam
            .list_role_policies()
            .role_name(name)
            .send()
            .await
            .map_err(|e| err(&format!("ListRolePolicies {name}"), e))?;
        let mut inline = BTreeMap::new();
        for policy in inline_names.policy_names() {
            let doc = self
                .iam
                .get_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .map_err(|e| err(&format!("GetRolePolicy {name} {policy}"), e))?;
            inline.insert(policy.clone(), policy_json(doc.policy_document()));
        }
        Ok(Some(ORole {
            name: name.to_string(),
            arn: role.arn().to_string(),
            assume_policy: policy_json(role.assume_role_policy_document().unwrap_or("{}")),
            managed_policies: attached
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect(),
            inline_policies: inline,
            tags: tags_out
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        }))
    }

    async fn list_role_names(&self) -> CloudResult<Vec<String>> {
        let roles: Vec<iam::types::Role> = self
            .iam
            .list_roles()
            .into_paginator()
            .items()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| err("ListRoles", e))?;
        Ok(roles.iter().map(|r| r.role_name().to_string()).collect())
    }

    async fn latest_task_def(&self, family: &str) -> CloudResult<Option<OTaskDef>> {
        let out = match self
            .ecs
            .describe_task_definition()
            .task_definition(family)
            .include(ecs::types::TaskDefinitionField::Tags)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e)
                if e.as_service_error().is_some_and(|e| {
                    e.is_client_exception() || e.is_invalid_parameter_exception()
                }) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(err(&format!("DescribeTaskDefinition {family}"), e)),
        };
        let Some(t) = out.task_definition() else {
            return Ok(None);
        };
        if t.status() != Some(&ecs::types::TaskDefinitionStatus::Active) {
            return Ok(None);
        }
        Ok(Some(OTaskDef {
            arn: t.task_definition_arn().unwrap_or_default().to_string(),
            family: family.to_string(),
            revision: t.revision(),
            content: task_def_json(t),
            tags: from_ecs_tags(out.tags()),
        }))
    }

    async fn task_def_revisions(&self, family: &str) -> CloudResult<Vec<OTaskDef>> {
        let arns: Vec<String> = self
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(ecs::types::TaskDefinitionStatus::Active)
            .into_paginator()
            .items()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| err(&format!("ListTaskDefinitions {family}"), e))?;
        let mut out = Vec::new();
        for arn in arns {
            let r = self
                .ecs
                .describe_task_definition()
                .task_definition(&arn)
                .include(ecs::types::TaskDefinitionField::Tags)
                .send()
                .await
                .map_err(|e| err(&format!("DescribeTaskDefinition {arn}"), e))?;
            if let Some(t) = r.task_definition() {
                if t.family() == Some(family) {
                    out.push(OTaskDef {
                        arn: arn.clone(),
                        family: family.to_string(),
                        revision: t.revision(),
                        content: task_def_json(t),
                        tags: from_ecs_tags(r.tags()),
                    });
                }
            }
        }
        Ok(out)
    }

    async fn describe_services(
        &self,
        cluster: &str,
        names: &[String],
    ) -> CloudResult<Vec<OService>> {
        let mut out = Vec::new();
        for chunk in names.chunks(10) {
            out.extend(self.services_page(cluster, chunk).await?);
        }
        Ok(out)
    }

    async fn list_services(&self, cluster: &str) -> CloudResult<Vec<String>> {
        let arns: Vec<String> = self
            .ecs
            .list_services()
            .cluster(cluster)
            .into_paginator()
            .items()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| err(&format!("ListServices in {cluster}"), e))?;
        Ok(arns.iter().map(|a| arn_name(a).to_string()).collect())
    }

    async fn create_namespace(&self, d: &DNamespace) -> CloudResult<String> {
        let what = format!("namespace {}", d.name);
        let out = self
            .sd
            .create_private_dns_namespace()
            .name(&d.name)
            .vpc(&d.vpc)
            .set_description(d.description.clone())
            .creator_request_id(request_id("ns", &d.name))
            .set_tags(Some(sd_tags(&what, &d.tags)?))
            .send()
            .await
            .map_err(|e| err(&format!("{what}: CreatePrivateDnsNamespace"), e))?;
        let op = out.operation_id().unwrap_or_default().to_string();
        let targets = self.wait_operation(&what, &op).await?;
        targets
            .get(&sd::types::OperationTargetType::Namespace)
            .cloned()
            .ok_or_else(|| format!("{what}: the operation {op} named no namespace"))
    }

    async fn update_namespace(&self, id: &str, d: &DNamespace) -> CloudResult<()> {
        let what = format!("namespace {}", d.name);
        let change = sd::types::PrivateDnsNamespaceChange::builder()
            .set_description(Some(d.description.clone().unwrap_or_default()))
            .build();
        let out = self
            .sd
            .update_private_dns_namespace()
            .id(id)
            .namespace(change)
            .updater_request_id(request_id("nsu", &d.name))
            .send()
            .await
            .map_err(|e| err(&format!("{what}: UpdatePrivateDnsNamespace"), e))?;
        if let Some(op) = out.operation_id() {
            self.wait_operation(&what, op).await?;
        }
        Ok(())
    }

    async fn delete_namespace(&self, id: &str) -> CloudResult<()> {
        let what = format!("namespace {id}");
        let out = self
            .sd
            .delete_namespace()
            .id(id)
            .send()
            .await
            .map_err(|e| err(&format!("{what}: DeleteNamespace"), e))?;
        if let Some(op) = out.operation_id() {
            self.wait_operation(&what, op).await?;
        }
        Ok(())
    }

    async fn create_discovery(&self, d: &DDiscovery, namespace_id: &str) -> CloudResult<String> {
        let what = format!("discovery-service {}.{}", d.name, d.namespace);
        let mut dns = sd::types::DnsConfig::builder()
            .routing_policy(sd::types::RoutingPolicy::from(d.routing.as_str()));
        for r in &d.records {
            dns = dns.dns_records(
                sd::types::DnsRecord::builder()
                    .r#type(sd::types::RecordType::from(r.as_str()))
                    .ttl(d.ttl)
                    .build()
                    .map_err(|e| format!("{what}: {e}"))?,
            );
        }
        let mut req = self
            .sd
            .create_service()
            .name(&d.name)
            .namespace_id(namespace_id)
            .creator_request_id(request_id("sd", &format!("{}.{}", d.name, d.namespace)))
            .dns_config(dns.build().map_err(|e| format!("{what}: {e}"))?);
        if let Some(threshold) = d.custom_health {
            // Deprecated by AWS (always 1), but Terraform sends it too.
            #[allow(deprecated)]
            let config = sd::types::HealthCheckCustomConfig::builder()
                .set_failure_threshold(threshold)
                .build();
            req = req.health_check_custom_config(config);
        }
        req = req.set_tags(Some(sd_tags(&what, &d.tags)?));
        let out = req
            .send()
            .await
            .map_err(|e| err(&format!("{what}: CreateService"), e))?;
        out.service()
            .and_then(|s| s.arn())
            .map(str::to_string)
            .ok_or_else(|| format!("{what}: CreateService returned no ARN"))
    }

    async fn update_discovery(&self, id: &str, d: &DDiscovery) -> CloudResult<()> {
        let what = format!("discovery-service {}.{}", d.name, d.namespace);
        let mut dns = sd::types::DnsConfigChange::builder();
        for r in &d.records {
            dns = dns.dns_records(
                sd::types::DnsRecord::builder()
                    .r#type(sd::types::RecordType::from(r.as_str()))
                    .ttl(d.ttl)
                    .build()
                    .map_err(|e| format!("{what}: {e}"))?,
            );
        }
        let change = sd::types::ServiceChange::builder()
            .dns_config(dns.build().map_err(|e| format!("{what}: {e}"))?)
            .build();
        let out = self
            .sd
            .update_service()
            .id(id)
            .service(change)
            .send()
            .await
            .map_err(|e| err(&format!("{what}: UpdateService"), e))?;
        if let Some(op) = out.operation_id() {
            self.wait_operation(&what, op).await?;
        }
        Ok(())
    }

    async fn delete_discovery(&self, id: &str) -> CloudResult<()> {
        let start = Instant::now();
        loop {
            match self.sd.delete_service().id(id).send().await {
                Ok(_) => return Ok(()),
                Err(e)
                    if e.as_service_error().is_some_and(|e| e.is_resource_in_use())
                        && start.elapsed() < IN_USE_TIMEOUT =>
                {
                    // ECS deregisters the tasks' instances asynchronously.
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_service_not_found()) =>
                {
                    return Ok(())
                }
                Err(e) => return Err(err(&format!("discovery-service {id}: DeleteService"), e)),
            }
        }
    }

    async fn create_cluster(&self, d: &DCluster) -> CloudResult<()> {
        let mut req = self
            .ecs
            .create_cluster()
            .cluster_name(&d.name)
            .set_tags(Some(ecs_tags(&d.tags)));
        if d.container_insights {
            req = req.settings(
                ecs::types::ClusterSetting::builder()
                    .name(ecs::types::ClusterSettingName::ContainerInsights)
                    .value("enabled")
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| err(&format!("cluster {}: CreateCluster", d.name), e))?;
        Ok(())
    }

    async fn update_cluster(&self, d: &DCluster) -> CloudResult<()> {
        self.ecs
            .update_cluster()
            .cluster(&d.name)
            .settings(
                ecs::types::ClusterSetting::builder()
                    .name(ecs::types::ClusterSettingName::ContainerInsights)
                    .value(if d.container_insights {
                        "enabled"
                    } else {
                        "disabled"
                    })
                    .build(),
            )
            .send()
            .await
            .map_err(|e| err(&format!("cluster {}: UpdateCluster", d.name), e))?;
        Ok(())
    }

    async fn delete_cluster(&self, arn: &str) -> CloudResult<()> {
        self.ecs
            .delete_cluster()
            .cluster(arn)
            .send()
            .await
            .map_err(|e| err(&format!("cluster {arn}: DeleteCluster"), e))?;
        Ok(())
    }

    async fn describe_ingress_rules(
        &self,
        groups: &[String],
        stack: Option<&str>,
    ) -> CloudResult<Vec<OIngressRule>> {
        let mut rules: Vec<OIngressRule> = Vec::new();
        // A filter takes at most 200 values.
        for chunk in groups.chunks(200) {
            rules.extend(self.ec2.describe_rules("group-id", chunk).await?);
        }
        if let Some(stack) = stack {
            let tagged = self
                .ec2
                .describe_rules(&format!("tag:{TAG_STACK}"), &[stack.to_string()])
                .await?;
            for rule in tagged {
                if !rules.iter().any(|r| r.id == rule.id) {
                    rules.push(rule);
                }
            }
        }
        Ok(rules)
    }

    async fn authorize_ingress(&self, d: &DIngressRule) -> CloudResult<String> {
        self.ec2.authorize(d).await
    }

    async fn revoke_ingress(&self, group: &str, rule_id: &str) -> CloudResult<()> {
        self.ec2.revoke(group, rule_id).await
    }

    async fn retag(&self, retag: &Retag) -> CloudResult<()> {
        let Retag {
            target,
            set,
            remove,
        } = retag;
        // Each API gets only the calls it needs: set, remove or both.
        let keys = || Some(remove.clone());
        match target {
            TagTarget::CloudMap(arn) => {
                if !set.is_empty() {
                    self.sd
                        .tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(sd_tags(arn, set)?))
                        .send()
                        .await
                        .map_err(|e| err(&format!("{arn}: TagResource"), e))?;
                }
                if !remove.is_empty() {
                    self.sd
                        .untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(keys())
                        .send()
                        .await
                        .map_err(|e| err(&format!("{arn}: UntagResource"), e))?;
                }
            }
            TagTarget::Ecs(arn) => {
                if !set.is_empty() {
                    self.ecs
                        .tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(ecs_tags(set)))
                        .send()
                        .await
                        .map_err(|e| err(&format!("{arn}: TagResource"), e))?;
                }
                if !remove.is_empty() {
                    self.ecs
                        .untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(keys())
                        .send()
                        .await
                        .map_err(|e| err(&format!("{arn}: UntagResource"), e))?;
                }
            }
            TagTarget::LogGroup(arn) => {
                if !set.is_empty() {
                    self.logs
                        .tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(set.clone().into_iter().collect()))
                        .send()
                        .await
                        .map_err(|e| err(&format!("{arn}: TagResource"), e))?;
                }
                if !remove.is_empty() {
                    self.logs
                        .untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(keys())
                        .send()
                        .await
                        .map_err(|e| err(&format!("{arn}: UntagResource"), e))?;
                }
            }
            TagTarget::Role(name) => {
                let what = format!("iam-role {name}");
                if !set.is_empty() {
                    self.iam
                        .tag_role()
                        .role_name(name)
                        .set_tags(Some(iam_tags(&what, set)?))
                        .send()
                        .await
                        .map_err(|e| err(&format!("{what}: TagRole"), e))?;
                }
                if !remove.is_empty() {
                    self.iam
                        .untag_role()
                        .role_name(name)
                        .set_tag_keys(keys())
                        .send()
                        .await
                        .map_err(|e| err(&format!("{what}: UntagRole"), e))?;
                }
            }
            TagTarget::Ec2(id) => self.ec2.retag(id, set, remove).await?,
        }
        Ok(())
    }

    async fn create_log_group(&self, d: &DLogGroup) -> CloudResult<()> {
        let mut req = self.logs.create_log_group().log_group_name(&d.name);
        for (k, v) in &d.tags {
            req = req.tags(k, v);
        }
        req.send()
            .await
            .map_err(|e| err(&format!("log-group {}: CreateLogGroup", d.name), e))?;
        if d.retention_days.is_some() {
            self.set_retention(&d.name, d.retention_days).await?;
        }
        Ok(())
    }

    async fn set_retention(&self, name: &str, days: Option<u32>) -> CloudResult<()> {
        match days {
            Some(days) => {
                self.logs
                    .put_retention_policy()
                    .log_group_name(name)
                    .retention_in_days(days as i32)
                    .send()
                    .await
                    .map_err(|e| err(&format!("log-group {name}: PutRetentionPolicy"), e))?;
            }
            None => {
                self.logs
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map_err(|e| err(&format!("log-group {name}: DeleteRetentionPolicy"), e))?;
            }
        }
        Ok(())
    }

    async fn delete_log_group(&self, name: &str) -> CloudResult<()> {
        self.logs
            .delete_log_group()
            .log_group_name(name)
            .send()
            .await
            .map_err(|e| err(&format!("log-group {name}: DeleteLogGroup"), e))?;
        Ok(())
    }

    async fn create_role(&self, d: &DRole) -> CloudResult<()> {
        let what = format!("iam-role {}", d.name);
        self.iam
            .create_role()
            .role_name(&d.name)
            .assume_role_policy_document(d.assume_policy.to_string())
            .set_tags(Some(iam_tags(&what, &d.tags)?))
            .send()
            .await
            .map_err(|e| err(&format!("{what}: CreateRole"), e))?;
        Ok(())
    }

    async fn update_assume_role_policy(&self, role: &str, policy: &Value) -> CloudResult<()> {
        self.iam
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(|e| err(&format!("iam-role {role}: UpdateAssumeRolePolicy"), e))?;
        Ok(())
    }

    async fn attach_role_policy(&self, role: &str, arn: &str) -> CloudResult<()> {
        self.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| err(&format!("iam-role {role}: AttachRolePolicy {arn}"), e))?;
        Ok(())
    }

    async fn detach_role_policy(&self, role: &str, arn: &str) -> CloudResult<()> {
        self.iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| err(&format!("iam-role {role}: DetachRolePolicy {arn}"), e))?;
        Ok(())
    }

    async fn put_role_policy(&self, role: &str, name: &str, policy: &Value) -> CloudResult<()> {
        self.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(|e| err(&format!("iam-role {role}: PutRolePolicy {name}"), e))?;
        Ok(())
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> CloudResult<()> {
        self.iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| err(&format!("iam-role {role}: DeleteRolePolicy {name}"), e))?;
        Ok(())
    }

    async fn delete_role(&self, role: &str) -> CloudResult<()> {
        self.iam
            .delete_role()
            .role_name(role)
            .send()
            .await
            .map_err(|e| err(&format!("iam-role {role}: DeleteRole"), e))?;
        Ok(())
    }

    async fn register_task_def(&self, input: &Value) -> CloudResult<String> {
        let family = s(input, "family").unwrap_or_default();
        let out = register_request(&self.ecs, input)?
            .send()
            .await
            .map_err(|e| {
                err(
                    &format!("task-definition {family}: RegisterTaskDefinition"),
                    e,
                )
            })?;
        out.task_definition()
            .and_then(|t| t.task_definition_arn())
            .map(str::to_string)
            .ok_or_else(|| format!("task-definition {family}: no ARN returned"))
    }

    async fn deregister_task_def(&self, arn: &str) -> CloudResult<()> {
        self.ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| {
                err(
                    &format!("task-definition {arn}: DeregisterTaskDefinition"),
                    e,
                )
            })?;
        Ok(())
    }

    async fn create_service(
        &self,
        d: &DService,
        task_definition: &str,
        registry: Option<&str>,
    ) -> CloudResult<()> {
        let mut req = self
            .ecs
            .create_service()
            .cluster(&d.cluster)
            .service_name(&d.name)
            .task_definition(task_definition)
            .desired_count(d.desired_count)
            .launch_type(ecs::types::LaunchType::from(d.launch_type.as_str()))
            .set_platform_version(d.platform_version.clone())
            .network_configuration(Aws::network(d)?)
            .set_tags(Some(ecs_tags(&d.tags)));
        if let Some(arn) = registry {
            req = req.service_registries(Aws::registry(d, arn));
        }
        req.send()
            .await
            .map_err(|e| err(&format!("ecs-service {}: CreateService", d.name), e))?;
        Ok(())
    }

    async fn update_service(&self, d: &DService, u: &ServiceUpdate) -> CloudResult<()> {
        let mut req = self
            .ecs
            .update_service()
            .cluster(&d.cluster)
            .service(&d.name)
            .set_task_definition(u.task_definition.clone())
            .set_desired_count(u.desired_count)
            .set_platform_version(u.platform_version.clone());
        if u.network {
            req = req.network_configuration(Aws::network(d)?);
        }
        match &u.registry {
            Some(Some(arn)) => req = req.service_registries(Aws::registry(d, arn)),
            Some(None) => req = req.set_service_registries(Some(Vec::new())),
            None => {}
        }
        req.send()
            .await
            .map_err(|e| err(&format!("ecs-service {}: UpdateService", d.name), e))?;
        Ok(())
    }

    async fn delete_service(&self, cluster: &str, name: &str) -> CloudResult<()> {
        self.ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .desired_count(0)
            .send()
            .await
            .map_err(|e| {
                err(
                    &format!("ecs-service {name}: UpdateService (scale to 0)"),
                    e,
                )
            })?;
        self.ecs
            .delete_service()
            .cluster(cluster)
            .service(name)
            .force(true)
            .send()
            .await
            .map_err(|e| err(&format!("ecs-service {name}: DeleteService"), e))?;
        Ok(())
    }
}

/// A request id unique to this call (Cloud Map needs one per create).
fn request_id(kind: &str, name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut id = format!("svc-{kind}-{nanos:x}-{name}");
    id.truncate(64);
    id
}
