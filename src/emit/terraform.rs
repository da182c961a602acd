//! The Terraform module: built as `hcl::Body` values with hcl-rs builders,
//! references as traversal expressions, then formatted.

use hcl::expr::{FuncCall, Traversal, TraversalOperator, Variable};
use std::collections::{HashMap, HashSet};

use hcl::{Block, Body, Expression, Identifier, ObjectKey};

use crate::model::*;

use super::taskdef::{self, Ref};
use super::OutputFile;

/// `a.b.c` as a traversal expression.
fn traversal(root: &str, attrs: &[&str]) -> Expression {
    let ops: Vec<TraversalOperator> = attrs
        .iter()
        .map(|a| TraversalOperator::GetAttr(Identifier::sanitized(a)))
        .collect();
    Expression::Traversal(Box::new(Traversal::new(Variable::sanitized(root), ops)))
}

/// A reference to an attribute of a resource: `aws_x.label.attr`.
fn resource_ref(kind: &str, label: &str, attr: &str) -> Expression {
    traversal(kind, &[label, attr])
}

fn var(name: &str) -> Expression {
    traversal("var", &[name])
}

fn text(t: &Text) -> Expression {
    match t {
        Text::Literal(s) => Expression::String(s.clone()),
        Text::Input(name) => var(name),
    }
}

fn text_list(t: &TextList) -> Expression {
    match t {
        TextList::Items(items) => Expression::Array(items.iter().map(text).collect()),
        TextList::Input(name) => var(name),
    }
}

fn tags_expr(tags: &std::collections::BTreeMap<String, String>) -> Expression {
    Expression::Object(
        tags.iter()
            .map(|(k, v)| {
                (
                    ObjectKey::from(Expression::String(k.clone())),
                    Expression::String(v.clone()),
                )
            })
            .collect(),
    )
}

fn add_tags(
    block: hcl::BlockBuilder,
    tags: &std::collections::BTreeMap<String, String>,
) -> hcl::BlockBuilder {
    if tags.is_empty() {
        block
    } else {
        block.add_attribute(("tags", tags_expr(tags)))
    }
}

fn type_expr(ty: &InputType) -> Expression {
    match ty {
        InputType::String => Expression::Variable(Variable::unchecked("string")),
        InputType::Number => Expression::Variable(Variable::unchecked("number")),
        InputType::Bool => Expression::Variable(Variable::unchecked("bool")),
        InputType::List(inner) => Expression::FuncCall(Box::new(
            FuncCall::builder("list").arg(type_expr(inner)).build(),
        )),
    }
}

/// A Terraform-safe label from an arbitrary name (log group names).
pub fn label(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('_')
        .to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        out.insert_str(0, "lg_");
    }
    out
}

/// Resource labels that are not simply a declaration's name, made unique
/// once per module (`/ecs/a` and `/ecs.a` would both sanitise to `ecs_a`).
pub struct Labels {
    log_groups: HashMap<String, String>,
}

impl Labels {
    /// Labels for every log group of the model, in model order.
    pub fn new(model: &Model) -> Self {
        let mut log_groups = HashMap::new();
        let mut used = HashSet::new();
        for group in model.services.iter().flat_map(|s| &s.log_groups) {
            if log_groups.contains_key(&group.name) {
                continue;
            }
            let base = label(&group.name);
            let mut candidate = base.clone();
            let mut n = 2;
            while !used.insert(candidate.clone()) {
                candidate = format!("{base}_{n}");
                n += 1;
            }
            log_groups.insert(group.name.clone(), candidate);
        }
        Labels { log_groups }
    }

    /// No labels (for expressions that reference no resource).
    pub fn empty() -> Self {
        Labels {
            log_groups: HashMap::new(),
        }
    }

    /// The label of the log group resource named `name`.
    pub fn log_group<'a>(&'a self, name: &'a str) -> &'a str {
        self.log_groups.get(name).map_or(name, String::as_str)
    }
}

/// Converts JSON (from the task definition) to an HCL expression, turning
/// reference markers into Terraform references.
fn json_to_hcl(value: &serde_json::Value, labels: &Labels) -> Expression {
    use serde_json::Value;
    match value {
        Value::Null => Expression::Null,
        Value::Bool(b) => Expression::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Expression::from(i),
            None => Expression::from(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => match taskdef::decode_ref(s) {
            Some(r) => ref_expr(&r, labels),
            None => Expression::String(s.clone()),
        },
        Value::Array(items) => {
            Expression::Array(items.iter().map(|v| json_to_hcl(v, labels)).collect())
        }
        Value::Object(map) => Expression::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = if !k.contains('-') && hcl::Identifier::new(k.as_str()).is_ok() {
                        ObjectKey::Identifier(Identifier::unchecked(k))
                    } else {
                        ObjectKey::from(Expression::String(k.clone()))
                    };
                    (key, json_to_hcl(v, labels))
                })
                .collect(),
        ),
    }
}

fn ref_expr(r: &Ref, labels: &Labels) -> Expression {
    match r {
        Ref::Input(name) => var(name),
        Ref::Region => traversal("data", &["aws_region", "current", "name"]),
        Ref::ExecutionRole(service) => {
            resource_ref("aws_iam_role", &execution_role_label(service), "arn")
        }
        Ref::LogGroup(name) => {
            resource_ref("aws_cloudwatch_log_group", labels.log_group(name), "name")
        }
    }
}

fn execution_role_label(service: &str) -> String {
    format!("{service}_execution")
}

/// Renders the module: `versions.tf`, `variables.tf`, `main.tf`, `outputs.tf`.
pub fn emit(model: &Model) -> Vec<OutputFile> {
    let mut files = vec![
        OutputFile {
            path: "versions.tf".into(),
            content: format(&versions()),
        },
        OutputFile {
            path: "main.tf".into(),
            content: format(&main(model)),
        },
        OutputFile {
            path: "outputs.tf".into(),
            content: format(&outputs(model)),
        },
    ];
    if !model.inputs.is_empty() {
        files.insert(
            1,
            OutputFile {
                path: "variables.tf".into(),
                content: format(&variables(model)),
            },
        );
    }
    files
}

fn format(body: &Body) -> String {
    super::hclfmt::print(body)
}

fn versions() -> Body {
    let aws = Expression::Object(
        [
            (
                ObjectKey::Identifier(Identifier::unchecked("source")),
                Expression::String("hashicorp/aws".into()),
            ),
            (
                ObjectKey::Identifier(Identifier::unchecked("version")),
                Expression::String(">= 5.0, < 6.0".into()),
            ),
        ]
        .into_iter()
        .collect(),
    );
    Body::builder()
        .add_block(
            Block::builder("terraform")
                .add_attribute(("required_version", ">= 1.5.0"))
                .add_block(
                    Block::builder("required_providers")
                        .add_attribute(("aws", aws))
                        .build(),
                )
                .build(),
        )
        .build()
}

fn variables(model: &Model) -> Body {
    let mut body = Body::builder();
    for input in &model.inputs {
        let mut block = Block::builder("variable")
            .add_label(input.name.as_str())
            .add_attribute(("type", type_expr(&input.ty)));
        if let Some(d) = &input.description {
            block = block.add_attribute(("description", d.as_str()));
        }
        if let Some(default) = &input.default {
            block = block.add_attribute(("default", json_to_hcl(default, &Labels::empty())));
        }
        body = body.add_block(block.build());
    }
    body.build()
}

fn main(model: &Model) -> Body {
    let labels = Labels::new(model);
    let mut body = Body::builder();
    let needs_region = model
        .services
        .iter()
        .flat_map(|s| &s.containers)
        .any(|c| c.logs.as_ref().is_some_and(|l| l.region.is_none()));
    // Bare SSM parameter names in secrets become ARNs in the execution
    // role's policy, which needs the partition, region and account.
    let needs_account = model.services.iter().any(|s| {
        matches!(s.execution_role, ExecutionRole::Create { .. })
            && s.containers
                .iter()
                .flat_map(|c| c.secrets.values())
                .any(|v| matches!(SecretRef::parse(v), Ok(SecretRef::SsmName(_))))
    });
    let data = |kind: &str| {
        Block::builder("data")
            .add_label(kind)
            .add_label("current")
            .build()
    };
    if needs_region || needs_account {
        body = body.add_block(data("aws_region"));
    }
    if needs_account {
        body = body.add_block(data("aws_caller_identity"));
        body = body.add_block(data("aws_partition"));
    }
    for ns in &model.namespaces {
        let mut block = Block::builder("resource")
            .add_label("aws_service_discovery_private_dns_namespace")
            .add_label(ns.name.as_str())
            .add_attribute(("name", ns.domain.as_str()));
        if let Some(d) = &ns.description {
            block = block.add_attribute(("description", d.as_str()));
        }
        block = block.add_attribute(("vpc", text(&ns.vpc)));
        body = body.add_block(add_tags(block, &ns.tags).build());
    }
    for cluster in &model.clusters {
        let mut block = Block::builder("resource")
            .add_label("aws_ecs_cluster")
            .add_label(cluster.name.as_str())
            .add_attribute(("name", cluster.cluster_name.as_str()));
        if cluster.container_insights {
            block = block.add_block(
                Block::builder("setting")
                    .add_attribute(("name", "containerInsights"))
                    .add_attribute(("value", "enabled"))
                    .build(),
            );
        }
        body = body.add_block(add_tags(block, &cluster.tags).build());
    }
    let mut emitted_groups: std::collections::HashSet<&str> = Default::default();
    for service in &model.services {
        for group in &service.log_groups {
            if !emitted_groups.insert(&group.name) {
                continue;
            }
            let mut block = Block::builder("resource")
                .add_label("aws_cloudwatch_log_group")
                .add_label(labels.log_group(&group.name))
                .add_attribute(("name", group.name.as_str()));
            if let Some(days) = group.retention_days {
                block = block.add_attribute(("retention_in_days", days as i64));
            }
            body = body.add_block(add_tags(block, &service.tags).build());
        }
        if let ExecutionRole::Create { role_name } = &service.execution_role {
            body = body.add_blocks(execution_role(service, role_name));
            if let Some(policy) = secrets_policy(service) {
                body = body.add_block(policy);
            }
        }
        if let Some(d) = &service.discovery {
            body = body.add_block(discovery_service(service, d));
        }
        body = body.add_block(task_definition(&labels, service));
        body = body.add_block(ecs_service(&labels, service));
    }
    body.build()
}

fn execution_role(service: &Service, role_name: &str) -> Vec<Block> {
    let label = execution_role_label(&service.name);
    let policy = json_to_hcl(&execution_assume_role_policy(), &Labels::empty());
    let role = Block::builder("resource")
        .add_label("aws_iam_role")
        .add_label(label.as_str())
        .add_attribute(("name", role_name))
        .add_attribute((
            "assume_role_policy",
            Expression::FuncCall(Box::new(
                FuncCall::builder("jsonencode").arg(policy).build(),
            )),
        ));
    let attachment = Block::builder("resource")
        .add_label("aws_iam_role_policy_attachment")
        .add_label(label.as_str())
        .add_attribute(("role", resource_ref("aws_iam_role", &label, "name")))
        .add_attribute(("policy_arn", EXECUTION_POLICY_ARN))
        .build();
    vec![add_tags(role, &service.tags).build(), attachment]
}

fn discovery_service(service: &Service, d: &Discovery) -> Block {
    let mut dns = Block::builder("dns_config").add_attribute((
        "namespace_id",
        resource_ref(
            "aws_service_discovery_private_dns_namespace",
            &d.namespace,
            "id",
        ),
    ));
    for record in &d.records {
        dns = dns.add_block(
            Block::builder("dns_records")
                .add_attribute(("ttl", d.ttl_s as i64))
                .add_attribute(("type", record.as_aws()))
                .build(),
        );
    }
    dns = dns.add_attribute(("routing_policy", d.routing.as_aws()));
    let mut block = Block::builder("resource")
        .add_label("aws_service_discovery_service")
        .add_label(service.name.as_str())
        .add_attribute(("name", d.name.as_str()))
        .add_block(dns.build());
    if let Some(custom) = &d.custom_health_check {
        // The provider drops an empty block (no custom health check at
        // all), so the threshold is always written; AWS only accepts 1.
        let threshold = custom.failure_threshold.unwrap_or(1);
        let hc = Block::builder("health_check_custom_config")
            .add_attribute(("failure_threshold", threshold as i64));
        block = block.add_block(hc.build());
    }
    add_tags(block, &d.tags).build()
}

fn task_definition(labels: &Labels, service: &Service) -> Block {
    let def = taskdef::task_definition(service);
    let containers =
        serde_json::to_value(&def.container_definitions).expect("containers serialise");
    let mut block = Block::builder("resource")
        .add_label("aws_ecs_task_definition")
        .add_label(service.name.as_str())
        .add_attribute(("family", def.family.as_str()))
        .add_attribute(("network_mode", def.network_mode))
        .add_attribute((
            "requires_compatibilities",
            Expression::Array(
                def.requires_compatibilities
                    .iter()
                    .map(|s| Expression::from(*s))
                    .collect(),
            ),
        ))
        .add_attribute(("cpu", def.cpu.as_str()))
        .add_attribute(("memory", def.memory.as_str()));
    let role_expr = |s: &taskdef::Str| match s {
        taskdef::Str::Lit(v) => Expression::String(v.clone()),
        taskdef::Str::Ref(r) => ref_expr(r, labels),
    };
    block = block.add_attribute(("execution_role_arn", role_expr(&def.execution_role_arn)));
    if let Some(task_role) = &def.task_role_arn {
        block = block.add_attribute(("task_role_arn", role_expr(task_role)));
    }
    if let Some(storage) = &def.ephemeral_storage {
        block = block.add_block(
            Block::builder("ephemeral_storage")
                .add_attribute(("size_in_gib", storage.size_in_gib as i64))
                .build(),
        );
    }
    block = block.add_attribute((
        "container_definitions",
        Expression::FuncCall(Box::new(
            FuncCall::builder("jsonencode")
                .arg(json_to_hcl(&containers, labels))
                .build(),
        )),
    ));
    add_tags(block, &service.tags).build()
}

fn ecs_service(labels: &Labels, service: &Service) -> Block {
    let cluster = match &service.cluster {
        ClusterRef::Declared(name) => resource_ref("aws_ecs_cluster", name, "id"),
        ClusterRef::Existing(t) => text(t),
    };
    let mut block = Block::builder("resource")
        .add_label("aws_ecs_service")
        .add_label(service.name.as_str())
        .add_attribute(("name", service.name.as_str()))
        .add_attribute(("cluster", cluster))
        .add_attribute(("launch_type", service.launch_type.as_aws()));
    if let Some(v) = &service.platform_version {
        block = block.add_attribute(("platform_version", v.as_str()));
    }
    block = block
        .add_attribute((
            "task_definition",
            resource_ref("aws_ecs_task_definition", &service.name, "arn"),
        ))
        .add_attribute(("desired_count", service.replicas as i64))
        .add_block(
            Block::builder("network_configuration")
                .add_attribute(("subnets", text_list(&service.network.subnets)))
                .add_attribute((
                    "security_groups",
                    text_list(&service.network.security_groups),
                ))
                .add_attribute(("assign_public_ip", service.network.public_ip))
                .build(),
        );
    if let Some(d) = &service.discovery {
        let mut reg = Block::builder("service_registries").add_attribute((
            "registry_arn",
            resource_ref("aws_service_discovery_service", &service.name, "arn"),
        ));
        if let Some((container, port)) = &d.srv_target {
            reg = reg
                .add_attribute(("container_name", container.as_str()))
                .add_attribute(("container_port", *port as i64));
        }
        block = block.add_block(reg.build());
    }
    let mut depends: Vec<Expression> = Vec::new();
    if matches!(service.execution_role, ExecutionRole::Create { .. }) {
        let label = execution_role_label(&service.name);
        depends.push(traversal("aws_iam_role_policy_attachment", &[&label]));
        if secrets_policy(service).is_some() {
            depends.push(traversal(
                "aws_iam_role_policy",
                &[&format!("{label}_secrets")],
            ));
        }
    }
    for group in &service.log_groups {
        depends.push(traversal(
            "aws_cloudwatch_log_group",
            &[labels.log_group(&group.name)],
        ));
    }
    block = add_tags(block, &service.tags);
    if !depends.is_empty() {
        block = block.add_attribute(("depends_on", Expression::Array(depends)));
    }
    block.build()
}

/// Two outputs, `namespaces` and `services`, each an object keyed by the
/// declaration's name, so no two declarations can produce the same output
/// name (`a` + `_discovery_service_arn` vs `a_discovery` + `_service_arn`).
fn outputs(model: &Model) -> Body {
    let attr = |name: &str| ObjectKey::Identifier(Identifier::unchecked(name));
    let namespaces: Expression = object_by_name(
        model
            .namespaces
            .iter()
            .map(|ns| {
                let fields: hcl::Object<ObjectKey, Expression> = [
                    (attr("domain"), Expression::String(ns.domain.clone())),
                    (
                        attr("id"),
                        resource_ref(
                            "aws_service_discovery_private_dns_namespace",
                            &ns.name,
                            "id",
                        ),
                    ),
                    (
                        attr("arn"),
                        resource_ref(
                            "aws_service_discovery_private_dns_namespace",
                            &ns.name,
                            "arn",
                        ),
                    ),
                ]
                .into_iter()
                .collect();
                (ns.name.as_str(), Expression::Object(fields))
            })
            .collect(),
    );
    let services: Expression = object_by_name(
        model
            .services
            .iter()
            .map(|service| {
                let mut fields: hcl::Object<ObjectKey, Expression> = hcl::Object::new();
                if let Some(d) = &service.discovery {
                    fields.insert(attr("dns_name"), Expression::String(d.dns_name(model)));
                    fields.insert(
                        attr("discovery_service_arn"),
                        resource_ref("aws_service_discovery_service", &service.name, "arn"),
                    );
                }
                fields.insert(
                    attr("service_arn"),
                    resource_ref("aws_ecs_service", &service.name, "id"),
                );
                fields.insert(
                    attr("task_definition_arn"),
                    resource_ref("aws_ecs_task_definition", &service.name, "arn"),
                );
                (service.name.as_str(), Expression::Object(fields))
            })
            .collect(),
    );
    let output = |name: &str, description: &str, value: Expression| {
        Block::builder("output")
            .add_label(name)
            .add_attribute(("description", description))
            .add_attribute(("value", value))
            .build()
    };
    Body::builder()
        .add_block(output(
            "namespaces",
            "Cloud Map namespaces by declaration name: domain, id and ARN",
            namespaces,
        ))
        .add_block(output(
            "services",
            "ECS services by declaration name: the DNS name callers resolve (with discovery), and the ARNs",
            services,
        ))
        .build()
}

/// An object keyed by declaration names. `hcl::Object` checks every insert
/// against all keys so far, which is quadratic for an object with a key per
/// service (1.4 s of 10 s at 10,000 services); names of one kind are
/// distinct after checking, so after confirming that with a hash set the
/// entries become the object as they are.
fn object_by_name(entries: Vec<(&str, Expression)>) -> Expression {
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    let distinct = entries.iter().all(|(name, _)| seen.insert(*name));
    let entries = entries
        .into_iter()
        .map(|(name, value)| (ObjectKey::from(Expression::String(name.to_string())), value));
    if !distinct {
        return Expression::Object(entries.collect());
    }
    let entries: Vec<(ObjectKey, Expression)> = entries.collect();
    // SAFETY: the keys are distinct (checked above), which is the one
    // requirement of `from_vec_unchecked`.
    Expression::Object(unsafe { hcl::Object::from_vec_unchecked(entries) })
}

/// Read access for the created execution role to exactly the secrets the
/// service's containers use.
fn secrets_policy(service: &Service) -> Option<Block> {
    let grants = service.secret_grants();
    if grants.is_empty() {
        return None;
    }
    let ssm: Vec<Expression> = grants
        .ssm
        .iter()
        .map(|g| match g {
            SsmGrant::Arn(arn) => Expression::String(arn.clone()),
            SsmGrant::Path(path) => Expression::FuncCall(Box::new(
                FuncCall::builder("format")
                    .arg("arn:%s:ssm:%s:%s:parameter%s")
                    .arg(traversal(
                        "data",
                        &["aws_partition", "current", "partition"],
                    ))
                    .arg(traversal("data", &["aws_region", "current", "name"]))
                    .arg(traversal(
                        "data",
                        &["aws_caller_identity", "current", "account_id"],
                    ))
                    .arg(path.as_str())
                    .build(),
            )),
        })
        .collect();
    let secretsmanager: Vec<Expression> = grants
        .secretsmanager
        .iter()
        .map(|r| Expression::String(r.clone()))
        .collect();
    let obj = |pairs: Vec<(&str, Expression)>| {
        Expression::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (ObjectKey::Identifier(Identifier::unchecked(k)), v))
                .collect(),
        )
    };
    let mut statements = Vec::new();
    if !ssm.is_empty() {
        statements.push(obj(vec![
            ("Effect", "Allow".into()),
            (
                "Action",
                Expression::Array(vec!["ssm:GetParameters".into()]),
            ),
            ("Resource", Expression::Array(ssm)),
        ]));
    }
    if !secretsmanager.is_empty() {
        statements.push(obj(vec![
            ("Effect", "Allow".into()),
            (
                "Action",
                Expression::Array(vec!["secretsmanager:GetSecretValue".into()]),
            ),
            ("Resource", Expression::Array(secretsmanager)),
        ]));
    }
    let label = execution_role_label(&service.name);
    let policy = obj(vec![
        ("Version", "2012-10-17".into()),
        ("Statement", Expression::Array(statements)),
    ]);
    Some(
        Block::builder("resource")
            .add_label("aws_iam_role_policy")
            .add_label(format!("{label}_secrets"))
            .add_attribute(("name", SECRETS_POLICY_NAME))
            .add_attribute(("role", resource_ref("aws_iam_role", &label, "id")))
            .add_attribute((
                "policy",
                Expression::FuncCall(Box::new(
                    FuncCall::builder("jsonencode").arg(policy).build(),
                )),
            ))
            .build(),
    )
}
