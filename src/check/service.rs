//! Checking `service` declarations: size, network, containers, discovery.

use std::collections::{BTreeMap, HashMap};

use crate::model::*;
use crate::syntax::ast::{Block, Decl, Entry, ExprKind, Span};

use super::errors::*;
use super::fields::{object, Fields, Val};
use super::rules::{self, HealthLimit};
use super::{Checker, DeclKind};

impl<'d> Checker<'d> {
    pub(super) fn service(&mut self, decl: &'d Decl, model: &mut Model) -> Option<Service> {
        let name = &decl.name.name;
        let mut f = Fields::new(format!("service {name}"), decl.name.span, &decl.body);

        let cluster = self.service_cluster(&mut f, name, model);
        let replicas = match f.optional(self, "replicas") {
            Some(v) => self.uint(v, "replicas", 0, 5000).map(|n| n as u32),
            None => Some(1),
        };
        let launch_type = match f.optional(self, "launch") {
            Some(v) => self.enum_value(v, "launch type", &[("fargate", LaunchType::Fargate)]),
            None => Some(LaunchType::Fargate),
        };
        let platform_version = match f.optional(self, "platform_version") {
            Some(v) => self.platform_version(v).map(Some),
            None => Some(None),
        };
        let size = f
            .required(self, "size", "size = { cpu = 256, memory = 512MiB }")
            .and_then(|v| self.size(v));
        let network = f
            .required(
                self,
                "network",
                "network { subnets = input.subnet_ids, security_groups = [input.sg_id] }",
            )
            .and_then(|v| self.network(v));
        let task_role = match f.optional(self, "task_role") {
            Some(v) => self.text(v).map(Some),
            None => Some(None),
        };
        let execution_role = match f.optional(self, "execution_role") {
            Some(v) => self.text(v).map(ExecutionRole::Existing),
            None => Some(ExecutionRole::Create {
                role_name: format!("{name}-execution"),
            }),
        };

        let blocks = f.labelled_blocks(self, "container");
        if blocks.is_empty() {
            self.diags.push(MissingField {
                span: decl.name.span.into(),
                key: "container".into(),
                context: format!("service {name}"),
                help: "add `container app { image = \"nginx:latest\", port = 80/tcp }`".into(),
            });
        }
        if blocks.len() > 10 {
            self.diags.push(OutOfRange {
                span: blocks[10].kind.span.into(),
                what: "the number of containers in a task".into(),
                range: "between 1 and 10".into(),
                found: blocks.len().to_string(),
                help: "split the task into several services".into(),
            });
        }
        let mut containers = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut containers_ok = true;
        for block in &blocks {
            let label = block
                .label
                .as_ref()
                .expect("labelled_blocks returns labelled blocks");
            if let Some(first) = seen.insert(&label.name, label.span) {
                self.diags.push(DuplicateName {
                    span: label.span.into(),
                    first: first.into(),
                    what: "container".into(),
                    name: label.name.clone(),
                });
                containers_ok = false;
                continue;
            }
            match self.container(name, block) {
                Some(c) => containers.push(c),
                None => containers_ok = false,
            }
        }

        let discovery = match f.optional(self, "discovery") {
            Some(v) => self.discovery(name, v, &containers).map(Some),
            None => Some(None),
        };
        let tags = self.tags(&mut f);
        f.finish(self);

        let (cpu, memory_mib) = size?;
        let log_groups = self.log_groups(&blocks, &containers)?;
        if !containers_ok {
            return None;
        }
        Some(Service {
            name: name.clone(),
            cluster: cluster?,
            replicas: replicas?,
            launch_type: launch_type?,
            platform_version: platform_version?,
            cpu,
            memory_mib,
            network: network?,
            task_role: task_role?,
            execution_role: execution_role?,
            containers,
            discovery: discovery?,
            log_groups,
            tags: tags?,
        })
    }

    /// `cluster = name` (declared), `cluster = "existing"` or an input.
    /// Omitted: the only declared cluster, or a new one named after the
    /// service when none is declared.
    fn service_cluster(
        &mut self,
        f: &mut Fields,
        service: &str,
        model: &mut Model,
    ) -> Option<ClusterRef> {
        match f.optional(self, "cluster") {
            Some(v @ Val::Expr(e)) => match &e.kind {
                ExprKind::Path(p) if p.len() == 1 => self
                    .reference(v, DeclKind::Cluster)
                    .map(ClusterRef::Declared),
                _ => self.text(v).map(ClusterRef::Existing),
            },
            Some(v) => self.text(v).map(ClusterRef::Existing),
            None => {
                let declared = self.names_of(DeclKind::Cluster);
                match declared.as_slice() {
                    [only] => Some(ClusterRef::Declared(only.clone())),
                    [] => {
                        if model.cluster(service).is_none() {
                            model.clusters.push(Cluster {
                                name: service.to_string(),
                                cluster_name: service.to_string(),
                                container_insights: false,
                                tags: BTreeMap::new(),
                            });
                        }
                        Some(ClusterRef::Declared(service.to_string()))
                    }
                    _ => {
                        self.diags.push(MissingField {
                            span: f.header().into(),
                            key: "cluster".into(),
                            context: f.context().to_string(),
                            help: format!(
                                "several clusters are declared; choose one: `cluster = {}`",
                                declared[0]
                            ),
                        });
                        None
                    }
                }
            }
        }
    }

    fn platform_version(&mut self, v: Val) -> Option<String> {
        let s = self.string(v)?;
        const VERSIONS: [&str; 3] = ["LATEST", "1.4.0", "1.3.0"];
        if VERSIONS.contains(&s.as_str()) {
            return Some(s);
        }
        let help = match super::suggest(&s, VERSIONS.into_iter()) {
            Some(x) => format!("did you mean `\"{x}\"`?"),
            None => {
                "Linux Fargate platform versions are \"LATEST\", \"1.4.0\" and \"1.3.0\"".into()
            }
        };
        self.diags.push(UnknownEnumValue {
            span: v.span().into(),
            value: s,
            what: "Fargate platform version".into(),
            allowed: "\"LATEST\", \"1.4.0\", \"1.3.0\"".into(),
            help,
        });
        None
    }

    /// `size = { cpu = 256, memory = 512MiB }`: checked against Fargate's
    /// table. Returns (cpu units, memory MiB).
    fn size(&mut self, v: Val) -> Option<(u32, u32)> {
        let (body, header) = object(self, "size", v)?;
        let mut f = Fields::new("size", header, body);
        let cpu_val = f.required(self, "cpu", "cpu = 256");
        let cpu = cpu_val.and_then(|v| self.cpu_units(v, "task cpu"));
        let mem_val = f.required(self, "memory", "memory = 512MiB");
        let memory = mem_val.and_then(|v| self.size_mib(v, "task memory"));
        f.finish(self);
        let (cpu, memory) = (cpu?, memory?);
        let valid = rules::fargate_memory_options(cpu).is_some_and(|o| o.contains(&memory));
        if !valid {
            self.diags.push(FargateSize {
                cpu_span: cpu_val?.span().into(),
                memory_span: mem_val?.span().into(),
                cpu: rules::format_cpu(cpu),
                memory: rules::format_mib(memory),
                help: rules::fargate_help(cpu, memory),
            });
            return None;
        }
        Some((cpu as u32, memory as u32))
    }

    fn network(&mut self, v: Val) -> Option<Network> {
        let (body, header) = object(self, "network", v)?;
        let mut f = Fields::new("network", header, body);
        let subnets = f
            .required(self, "subnets", "subnets = input.subnet_ids")
            .and_then(|v| self.id_list(v, "subnets", 1, 16));
        let security_groups = match f.optional(self, "security_groups") {
            Some(v) => self.id_list(v, "security groups", 0, 5),
            None => Some(TextList::Items(Vec::new())),
        };
        let public_ip = match f.optional(self, "public_ip") {
            Some(v) => self.bool(v),
            None => Some(false),
        };
        f.finish(self);
        Some(Network {
            subnets: subnets?,
            security_groups: security_groups?,
            public_ip: public_ip?,
        })
    }

    /// A list of ids with a count limit (checked when written as a list).
    fn id_list(&mut self, v: Val, what: &str, min: usize, max: usize) -> Option<TextList> {
        let list = self.text_list(v)?;
        if let TextList::Items(items) = &list {
            if items.len() < min || items.len() > max {
                self.diags.push(OutOfRange {
                    span: v.span().into(),
                    what: format!("the number of {what}"),
                    range: format!("between {min} and {max}"),
                    found: items.len().to_string(),
                    help: format!("an ECS service takes {min} to {max} {what}"),
                });
                return None;
            }
        }
        Some(list)
    }

    fn container(&mut self, service: &str, block: &'d Block) -> Option<Container> {
        let label = block.label.as_ref()?;
        let mut f = Fields::new(format!("container {}", label.name), label.span, &block.body);
        let name = self.container_name(label);
        let image = f
            .required(self, "image", "image = \"nginx:latest\"")
            .and_then(|v| self.image(v));
        let cpu = match f.optional(self, "cpu") {
            Some(v) => self.cpu_units(v, "container cpu").map(|n| Some(n as u32)),
            None => Some(None),
        };
        let memory_mib = match f.optional(self, "memory") {
            Some(v) => self.size_mib(v, "container memory").map(|n| Some(n as u32)),
            None => Some(None),
        };
        let memory_reservation_mib = match f.optional(self, "memory_reservation") {
            Some(v) => self
                .size_mib(v, "container memory reservation")
                .map(|n| Some(n as u32)),
            None => Some(None),
        };
        let essential = match f.optional(self, "essential") {
            Some(v) => self.bool(v),
            None => Some(true),
        };
        let command = match f.optional(self, "command") {
            Some(v) => self.string_list(v).map(Some),
            None => Some(None),
        };
        let ports = self.ports(&mut f);
        let environment = match f.optional(self, "env") {
            Some(v) => self.environment(v),
            None => Some(BTreeMap::new()),
        };
        let logs = match f.optional(self, "logs") {
            Some(v) => self.logs(service, Some(v)),
            None => self.logs(service, None),
        };
        let health = match f.optional(self, "health") {
            Some(v) => self.health(v).map(Some),
            None => Some(None),
        };
        f.finish(self);
        Some(Container {
            name: name?,
            image: image?,
            cpu: cpu?,
            memory_mib: memory_mib?,
            memory_reservation_mib: memory_reservation_mib?,
            essential: essential?,
            command: command?,
            ports: ports?,
            environment: environment?,
            logs: Some(logs?),
            health: health?,
        })
    }

    fn container_name(&mut self, label: &crate::syntax::ast::Ident) -> Option<String> {
        if label.name.len() > 255 {
            self.diags.push(InvalidFormat {
                span: label.span.into(),
                what: "container name".into(),
                reason: "longer than 255 characters".into(),
                help: "use a shorter name".into(),
            });
            return None;
        }
        Some(label.name.clone())
    }

    fn image(&mut self, v: Val) -> Option<Text> {
        let image = self.text(v)?;
        if let Text::Literal(s) = &image {
            let reason = if s.trim().is_empty() {
                Some("it is empty".to_string())
            } else if s.len() > 255 {
                Some(format!(
                    "it is {} characters long, the limit is 255",
                    s.len()
                ))
            } else if s.chars().any(char::is_whitespace) {
                Some("it contains white space".to_string())
            } else {
                None
            };
            if let Some(reason) = reason {
                self.diags.push(InvalidFormat {
                    span: v.span().into(),
                    what: "image".into(),
                    reason,
                    help: "write an image reference such as `nginx:latest` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2`".into(),
                });
                return None;
            }
        }
        Some(image)
    }

    /// `port = 80/tcp` or `ports = [80/tcp, 9090/tcp]`.
    fn ports(&mut self, f: &mut Fields) -> Option<Vec<PortMapping>> {
        let one = f.optional(self, "port");
        let many = f.optional(self, "ports");
        let mut out = Vec::new();
        let mut ok = true;
        if let (Some(a), Some(b)) = (one, many) {
            self.diags.push(DuplicateField {
                span: b.span().into(),
                first: a.span().into(),
                key: "port".into(),
            });
            return None;
        }
        if let Some(v) = one {
            out.push(self.port(v)?);
        }
        if let Some(v @ Val::Expr(e)) = many {
            match &e.kind {
                ExprKind::List(items) => {
                    let mut seen: HashMap<(u16, &str), Span> = HashMap::new();
                    for item in items {
                        match self.port(Val::Expr(item)) {
                            Some(p) => {
                                if let Some(first) =
                                    seen.insert((p.port, p.protocol.as_aws()), item.span)
                                {
                                    self.diags.push(DuplicateName {
                                        span: item.span.into(),
                                        first: first.into(),
                                        what: "port".into(),
                                        name: format!("{}/{}", p.port, p.protocol.as_aws()),
                                    });
                                    ok = false;
                                }
                                out.push(p);
                            }
                            None => ok = false,
                        }
                    }
                }
                _ => {
                    self.diags.push(TypeMismatch {
                        span: v.span().into(),
                        expected: "a list of ports".into(),
                        found: v.describe().into(),
                        help: "write `ports = [80/tcp, 9090/tcp]`, or `port = 80/tcp` for one"
                            .into(),
                    });
                    ok = false;
                }
            }
        } else if let Some(v @ Val::Block(_)) = many {
            self.diags.push(TypeMismatch {
                span: v.span().into(),
                expected: "a list of ports".into(),
                found: "a block".into(),
                help: "write `ports = [80/tcp, 9090/tcp]`".into(),
            });
            ok = false;
        }
        ok.then_some(out)
    }

    /// `env { NAME = "value" }`; values are strings, numbers, booleans or
    /// `<service>.dns_name`.
    fn environment(&mut self, v: Val) -> Option<BTreeMap<String, String>> {
        let (body, _) = object(self, "env", v)?;
        let mut out = BTreeMap::new();
        let mut ok = true;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for entry in &body.entries {
            let key = entry.key();
            if let Some(first) = seen.insert(&key.name, key.span) {
                self.diags.push(DuplicateField {
                    span: key.span.into(),
                    first: first.into(),
                    key: key.name.clone(),
                });
                ok = false;
                continue;
            }
            let Entry::Attribute(attr) = entry else {
                self.diags.push(TypeMismatch {
                    span: key.span.into(),
                    expected: "`NAME = value`".into(),
                    found: "a block".into(),
                    help: "environment variables are `NAME = \"value\"`".into(),
                });
                ok = false;
                continue;
            };
            let value = match &attr.value.kind {
                ExprKind::String(s) => Some(s.clone()),
                ExprKind::Number(n) => Some(n.replace('_', "")),
                ExprKind::Bool(b) => Some(b.to_string()),
                ExprKind::Path(p) if p.len() == 2 && p[0].name != "input" => self.dns_reference(p),
                _ => {
                    self.diags.push(TypeMismatch {
                        span: attr.value.span.into(),
                        expected: "a string".into(),
                        found: attr.value.kind.describe().into(),
                        help: "environment values are strings, numbers, booleans or `SERVICE.dns_name`".into(),
                    });
                    None
                }
            };
            match value {
                Some(v) => {
                    out.insert(key.name.clone(), v);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// `service_b.dns_name`: the DNS name callers resolve for a service.
    fn dns_reference(&mut self, path: &[crate::syntax::ast::Ident]) -> Option<String> {
        let service = self.resolve(&path[0], DeclKind::Service)?;
        let attr = &path[1];
        if attr.name != "dns_name" {
            let help = match super::suggest(&attr.name, ["dns_name"].into_iter()) {
                Some(s) => format!("did you mean `{}.{s}`?", service),
                None => "a service has one attribute: `dns_name`".into(),
            };
            self.diags.push(UnresolvedName {
                span: attr.span.into(),
                what: "service attribute".into(),
                name: attr.name.clone(),
                help,
            });
            return None;
        }
        // Read the callee's discovery settings from its declaration: the
        // callee may be checked after the caller.
        let decl = self.decl(&service, DeclKind::Service)?;
        let discovery = decl.body.entries.iter().find_map(|e| match e {
            Entry::Block(b) if b.kind.name == "discovery" => Some(&b.body),
            Entry::Attribute(a) if a.key.name == "discovery" => match &a.value.kind {
                ExprKind::Object(body) => Some(body),
                _ => None,
            },
            _ => None,
        });
        let Some(discovery) = discovery else {
            self.diags.push(UnresolvedName {
                span: attr.span.into(),
                what: "DNS name".into(),
                name: format!("{service}.dns_name"),
                help: format!(
                    "service `{service}` has no `discovery` block, so it has no DNS name; add one"
                ),
            });
            return None;
        };
        let attr_of = |key: &str| {
            discovery.entries.iter().find_map(|e| match e {
                Entry::Attribute(a) if a.key.name == key => Some(&a.value.kind),
                _ => None,
            })
        };
        let name = match attr_of("name") {
            Some(ExprKind::String(s)) => s.clone(),
            Some(_) => return None, // reported when the callee is checked
            None => default_discovery_name(&service),
        };
        let namespace = match attr_of("namespace") {
            Some(ExprKind::Path(p)) if p.len() == 1 => p[0].name.clone(),
            Some(_) => return None,
            None => match self.names_of(DeclKind::Namespace).as_slice() {
                [only] => only.clone(),
                _ => return None,
            },
        };
        let ns = self.decl(&namespace, DeclKind::Namespace)?;
        let domain = ns.body.entries.iter().find_map(|e| match e {
            Entry::Attribute(a) if a.key.name == "domain" => match &a.value.kind {
                ExprKind::String(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        })?;
        Some(format!("{name}.{domain}"))
    }

    /// `logs { ... }` of a container; defaults when omitted.
    fn logs(&mut self, service: &str, v: Option<Val>) -> Option<Logs> {
        let mut logs = Logs {
            group: format!("/ecs/{service}"),
            region: None,
            stream_prefix: "ecs".into(),
            create_group: true,
        };
        let Some(v) = v else { return Some(logs) };
        let (body, header) = object(self, "logs", v)?;
        let mut f = Fields::new("logs", header, body);
        let mut ok = true;
        if let Some(v) = f.optional(self, "group") {
            match self.log_group_name(v) {
                Some(g) => logs.group = g,
                None => ok = false,
            }
        }
        if let Some(v) = f.optional(self, "region") {
            match self.text(v) {
                Some(r) => logs.region = Some(r),
                None => ok = false,
            }
        }
        if let Some(v) = f.optional(self, "stream_prefix") {
            match self.string(v) {
                Some(p) if !p.is_empty() && !p.contains(':') && !p.contains('*') => {
                    logs.stream_prefix = p
                }
                Some(_) => {
                    self.diags.push(InvalidFormat {
                        span: v.span().into(),
                        what: "stream prefix".into(),
                        reason: "it is empty or contains `:` or `*`".into(),
                        help: "Fargate requires a stream prefix such as `ecs`".into(),
                    });
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(v) = f.optional(self, "create") {
            match self.bool(v) {
                Some(b) => logs.create_group = b,
                None => ok = false,
            }
        }
        // retention is read per group in `log_groups`, but asked for here so
        // it counts as known.
        let _ = f.optional(self, "retention");
        f.finish(self);
        ok.then_some(logs)
    }

    fn log_group_name(&mut self, v: Val) -> Option<String> {
        let s = self.string(v)?;
        let ok = !s.is_empty()
            && s.len() <= 512
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
        if !ok {
            self.diags.push(InvalidFormat {
                span: v.span().into(),
                what: "log group name".into(),
                reason: "log group names are 1 to 512 characters of letters, digits and `._-/#`"
                    .into(),
                help: "use a name such as `/ecs/service_b`".into(),
            });
            return None;
        }
        Some(s)
    }

    /// The log groups svc creates for a service, one per distinct group
    /// name, with their retention (default 30 days).
    fn log_groups(
        &mut self,
        blocks: &[&'d Block],
        containers: &[Container],
    ) -> Option<Vec<LogGroup>> {
        let mut groups: Vec<(LogGroup, Option<Span>)> = Vec::new();
        let mut ok = true;
        for (block, container) in blocks.iter().zip(containers) {
            let Some(logs) = &container.logs else {
                continue;
            };
            if !logs.create_group {
                continue;
            }
            let retention_val = block
                .body
                .entries
                .iter()
                .find_map(|e| match e {
                    Entry::Block(b) if b.kind.name == "logs" => Some(&b.body),
                    Entry::Attribute(a) if a.key.name == "logs" => match &a.value.kind {
                        ExprKind::Object(body) => Some(body),
                        _ => None,
                    },
                    _ => None,
                })
                .and_then(|body| {
                    body.entries.iter().find_map(|e| match e {
                        Entry::Attribute(a) if a.key.name == "retention" => Some(&a.value),
                        _ => None,
                    })
                });
            let retention = match retention_val {
                Some(e) => match self.retention(Val::Expr(e)) {
                    Some(r) => r,
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => Some(30),
            };
            match groups.iter().find(|(g, _)| g.name == logs.group) {
                Some((g, first)) if g.retention_days != retention && retention_val.is_some() => {
                    if let (Some(first), Some(e)) = (first, retention_val) {
                        self.diags.push(DuplicateField {
                            span: e.span.into(),
                            first: (*first).into(),
                            key: format!("retention of log group {}", logs.group),
                        });
                        ok = false;
                    }
                }
                Some(_) => {}
                None => groups.push((
                    LogGroup {
                        name: logs.group.clone(),
                        retention_days: retention,
                    },
                    retention_val.map(|e| e.span),
                )),
            }
        }
        ok.then(|| groups.into_iter().map(|(g, _)| g).collect())
    }

    /// `retention = 30d` or `retention = never`.
    fn retention(&mut self, v: Val) -> Option<Option<u32>> {
        if let Val::Expr(e) = v {
            if let ExprKind::Path(_) = &e.kind {
                return self.enum_value(v, "retention", &[("never", None)]);
            }
        }
        let seconds = self.duration(v, "log retention")?;
        let days = seconds / 86400;
        if seconds % 86400 != 0 || !rules::LOG_RETENTION_DAYS.contains(&days) {
            self.diags.push(LogRetention {
                span: v.span().into(),
                days,
                help: rules::retention_neighbours(days.max(1)),
            });
            return None;
        }
        Some(Some(days as u32))
    }

    fn health(&mut self, v: Val) -> Option<HealthCheck> {
        let (body, header) = object(self, "health", v)?;
        let mut f = Fields::new("health", header, body);
        let shell = f.optional(self, "shell");
        let exec = f.optional(self, "exec");
        let command = match (shell, exec) {
            (Some(_), Some(e)) => {
                self.diags.push(super::errors::HealthCommand {
                    span: e.span().into(),
                    message: "a health check has either `shell` or `exec`, not both".into(),
                    label: "second command".into(),
                });
                None
            }
            (None, None) => {
                self.diags.push(super::errors::HealthCommand {
                    span: header.into(),
                    message: "a health check needs a command".into(),
                    label: "no `shell` or `exec` here".into(),
                });
                None
            }
            (Some(s), None) => self.string(s).and_then(|cmd| {
                if cmd.trim().is_empty() {
                    self.diags.push(super::errors::HealthCommand {
                        span: s.span().into(),
                        message: "the health-check command is empty".into(),
                        label: "empty command".into(),
                    });
                    return None;
                }
                Some(crate::model::HealthCommand::Shell(cmd))
            }),
            (None, Some(e)) => self.string_list(e).and_then(|args| {
                if args.is_empty() || args[0].trim().is_empty() {
                    self.diags.push(super::errors::HealthCommand {
                        span: e.span().into(),
                        message: "the health-check command is empty".into(),
                        label: "empty command".into(),
                    });
                    return None;
                }
                if args[0] == "CMD" || args[0] == "CMD-SHELL" {
                    self.diags.push(super::errors::HealthCommand {
                        span: e.span().into(),
                        message: format!("`exec` starts with `{}`, which svc adds itself", args[0]),
                        label: "remove the first item".into(),
                    });
                    return None;
                }
                Some(crate::model::HealthCommand::Exec(args))
            }),
        };
        let interval = self.health_value(&mut f, &rules::HEALTH_INTERVAL, Some(30));
        let timeout = self.health_value(&mut f, &rules::HEALTH_TIMEOUT, Some(5));
        let retries = self.health_value(&mut f, &rules::HEALTH_RETRIES, Some(3));
        let start_period = self.health_value(&mut f, &rules::HEALTH_START_PERIOD, None);
        f.finish(self);
        Some(HealthCheck {
            command: command?,
            interval_s: interval?? as u32,
            timeout_s: timeout?? as u32,
            retries: retries?? as u32,
            start_period_s: start_period?.map(|v| v as u32),
        })
    }

    /// Reads one health-check field and checks its range. `Some(None)`
    /// means unset without a default.
    fn health_value(
        &mut self,
        f: &mut Fields,
        limit: &HealthLimit,
        default: Option<u64>,
    ) -> Option<Option<u64>> {
        let Some(v) = f.optional(self, limit.field) else {
            return Some(default);
        };
        let value = if limit.seconds {
            self.duration(v, &format!("health-check {}", limit.field))?
        } else {
            self.uint(v, limit.field, 0, u64::MAX)?
        };
        if value < limit.min || value > limit.max {
            self.diags.push(HealthRange {
                span: v.span().into(),
                field: limit.field.into(),
                range: format!(
                    "between {} and {}",
                    limit.format(limit.min),
                    limit.format(limit.max)
                ),
                found: limit.format(value),
                help: format!(
                    "ECS accepts a health-check {} from {} to {}",
                    limit.field,
                    limit.format(limit.min),
                    limit.format(limit.max)
                ),
            });
            return None;
        }
        Some(Some(value))
    }

    fn discovery(&mut self, service: &str, v: Val, containers: &[Container]) -> Option<Discovery> {
        let (body, header) = object(self, "discovery", v)?;
        let mut f = Fields::new("discovery", header, body);
        let namespace = match f.optional(self, "namespace") {
            Some(v) => self.reference(v, DeclKind::Namespace),
            None => match self.names_of(DeclKind::Namespace).as_slice() {
                [only] => Some(only.clone()),
                names => {
                    self.diags.push(MissingField {
                        span: header.into(),
                        key: "namespace".into(),
                        context: "discovery".into(),
                        help: match names.first() {
                            Some(n) => format!("several namespaces are declared; choose one: `namespace = {n}`"),
                            None => "declare `namespace internal { domain = \"internal.local\", vpc = input.vpc_id }` and add `namespace = internal`".into(),
                        },
                    });
                    None
                }
            },
        };
        let name = match f.optional(self, "name") {
            Some(v) => self.dns_name(v, "discovery service name", 127),
            None => Some(default_discovery_name(service)),
        };
        let records_val = f.optional(self, "records");
        let records = match records_val {
            Some(v) => self.records(v),
            None => Some(vec![RecordType::A]),
        };
        let ttl = match f.optional(self, "ttl") {
            Some(v) => self.duration(v, "TTL").and_then(|s| {
                if s > 2_147_483_647 {
                    self.diags.push(OutOfRange {
                        span: v.span().into(),
                        what: "the TTL".into(),
                        range: "between 0s and 2147483647s".into(),
                        found: format!("{s}s"),
                        help: "internal discovery usually uses a short TTL such as `10s`".into(),
                    });
                    return None;
                }
                Some(s as u32)
            }),
            None => Some(10),
        };
        let routing = match f.optional(self, "routing") {
            Some(v) => self.enum_value(
                v,
                "routing policy",
                &[
                    ("multivalue", RoutingPolicy::Multivalue),
                    ("weighted", RoutingPolicy::Weighted),
                ],
            ),
            None => Some(RoutingPolicy::Multivalue),
        };
        let health_check = match f.optional(self, "health_check") {
            Some(v) => self.enum_value(
                v,
                "discovery health check",
                &[("custom", true), ("none", false)],
            ),
            None => Some(true),
        };
        let failure_threshold = match f.optional(self, "failure_threshold") {
            Some(v) => self
                .uint(v, "failure_threshold", 1, 10)
                .map(|n| Some(n as u32)),
            None => Some(None),
        };
        let srv_container = f.optional(self, "container");
        let tags = self.tags(&mut f);
        f.finish(self);

        let records = records?;
        let srv_target = if records.contains(&RecordType::SRV) {
            Some(self.srv_target(records_val, srv_container, containers)?)
        } else {
            None
        };
        Some(Discovery {
            namespace: namespace?,
            name: name?,
            records,
            ttl_s: ttl?,
            routing: routing?,
            custom_health_check: health_check?.then_some(CustomHealthCheck {
                failure_threshold: failure_threshold?,
            }),
            srv_target,
            tags: tags?,
        })
    }

    fn records(&mut self, v: Val) -> Option<Vec<RecordType>> {
        let Val::Expr(e) = v else {
            self.enum_value(v, "record list", &[("[A]", ())]);
            return None;
        };
        let ExprKind::List(items) = &e.kind else {
            self.diags.push(TypeMismatch {
                span: e.span.into(),
                expected: "a list of record types".into(),
                found: e.kind.describe().into(),
                help: "write `records = [A]` (or `[A, SRV]`, `[AAAA]`, `[SRV]`)".into(),
            });
            return None;
        };
        let options = [
            ("A", RecordType::A),
            ("AAAA", RecordType::AAAA),
            ("SRV", RecordType::SRV),
            ("CNAME", RecordType::CNAME),
        ];
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match self.enum_value(Val::Expr(item), "DNS record type", &options) {
                Some(r) if out.contains(&r) => {
                    self.diags.push(DiscoveryRecords {
                        span: item.span.into(),
                        message: format!("record type {} is listed twice", r.as_aws()),
                        label: "listed again".into(),
                        help: "list each record type once".into(),
                    });
                    ok = false;
                }
                Some(r) => out.push(r),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let mut sorted = out.clone();
        sorted.sort();
        use RecordType::*;
        let valid = matches!(
            sorted.as_slice(),
            [A] | [AAAA] | [A, AAAA] | [SRV] | [A, SRV] | [CNAME]
        );
        if !valid {
            self.diags.push(DiscoveryRecords {
                span: e.span.into(),
                message: if sorted.is_empty() {
                    "a discovery service needs at least one record type".into()
                } else {
                    "Cloud Map does not accept this combination of record types".into()
                },
                label: "invalid record set".into(),
                help: "use one of [A], [AAAA], [A, AAAA], [SRV], [A, SRV] or [CNAME]".into(),
            });
            return None;
        }
        Some(out)
    }

    /// The container and port an SRV record points at: `container = app`
    /// or the first container with a port.
    fn srv_target(
        &mut self,
        records: Option<Val>,
        container: Option<Val>,
        containers: &[Container],
    ) -> Option<(String, u16)> {
        let chosen = match container {
            Some(v) => {
                let e = match v {
                    Val::Expr(e) => e,
                    Val::Block(_) => {
                        self.enum_value(v, "container", &[("app", ())]);
                        return None;
                    }
                };
                let ExprKind::Path(p) = &e.kind else {
                    self.diags.push(TypeMismatch {
                        span: e.span.into(),
                        expected: "a container name".into(),
                        found: e.kind.describe().into(),
                        help: "write `container = app`".into(),
                    });
                    return None;
                };
                match containers.iter().find(|c| c.name == p[0].name) {
                    Some(c) => Some(c),
                    None => {
                        let help = match super::suggest(
                            &p[0].name,
                            containers.iter().map(|c| c.name.as_str()),
                        ) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "name one of this service's containers".into(),
                        };
                        self.diags.push(UnresolvedName {
                            span: p[0].span.into(),
                            what: "container".into(),
                            name: p[0].name.clone(),
                            help,
                        });
                        return None;
                    }
                }
            }
            None => containers.iter().find(|c| !c.ports.is_empty()),
        };
        match chosen.and_then(|c| c.ports.first().map(|p| (c.name.clone(), p.port))) {
            Some(t) => Some(t),
            None => {
                let span = records.map(|r| r.span()).unwrap_or_default();
                self.diags.push(DiscoveryRecords {
                    span: span.into(),
                    message: "SRV records need a container port".into(),
                    label: "SRV needs a port".into(),
                    help: "give the container a port (`port = 80/tcp`) or use `records = [A]`"
                        .into(),
                });
                None
            }
        }
    }
}

/// The Cloud Map service name used when none is given: the service's name
/// with `_` turned into `-` (DNS style), e.g. `service_b` → `service-b`.
pub fn default_discovery_name(service: &str) -> String {
    service.replace('_', "-")
}
