//! Checking `service` declarations: cluster, size, network; containers and discovery are in their own files.

use std::collections::{BTreeMap, HashMap};

use crate::model::*;
use crate::syntax::ast::{Block, Decl, ExprKind, Span};

use super::errors::*;
use super::fields::{object, Fields, Val};
use super::rules;
use super::{Checker, DeclKind};

impl<'d> Checker<'d> {
    pub(super) fn service(&mut self, decl: &'d Decl, model: &mut Model) -> Option<Service> {
        let name = &decl.name.name;
        let mut f = Fields::new(format!("service {name}"), decl.name.span, &decl.body);
        self.allowed = self.allow_list(&mut f);
        let service = self.service_body(decl, &mut f, model);
        f.finish(self);
        self.allowed.clear();
        service
    }

    fn service_body(
        &mut self,
        decl: &'d Decl,
        f: &mut Fields<'d>,
        model: &mut Model,
    ) -> Option<Service> {
        let name = &decl.name.name;
        if name.len() > 255 {
            self.diags.push(InvalidFormat {
                span: decl.name.span.into(),
                what: "service name".into(),
                reason: format!("it is {} characters long, the limit is 255", name.len()),
                help: "ECS service names and task families are 1 to 255 characters".into(),
            });
        }

        let cluster = self.service_cluster(f, name, model);
        let replicas_val = f.optional(self, "replicas");
        let replicas = match replicas_val {
            Some(v) => self.uint(v, "replicas", 0, 5000).map(|n| n as u32),
            None => Some(1),
        };
        let launch_type = match f.optional(self, "launch") {
            Some(v) => self.enum_value(v, "launch type", &[("fargate", LaunchType::Fargate)]),
            None => Some(LaunchType::Fargate),
        };
        let platform_val = f.optional(self, "platform_version");
        let platform_version = match platform_val {
            Some(v) => self.platform_version(v).map(Some),
            None => Some(None),
        };
        let size_val = f.required(self, "size", "size = { cpu = 256, memory = 512MiB }");
        let size = size_val.and_then(|v| self.size(v));
        if let (Some(Some(version)), Some((cpu, _)), Some(pv), Some(sv)) =
            (&platform_version, size, platform_val, size_val)
        {
            if version == "1.3.0" && cpu >= 8192 {
                self.diags.push(FargatePlatform {
                    version_span: pv.span().into(),
                    cpu_span: sv.span().into(),
                    version: version.clone(),
                    cpu: cpu as u64,
                });
            }
        }
        let storage_gib = match f.optional(self, "storage") {
            Some(v) => self.storage(v).map(Some),
            None => Some(None),
        };
        let network = f
            .required(
                self,
                "network",
                "network { subnets = input.subnet_ids, security_groups = [input.sg_id] }",
            )
            .and_then(|v| self.network(v));
        let task_role = match f.optional(self, "task_role") {
            Some(v) => self.role_arn(v).map(Some),
            None => Some(None),
        };
        let execution_role = match f.optional(self, "execution_role") {
            Some(v) => self.role_arn(v).map(ExecutionRole::Existing),
            None => {
                let role_name = format!("{}-execution", self.scoped(name));
                if role_name.len() > 64 {
                    self.diags.push(InvalidFormat {
                        span: decl.name.span.into(),
                        what: "execution role name".into(),
                        reason: format!(
                            "`{role_name}` is {} characters long; IAM role names have at most 64",
                            role_name.len()
                        ),
                        help: "shorten the service name, or give an existing role with `execution_role = \"arn:aws:iam::...\"`".into(),
                    });
                    None
                } else {
                    Some(ExecutionRole::Create { role_name })
                }
            }
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
        let mut checked_blocks = Vec::new();
        let mut spans = Vec::new();
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
                Some((c, s)) => {
                    containers.push(c);
                    checked_blocks.push(*block);
                    spans.push(s);
                }
                None => containers_ok = false,
            }
        }
        if containers_ok && !containers.is_empty() {
            self.task_rules(
                name,
                decl.name.span,
                size.zip(size_val),
                &containers,
                &spans,
            );
        }

        let discovery = match f.optional(self, "discovery") {
            Some(v) => self.discovery(name, v, &containers).map(Some),
            None => Some(None),
        };
        if let (Some(Some(d)), Some(r)) = (&discovery, replicas) {
            let span = replicas_val.map_or(decl.name.span, |v| v.span());
            if r > 1000 {
                self.diags.push(DiscoveryInstances {
                    span: span.into(),
                    replicas: r,
                });
            } else if r > 8 && d.routing == RoutingPolicy::Multivalue {
                self.warn(MultivalueLimit {
                    span: span.into(),
                    replicas: r,
                });
            }
        }
        let tags = self.tags(f);
        if let Some(v) = f.optional(self, "calls") {
            self.calls_list(decl, v);
        }

        let pairs: Vec<(&'d Block, Container)> =
            checked_blocks.into_iter().zip(containers).collect();
        let log_groups = self.log_groups(&pairs);
        let containers: Vec<Container> = pairs.into_iter().map(|(_, c)| c).collect();
        let (cpu, memory_mib) = size?;
        let log_groups = log_groups?;
        let storage_gib = storage_gib?;
        if !containers_ok {
            return None;
        }
        Some(Service {
            name: name.clone(),
            family: self.scoped(name),
            cluster: cluster?,
            replicas: replicas?,
            launch_type: launch_type?,
            platform_version: platform_version?,
            cpu,
            memory_mib,
            storage_gib,
            network: network?,
            task_role: task_role?,
            execution_role: execution_role?,
            containers,
            discovery: discovery?,
            log_groups,
            tags: tags?,
            calls: Vec::new(),
        })
    }

    /// `cluster = name` (declared), `cluster = "existing"` or an input.
    /// Omitted: the only declared cluster, or a new one named after the
    /// service when none is declared.
    pub(super) fn service_cluster(
        &mut self,
        f: &mut Fields,
        service: &str,
        model: &mut Model,
    ) -> Option<ClusterRef> {
        match f.optional(self, "cluster") {
            Some(v @ Val::Expr(e)) => match &e.kind {
                ExprKind::Path(p) if p[0].name != "input" => self
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
                        // Service names are unique, so is this cluster.
                        model.clusters.push(Cluster {
                            name: service.to_string(),
                            cluster_name: self.scoped(service),
                            container_insights: true,
                            tags: BTreeMap::new(),
                        });
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

    pub(super) fn platform_version(&mut self, v: Val) -> Option<String> {
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
    pub(super) fn size(&mut self, v: Val) -> Option<(u32, u32)> {
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

    pub(super) fn network(&mut self, v: Val) -> Option<Network> {
        let (body, header) = object(self, "network", v)?;
        let mut f = Fields::new("network", header, body);
        let subnets = f
            .required(self, "subnets", "subnets = input.subnet_ids")
            .and_then(|v| self.id_list(v, "subnets", 1, 16));
        let security_groups = match f.optional(self, "security_groups") {
            Some(v) => self.id_list(v, "security groups", 0, 5),
            None => Some(TextList::Items(Vec::new())),
        };
        let public_ip = f.optional(self, "public_ip");
        let public_ip = self.safe_bool(public_ip, false, |span| PublicIp { span });
        let egress = match f.optional(self, "egress") {
            Some(v) => self
                .enum_value(
                    v,
                    "egress path",
                    &[
                        ("nat", Egress::Nat),
                        ("vpc_endpoints", Egress::VpcEndpoints),
                    ],
                )
                .map(Some),
            None => Some(None),
        };
        f.finish(self);
        if public_ip == Some(false) && egress == Some(None) {
            self.warn(NoEgress {
                span: header.into(),
            });
        }
        Some(Network {
            subnets: subnets?,
            security_groups: security_groups?,
            public_ip: public_ip?,
            egress: egress?,
        })
    }

    /// A list of ids with a count limit (checked when written as a list).
    pub(super) fn id_list(
        &mut self,
        v: Val,
        what: &str,
        min: usize,
        max: usize,
    ) -> Option<TextList> {
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

    /// `storage = 30GiB`: Fargate ephemeral storage, 21 to 200 GiB.
    fn storage(&mut self, v: Val) -> Option<u32> {
        let mib = self.size_mib(v, "ephemeral storage")?;
        if mib % 1024 != 0 || !(21..=200).contains(&(mib / 1024)) {
            self.diags.push(OutOfRange {
                span: v.span().into(),
                what: "ephemeral storage".into(),
                range: "a whole number of GiB from 21GiB to 200GiB".into(),
                found: rules::format_mib(mib),
                help: "Fargate tasks get 20GiB by default; `storage` raises it to 21GiB to 200GiB"
                    .into(),
            });
            return None;
        }
        Some((mib / 1024) as u32)
    }

    /// An IAM role ARN (literal or input).
    fn role_arn(&mut self, v: Val) -> Option<Text> {
        let text = self.text(v)?;
        if let Text::Literal(s) = &text {
            if !is_role_arn(s) {
                let help = if !s.contains(':') && !s.is_empty() {
                    format!("write the full ARN: `\"arn:aws:iam::123456789012:role/{s}\"`")
                } else {
                    "a role ARN looks like `arn:aws:iam::123456789012:role/my-role`".to_string()
                };
                self.diags.push(RoleArn {
                    span: v.span().into(),
                    value: s.clone(),
                    help,
                });
                return None;
            }
        }
        Some(text)
    }

    /// Rules that look at a task as a whole: an essential container, the
    /// containers' cpu and memory within the task's, distinct ports.
    fn task_rules(
        &mut self,
        service: &str,
        name_span: Span,
        size: Option<((u32, u32), Val)>,
        containers: &[Container],
        spans: &[super::container::ContainerSpans],
    ) {
        if containers.iter().all(|c| !c.essential) {
            self.diags.push(NoEssentialContainer {
                span: name_span.into(),
                service: service.to_string(),
            });
        }
        let mut seen: HashMap<(u16, Protocol), Span> = HashMap::new();
        for (c, s) in containers.iter().zip(spans) {
            for (p, span) in c.ports.iter().zip(&s.ports) {
                if let Some(first) = seen.get(&(p.port, p.protocol)) {
                    if !s.ports.contains(first) {
                        self.diags.push(PortConflict {
                            span: (*span).into(),
                            first: (*first).into(),
                            port: format!("{}/{}", p.port, p.protocol.as_aws()),
                        });
                    }
                } else {
                    seen.insert((p.port, p.protocol), *span);
                }
            }
        }
        let Some(((cpu, memory), size_val)) = size else {
            return;
        };
        // cpu: the containers' reservations must fit in the task.
        let cpu_requests: Vec<(u32, Span)> = containers
            .iter()
            .zip(spans)
            .filter_map(|(c, s)| Some((c.cpu?, s.cpu?)))
            .collect();
        self.fits(service, "cpu units", cpu, &cpu_requests, size_val, &|v| {
            v.to_string()
        });
        // memory: each container counts with its hard limit, or else its
        // reservation.
        let mem_requests: Vec<(u32, Span)> = containers
            .iter()
            .zip(spans)
            .filter_map(|(c, s)| {
                c.memory_mib
                    .zip(s.memory)
                    .or(c.memory_reservation_mib.zip(s.reservation))
            })
            .collect();
        self.fits(service, "memory", memory, &mem_requests, size_val, &|v| {
            rules::format_mib(v as u64)
        });
    }

    fn fits(
        &mut self,
        service: &str,
        what: &str,
        available: u32,
        requests: &[(u32, Span)],
        size_val: Val,
        show: &dyn Fn(u32) -> String,
    ) {
        let needed: u64 = requests.iter().map(|(v, _)| *v as u64).sum();
        if needed <= available as u64 {
            return;
        }
        let Some(&(largest, span)) = requests.iter().max_by_key(|(v, _)| *v) else {
            return;
        };
        self.diags.push(ContainerResources {
            task_span: size_val.span().into(),
            container_span: span.into(),
            service: service.to_string(),
            what: what.to_string(),
            needed: show(needed.min(u32::MAX as u64) as u32),
            available: show(available),
            largest: show(largest),
            help: format!(
                "lower the containers' {what} or choose a larger task size; the sum of the containers' {what} must fit in the task's"
            ),
        });
    }
}

/// Whether `s` has the shape of an IAM role ARN.
fn is_role_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    matches!(parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.starts_with("role/")
            && resource.len() > 5)
}
