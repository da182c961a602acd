//! svc: a compiler for a small language describing ECS Fargate services
//! with Cloud Map service discovery.
//!
//! The pipeline: [`syntax`] (text to tree) → [`check`] (tree to [`model`])
//! → [`emit`] (model to Terraform and task-definition JSON).

#[cfg(feature = "apply")]
pub mod apply;
// The pest parser is derived without pest's `std` feature (see Cargo.toml),
// and its generated code names `alloc`.
extern crate alloc;

pub mod check;
pub mod diagnostic;
pub mod emit;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod model;
pub mod output;
pub mod project;
pub mod syntax;
pub mod vars;

use diagnostic::{Diagnostics, Source};
use model::Model;

/// One checked variant of a project: the model of an environment, or of the
/// project as written when it declares no environment.
#[derive(Debug)]
pub struct Variant {
    /// The environment, if any.
    pub env: Option<String>,
    /// Its model.
    pub model: Model,
}

/// Parses and checks one source; the model is `Some` when there is no error.
///
/// `source.name` is its path: `use "x.svc"` is read relative to it. A
/// project that declares environments needs one (see [`compile_env`]).
pub fn compile_source(source: Source, diags: &mut Diagnostics) -> Option<Model> {
    compile_env(source, None, diags)
}

/// Parses, expands and checks a project for one environment (`None`: the
/// project as written, which must then declare no environment).
pub fn compile_env(source: Source, env: Option<&str>, diags: &mut Diagnostics) -> Option<Model> {
    let loaded = project::load(source, diags)?;
    let envs = project::environments(&loaded, diags);
    let target = match env {
        Some(e) => project::Target::Env(e),
        None if envs.is_empty() => project::Target::Base,
        None => {
            diags.push(project::EnvUnknown {
                span: envs.first().map(|e| e.name.span.into()),
                message: "this project has environments; choose one".into(),
                help: format!(
                    "pass `--env NAME`; declared: {}",
                    envs.iter()
                        .map(|e| e.name.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            return None;
        }
    };
    let file = project::expand(&loaded, target, diags);
    if diags.has_errors() {
        return None;
    }
    let model = check::check_env(&file, env, diags)?;
    (!diags.has_errors()).then_some(model)
}

/// Checks every variant of a project (each environment, or the project as
/// written), and that no two environments create AWS resources with the
/// same name. Diagnostics repeated by several environments are reported
/// once. Returns the variants that checked without error.
pub fn check_source(source: Source, diags: &mut Diagnostics) -> Vec<Variant> {
    let Some(loaded) = project::load(source, diags) else {
        return Vec::new();
    };
    let envs: Vec<(String, syntax::ast::Span)> = project::environments(&loaded, diags)
        .iter()
        .map(|e| (e.name.name.clone(), e.name.span))
        .collect();
    let targets: Vec<Option<&str>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.iter().map(|(n, _)| Some(n.as_str())).collect()
    };
    let start = diags.len();
    let mut out = Vec::new();
    for env in targets {
        let before = diags.error_count();
        let target = env.map_or(project::Target::Base, project::Target::Env);
        let file = project::expand(&loaded, target, diags);
        if diags.error_count() > before {
            continue;
        }
        if let Some(model) = check::check_env(&file, env, diags) {
            if diags.error_count() == before {
                out.push(Variant {
                    env: env.map(String::from),
                    model,
                });
            }
        }
    }
    diags.dedup_since(start);
    project::collisions(&loaded, &out, diags);
    out
}
