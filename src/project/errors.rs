//! Diagnostics of loading and expanding a project: imports, presets and
//! environments. Each is its own type with a stable code.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// `use` of a file or stdlib module that does not exist.
#[derive(Debug, Error, Diagnostic)]
#[error("cannot use {what}")]
#[diagnostic(code(svc::import::not_found))]
pub struct UseNotFound {
    /// The `use` target.
    #[label("{reason}")]
    pub span: SourceSpan,
    /// The file or module as written.
    pub what: String,
    /// Why it cannot be used.
    pub reason: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// Files that use each other in a circle.
#[derive(Debug, Error, Diagnostic)]
#[error("files use each other in a cycle: {cycle}")]
#[diagnostic(
    code(svc::import::cycle),
    help("move what both files need into a third file that both use")
)]
pub struct UseCycle {
    /// The `use` that closes the cycle.
    #[label("this `use` closes the cycle")]
    pub span: SourceSpan,
    /// The files of the cycle, `a.svc → b.svc → a.svc`.
    pub cycle: String,
}

/// `use` of a file outside the project's root directory.
#[derive(Debug, Error, Diagnostic)]
#[error("`{path}` is outside the project")]
#[diagnostic(code(svc::import::outside_root))]
pub struct UseOutsideRoot {
    /// The path.
    #[label("{resolved}")]
    pub span: SourceSpan,
    /// The path as written.
    pub path: String,
    /// Why it is outside.
    pub resolved: String,
    /// The project root.
    #[help]
    pub help: String,
}

/// Presets that start from each other in a circle.
#[derive(Debug, Error, Diagnostic)]
#[error("presets start from each other in a cycle: {cycle}")]
#[diagnostic(
    code(svc::preset::cycle),
    help("a preset cannot (directly or through others) start from itself; remove one `from`")
)]
pub struct PresetCycle {
    /// The `from` that closes the cycle.
    #[label("this `from` closes the cycle")]
    pub span: SourceSpan,
    /// The presets of the cycle.
    pub cycle: String,
}

/// Two environments would create AWS resources with the same name.
#[derive(Debug, Error, Diagnostic)]
#[error("environments `{first_env}` and `{second_env}` both create {what} `{name}`")]
#[diagnostic(code(svc::env::collision))]
pub struct EnvCollision {
    /// Where the name comes from.
    #[label("the same in `{first_env}` and `{second_env}`")]
    pub span: SourceSpan,
    /// The kind of resource.
    pub what: String,
    /// The AWS name.
    pub name: String,
    /// One environment.
    pub first_env: String,
    /// The other.
    pub second_env: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A project with environments compiled without choosing one, or an
/// environment that is not declared.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(svc::env::unknown))]
pub struct EnvUnknown {
    /// An environment declaration, when there is one.
    #[label("environments are declared like this")]
    pub span: Option<SourceSpan>,
    /// What is wrong.
    pub message: String,
    /// The declared environments.
    #[help]
    pub help: String,
}
