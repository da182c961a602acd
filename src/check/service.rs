//! Checking `service` declarations: cluster, size, network; containers and discovery are in their own files.

use std::collections::{BTreeMap, HashMap};

use crate::model::*;
use crate::syntax::ast::{Decl, ExprKind, Span};

use super::errors::*;
use super::fields::{object, Fields, Val};
use super::rules;
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
    pub(super) fn service_cluster(
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
}
