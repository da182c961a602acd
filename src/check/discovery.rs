//! Checking `discovery` blocks and `SERVICE.dns_name` references.

use crate::model::*;
use crate::syntax::ast::{Entry, ExprKind};

use super::errors::*;
use super::fields::{object, Fields, Val};

use super::{Checker, DeclKind};

impl<'d> Checker<'d> {
    pub(super) fn discovery(
        &mut self,
        service: &str,
        v: Val,
        containers: &[Container],
    ) -> Option<Discovery> {
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
        let name_val = f.optional(self, "name");
        let name = match name_val {
            Some(v) => self.dns_name(v, "discovery service name", 127),
            None => {
                // The default comes from the service name; check it like a
                // written one, pointing at the block.
                let default = default_discovery_name(service);
                match super::dns_label_problem(&default, 127) {
                    Some(reason) => {
                        self.diags.push(InvalidFormat {
                            span: header.into(),
                            what: "discovery service name".into(),
                            reason: format!(
                                "the default name `{default}` (from the service name) {reason}"
                            ),
                            help: "set a DNS-friendly name: `name = \"service-b\"`".into(),
                        });
                        None
                    }
                    None => Some(default),
                }
            }
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
        let routing_val = f.optional(self, "routing");
        let routing = match routing_val {
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
        let health_check_val = f.optional(self, "health_check");
        let health_check = match health_check_val {
            Some(v) => {
                let on = self.enum_value(
                    v,
                    "discovery health check",
                    &[("custom", true), ("none", false)],
                );
                if on == Some(false) {
                    self.warn(NoCustomHealthCheck {
                        span: v.span().into(),
                    });
                }
                on
            }
            None => Some(true),
        };
        let failure_threshold_val = f.optional(self, "failure_threshold");
        if let (Some(t), Some(h), Some(false)) =
            (failure_threshold_val, health_check_val, health_check)
        {
            self.diags.push(FieldConflict {
                span: t.span().into(),
                other: h.span().into(),
                message: "`failure_threshold` has no effect with `health_check = none`".into(),
                help: "remove `failure_threshold`, or keep the custom health check".into(),
            });
        }
        let failure_threshold = match failure_threshold_val {
            Some(v) => self
                .uint(v, "failure_threshold", 0, u64::MAX)
                .and_then(|n| {
                    if n != 1 {
                        self.diags.push(FailureThreshold {
                            span: v.span().into(),
                            value: n,
                        });
                        return None;
                    }
                    Some(Some(n as u32))
                }),
            None => Some(None),
        };
        let srv_container = f.optional(self, "container");
        let tags = self.tags(&mut f);
        f.finish(self);

        let records = records?;
        if let Some(c) = srv_container {
            if !records.contains(&RecordType::SRV) {
                self.diags.push(FieldConflict {
                    span: c.span().into(),
                    other: records_val.map_or(header, |v| v.span()).into(),
                    message: "`container` is only used for SRV records".into(),
                    help: "A and AAAA records register the task's IP without a port; remove `container`, or add SRV to `records`".into(),
                });
            }
        }
        if records.contains(&RecordType::CNAME) && routing == Some(RoutingPolicy::Multivalue) {
            self.diags.push(DiscoveryRouting {
                span: routing_val.map_or(header, |v| v.span()).into(),
                records: records_val.map_or(header, |v| v.span()).into(),
            });
        }
        if let (Some(ns), Some(n)) = (&namespace, &name) {
            let key = (ns.clone(), n.to_lowercase());
            let span = name_val.map_or(header, |v| v.span());
            match self.discovery_names.get(&key) {
                Some(first) => self.diags.push(DiscoveryNameConflict {
                    span: span.into(),
                    first: (*first).into(),
                    name: n.clone(),
                    namespace: ns.clone(),
                }),
                None => {
                    self.discovery_names.insert(key, span);
                }
            }
        }
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

    pub(super) fn records(&mut self, v: Val) -> Option<Vec<RecordType>> {
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
    pub(super) fn srv_target(
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

    /// `service_b.dns_name`: the DNS name callers resolve for a service.
    pub(super) fn dns_reference(&mut self, path: &[crate::syntax::ast::Ident]) -> Option<String> {
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
}

/// The Cloud Map service name used when none is given: the service's name
/// with `_` turned into `-` (DNS style), e.g. `service_b` → `service-b`.
pub fn default_discovery_name(service: &str) -> String {
    service.replace('_', "-")
}
