//! Checking `calls = [service_b]`: which services a service calls. The list
//! is resolved with the service; the calls themselves are checked once every
//! service is, because a callee may be declared after its caller.

use std::collections::HashMap;

use crate::model::*;
use crate::syntax::ast::{Body, Decl, Entry, ExprKind, Span};

use super::errors::*;
use super::fields::Val;
use super::{Checker, DeclKind};

/// A service's `calls` items, resolved to service names.
pub(super) struct PendingCalls<'d> {
    /// The calling service's declaration.
    caller: &'d Decl,
    /// Each callee with the span of its item.
    callees: Vec<(String, Span)>,
}

/// The span of the key of `key = ...` or `key { ... }` in `body`.
fn entry_key(body: &Body, key: &str) -> Option<Span> {
    body.entries
        .iter()
        .find(|e| e.key().name == key)
        .map(|e| e.key().span)
}

/// The body of `key { ... }` or `key = { ... }` in `body`.
fn entry_body<'a>(body: &'a Body, key: &str) -> Option<&'a Body> {
    body.entries.iter().find_map(|e| match e {
        Entry::Block(b) if b.kind.name == key => Some(&b.body),
        Entry::Attribute(a) if a.key.name == key => match &a.value.kind {
            ExprKind::Object(body) => Some(body),
            _ => None,
        },
        _ => None,
    })
}

/// Where `container` of `decl` sets `name` in its `env` or `secrets`.
fn variable_span(decl: &Decl, container: &str, name: &str) -> Option<Span> {
    let block = decl.body.entries.iter().find_map(|e| match e {
        Entry::Block(b)
            if b.kind.name == "container"
                && b.label.as_ref().is_some_and(|l| l.name == container) =>
        {
            Some(b)
        }
        _ => None,
    })?;
    ["env", "secrets"]
        .iter()
        .filter_map(|key| entry_body(&block.body, key))
        .find_map(|body| entry_key(body, name))
}

/// How a VPC is written: `"vpc-0abc"` or `input.vpc_id`.
fn describe_vpc(vpc: &Text) -> String {
    match vpc {
        Text::Literal(s) => format!("\"{s}\""),
        Text::Input(name) => format!("input.{name}"),
    }
}

impl<'d> Checker<'d> {
    /// `calls = [a, b]`: resolves the names, rejects the service itself
    /// and repeats, and keeps the rest for [`Checker::wiring`].
    pub(super) fn calls_list(&mut self, decl: &'d Decl, v: Val<'d>) {
        let Val::Expr(e) = v else {
            self.diags.push(TypeMismatch {
                span: v.span().into(),
                expected: "a list of services".into(),
                found: v.describe().into(),
                help: "write `calls = [service_b]`".into(),
            });
            return;
        };
        let ExprKind::List(items) = &e.kind else {
            self.diags.push(TypeMismatch {
                span: e.span.into(),
                expected: "a list of services".into(),
                found: e.kind.describe().into(),
                help: "write `calls = [service_b]`, even for one service".into(),
            });
            return;
        };
        let mut callees: Vec<(String, Span)> = Vec::new();
        for item in items {
            let Some(callee) = self.reference(Val::Expr(item), DeclKind::Service) else {
                continue;
            };
            if callee == decl.name.name {
                self.diags.push(CallSelf {
                    span: item.span.into(),
                    service: callee,
                });
            } else if let Some((_, first)) = callees.iter().find(|(c, _)| *c == callee) {
                self.diags.push(CallDuplicate {
                    span: item.span.into(),
                    first: (*first).into(),
                    callee,
                });
            } else {
                callees.push((callee, item.span));
            }
        }
        self.calls.push(PendingCalls {
            caller: decl,
            callees,
        });
    }

    /// Checks every call between services that checked without error, and
    /// records them in the caller's [`Service::calls`].
    pub(super) fn wiring(&mut self, model: &mut Model) {
        for pending in std::mem::take(&mut self.calls) {
            let caller_name = &pending.caller.name.name;
            let Some(index) = model.services.iter().position(|s| s.name == *caller_name) else {
                continue;
            };
            let mut calls = Vec::new();
            // Generated variable names, to catch two callees whose names
            // differ only in punctuation (`a-b` and `a_b`).
            let mut generated: HashMap<String, (String, Span)> = HashMap::new();
            for (callee_name, span) in &pending.callees {
                let Some(callee) = model.services.iter().find(|s| s.name == *callee_name) else {
                    continue; // its own errors are reported
                };
                let Some(callee_decl) = self.decl(callee_name, DeclKind::Service) else {
                    continue;
                };
                let caller = &model.services[index];
                let call = self.call(model, caller, pending.caller, callee, callee_decl, *span);
                let Some(call) = call else { continue };
                if let Some((other, other_span)) = generated.get(&call.env_var) {
                    self.diags.push(CallEnvConflict {
                        span: (*other_span).into(),
                        call: (*span).into(),
                        name: call.env_var.clone(),
                        callee: callee_name.clone(),
                        container: format!("`calls` (for `{other}`)"),
                        help: format!(
                            "`{other}` and `{callee_name}` give the same variable name; rename one of the services"
                        ),
                    });
                    continue;
                }
                generated.insert(call.env_var.clone(), (callee_name.clone(), *span));
                calls.push(call);
            }
            model.services[index].calls = calls;
        }
    }

    /// Checks one call; the resolved [`Call`] when nothing is wrong.
    fn call(
        &mut self,
        model: &Model,
        caller: &Service,
        caller_decl: &Decl,
        callee: &Service,
        callee_decl: &Decl,
        span: Span,
    ) -> Option<Call> {
        let mut ok = true;
        let Some(discovery) = &callee.discovery else {
            self.diags.push(CallNoDiscovery {
                span: span.into(),
                decl: callee_decl.name.span.into(),
                caller: caller.name.clone(),
                callee: callee.name.clone(),
                help: format!(
                    "the caller finds `{}` through Cloud Map; add `discovery {{}}` to it",
                    callee.name
                ),
            });
            return None;
        };
        // The port: the SRV target's, or the first port of the first
        // container with one (as for SRV records).
        let port = match &discovery.srv_target {
            Some((container, number)) => callee
                .containers
                .iter()
                .filter(|c| c.name == *container)
                .flat_map(|c| &c.ports)
                .find(|p| p.port == *number),
            None => callee.containers.iter().flat_map(|c| &c.ports).next(),
        };
        if port.is_none() {
            self.diags.push(CallNoPort {
                span: span.into(),
                decl: callee_decl.name.span.into(),
                caller: caller.name.clone(),
                callee: callee.name.clone(),
                help: format!(
                    "give the container of `{}` that serves the calls a port: `port = 80/tcp`",
                    callee.name
                ),
            });
            ok = false;
        }
        // A private DNS namespace answers only in its VPC. The caller's VPC
        // is known when it is registered in a namespace itself; otherwise
        // svc assumes it runs in the callee's VPC.
        if let Some(own) = &caller.discovery {
            let (mine, theirs) = (
                model.namespace(&own.namespace)?,
                model.namespace(&discovery.namespace)?,
            );
            if mine.vpc != theirs.vpc {
                let whole = |decl: &Decl| entry_key(&decl.body, "discovery").unwrap_or_default();
                self.diags.push(CallUnreachable {
                    span: span.into(),
                    caller_discovery: whole(caller_decl).into(),
                    callee_discovery: whole(callee_decl).into(),
                    caller: caller.name.clone(),
                    callee: callee.name.clone(),
                    caller_ns: mine.name.clone(),
                    callee_ns: theirs.name.clone(),
                    caller_vpc: describe_vpc(&mine.vpc),
                    callee_vpc: describe_vpc(&theirs.vpc),
                    help: format!(
                        "register both services in namespaces of the same VPC (the same `vpc` value, such as the same input), or move `{}` into namespace {}",
                        callee.name, mine.name
                    ),
                });
                ok = false;
            }
        }
        for (service, decl) in [(caller, caller_decl), (callee, callee_decl)] {
            if service.network.security_groups == TextList::Items(Vec::new()) {
                let network = entry_key(&decl.body, "network").unwrap_or(decl.name.span);
                self.diags.push(CallNoSecurityGroup {
                    span: span.into(),
                    network: network.into(),
                    caller: caller.name.clone(),
                    callee: callee.name.clone(),
                    service: service.name.clone(),
                    help: format!(
                        "svc admits the caller with an ingress rule from the caller's security groups to the callee's; give `{}` its groups: `security_groups = [input.{}_sg]`",
                        service.name, service.name
                    ),
                });
                ok = false;
            }
        }
        let env_var = address_env_var(&callee.name);
        for c in &caller.containers {
            if c.environment.contains_key(&env_var) || c.secrets.contains_key(&env_var) {
                let declared = variable_span(caller_decl, &c.name, &env_var).unwrap_or(span);
                self.diags.push(CallEnvConflict {
                    span: declared.into(),
                    call: span.into(),
                    name: env_var.clone(),
                    callee: callee.name.clone(),
                    container: format!("`{}`", c.name),
                    help: format!(
                        "svc sets `{env_var}` to the address of `{}` (`host:port`) in every container of `{}`; remove your `{env_var}`, or give it another name",
                        callee.name, caller.name
                    ),
                });
                ok = false;
            }
        }
        let port = port?;
        ok.then(|| Call {
            service: callee.name.clone(),
            host: discovery.dns_name(model),
            port: port.port,
            protocol: port.protocol,
            env_var,
            to_groups: callee.network.security_groups.clone(),
            from_groups: caller.network.security_groups.clone(),
        })
    }
}
