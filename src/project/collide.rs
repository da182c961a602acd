//! Environments side by side: no two may create an AWS resource with the
//! same name in one account (and, for namespaces, one VPC).

use std::collections::HashMap;

use super::errors::EnvCollision;
use super::Loaded;
use crate::diagnostic::Diagnostics;
use crate::model::{ExecutionRole, Model, Text};
use crate::syntax::ast::{Item, Span};
use crate::Variant;

/// Reports every AWS name that two checked environments would both create.
pub fn collisions(loaded: &Loaded, variants: &[Variant], diags: &mut Diagnostics) {
    if variants.len() < 2 {
        return;
    }
    // (what, name) → (environment, span of the declaration)
    let mut seen: HashMap<(&'static str, String), (String, Span)> = HashMap::new();
    for v in variants {
        let env = v.env.clone().unwrap_or_default();
        for (what, name, span, help) in created(loaded, &v.model) {
            let key = (what, name);
            match seen.get(&key) {
                Some((first_env, _)) if *first_env != env => diags.push(EnvCollision {
                    span: span.into(),
                    what: what.into(),
                    name: key.1.clone(),
                    first_env: first_env.clone(),
                    second_env: env.clone(),
                    help,
                }),
                Some(_) => {}
                None => {
                    seen.insert(key, (env.clone(), span));
                }
            }
        }
    }
}

/// The names of the resources a model creates, with where each comes from
/// and how to make it differ per environment.
fn created(loaded: &Loaded, model: &Model) -> Vec<(&'static str, String, Span, String)> {
    let span = |kind: &str, name: &str| {
        loaded
            .items()
            .find_map(|i| match i {
                Item::Decl(d) if d.kind.name == kind && d.name.name == name => Some(d.name.span),
                _ => None,
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for ns in &model.namespaces {
        let vpc = match &ns.vpc {
            Text::Literal(v) => v.clone(),
            Text::Input(i) => model
                .inputs
                .iter()
                .find(|x| &x.name == i)
                .and_then(|x| x.default.as_ref())
                .map_or_else(|| format!("input.{i}"), |d| d.to_string()),
        };
        out.push((
            "the Cloud Map namespace",
            format!("{}` in VPC `{vpc}", ns.domain),
            span("namespace", &ns.name),
            "two private namespaces with one name cannot share a VPC; put the environment in the domain, `domain = \"${env}.internal.local\"`, or give each environment its own VPC in `inputs { ... }`".into(),
        ));
    }
    for c in &model.clusters {
        let at = match span("cluster", &c.name) {
            s if s == Span::default() => span("service", &c.name),
            s => s,
        };
        out.push((
            "the ECS cluster",
            c.cluster_name.clone(),
            at,
            "name it per environment, `name = \"apps-${env}\"`, or leave `name` out (svc then appends the environment)".into(),
        ));
    }
    for s in &model.services {
        let at = span("service", &s.name);
        out.push((
            "the task-definition family",
            s.family.clone(),
            at,
            "task families are per account; svc appends the environment to the ones it names"
                .into(),
        ));
        if let ExecutionRole::Create { role_name } = &s.execution_role {
            out.push((
                "the IAM role",
                role_name.clone(),
                at,
                "IAM role names are per account; give each environment its own role".into(),
            ));
        }
        for g in &s.log_groups {
            out.push((
                "the log group",
                g.name.clone(),
                at,
                "log group names are per account and region; put the environment in it, `group = \"/ecs/${env}/api\"`".into(),
            ));
        }
    }
    out
}
