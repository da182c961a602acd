//! svc: a compiler for a small language describing ECS Fargate services
//! with Cloud Map service discovery.
//!
//! The pipeline: [`syntax`] (text to tree) → [`check`] (tree to [`model`])
//! → [`emit`] (model to Terraform and task-definition JSON).

#[cfg(feature = "apply")]
pub mod apply;
pub mod check;
pub mod diagnostic;
pub mod emit;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod model;
pub mod output;
pub mod syntax;
pub mod vars;

use diagnostic::{Diagnostics, Source};
use model::Model;

/// Parses and checks one source; the model is `Some` when there is no error.
pub fn compile_source(source: Source, diags: &mut Diagnostics) -> Option<Model> {
    let text = source.text.clone();
    diags.enter_source(source);
    let file = syntax::parse(&text, diags)?;
    let model = check::check(&file, diags)?;
    (!diags.has_errors()).then_some(model)
}
