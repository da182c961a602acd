//! One type per semantic diagnostic, each with a stable code.
//! `docs/diagnostics/` has a longer explanation for every code.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A declaration kind svc does not know (`servce x { }`).
#[derive(Debug, Error, Diagnostic)]
#[error("unknown declaration `{kind}`")]
#[diagnostic(code(svc::decl::unknown_kind))]
pub struct UnknownDeclKind {
    /// The kind.
    #[label("not a declaration kind")]
    pub span: SourceSpan,
    /// The kind as written.
    pub kind: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// Two declarations (or containers) with the same name.
#[derive(Debug, Error, Diagnostic)]
#[error("{what} `{name}` is declared twice")]
#[diagnostic(
    code(svc::name::duplicate),
    help("names must be unique; rename one of them")
)]
pub struct DuplicateName {
    /// The second declaration.
    #[label("declared again here")]
    pub span: SourceSpan,
    /// The first declaration.
    #[label("first declared here")]
    pub first: SourceSpan,
    /// What kind of thing.
    pub what: String,
    /// The name.
    pub name: String,
}

/// A key that the block does not accept.
#[derive(Debug, Error, Diagnostic)]
#[error("unknown setting `{key}` in {context}")]
#[diagnostic(code(svc::field::unknown))]
pub struct UnknownField {
    /// The key.
    #[label("not a setting of {context}")]
    pub span: SourceSpan,
    /// The key as written.
    pub key: String,
    /// Where it was written (`service service_b`).
    pub context: String,
    /// Suggestion or list of valid keys.
    #[help]
    pub help: String,
}

/// A key given twice.
#[derive(Debug, Error, Diagnostic)]
#[error("`{key}` is set twice")]
#[diagnostic(code(svc::field::duplicate), help("remove one of the two"))]
pub struct DuplicateField {
    /// The second occurrence.
    #[label("set again here")]
    pub span: SourceSpan,
    /// The first occurrence.
    #[label("first set here")]
    pub first: SourceSpan,
    /// The key.
    pub key: String,
}

/// A required setting that is not there.
#[derive(Debug, Error, Diagnostic)]
#[error("{context} is missing `{key}`")]
#[diagnostic(code(svc::field::missing))]
pub struct MissingField {
    /// The block that should hold it.
    #[label("`{key}` is required here")]
    pub span: SourceSpan,
    /// The missing key.
    pub key: String,
    /// The block (`service service_b`).
    pub context: String,
    /// An example of what to add.
    #[help]
    pub help: String,
}

/// A value of the wrong kind.
#[derive(Debug, Error, Diagnostic)]
#[error("expected {expected}, found {found}")]
#[diagnostic(code(svc::value::mismatch))]
pub struct TypeMismatch {
    /// The value.
    #[label("expected {expected}")]
    pub span: SourceSpan,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// How to write it.
    #[help]
    pub help: String,
}

/// A quantity with a unit that does not fit (or does not exist).
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(svc::value::unit))]
pub struct UnitMismatch {
    /// The value.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The message.
    pub message: String,
    /// The label.
    pub label: String,
    /// The valid units.
    #[help]
    pub help: String,
}

/// A bare word that is not one of the allowed values.
#[derive(Debug, Error, Diagnostic)]
#[error("`{value}` is not a valid {what}")]
#[diagnostic(code(svc::value::unknown))]
pub struct UnknownEnumValue {
    /// The value.
    #[label("expected one of {allowed}")]
    pub span: SourceSpan,
    /// The value as written.
    pub value: String,
    /// What it should be.
    pub what: String,
    /// The allowed values.
    pub allowed: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// A reference to a name that is not declared.
#[derive(Debug, Error, Diagnostic)]
#[error("unknown {what} `{name}`")]
#[diagnostic(code(svc::name::unresolved))]
pub struct UnresolvedName {
    /// The reference.
    #[label("no {what} is declared with this name")]
    pub span: SourceSpan,
    /// What kind of thing was looked for.
    pub what: String,
    /// The name.
    pub name: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// A reference to a declaration of the wrong kind.
#[derive(Debug, Error, Diagnostic)]
#[error("`{name}` is a {actual}, not a {expected}")]
#[diagnostic(code(svc::name::wrong_kind))]
pub struct WrongKind {
    /// The reference.
    #[label("expected a {expected}")]
    pub span: SourceSpan,
    /// The declaration referred to.
    #[label("`{name}` is declared here")]
    pub decl: SourceSpan,
    /// The name.
    pub name: String,
    /// Its kind.
    pub actual: String,
    /// The kind needed.
    pub expected: String,
    /// Suggestion.
    #[help]
    pub help: String,
}

/// An input used where its type does not fit.
#[derive(Debug, Error, Diagnostic)]
#[error("input `{name}` is a {actual}, but {expected} is needed here")]
#[diagnostic(code(svc::input::type_mismatch))]
pub struct InputTypeMismatch {
    /// The use.
    #[label("needs {expected}")]
    pub span: SourceSpan,
    /// The input's declaration.
    #[label("declared as {actual} here")]
    pub decl: SourceSpan,
    /// The input's name.
    pub name: String,
    /// Its declared type.
    pub actual: String,
    /// What is needed.
    pub expected: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A number outside the range a setting accepts.
#[derive(Debug, Error, Diagnostic)]
#[error("{what} must be {range}, found {found}")]
#[diagnostic(code(svc::value::range))]
pub struct OutOfRange {
    /// The value.
    #[label("out of range")]
    pub span: SourceSpan,
    /// The setting.
    pub what: String,
    /// The allowed range in words.
    pub range: String,
    /// The value found.
    pub found: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A string that is not valid for its setting (a name with characters AWS
/// rejects, an empty image).
#[derive(Debug, Error, Diagnostic)]
#[error("invalid {what}: {reason}")]
#[diagnostic(code(svc::value::format))]
pub struct InvalidFormat {
    /// The value.
    #[label("{reason}")]
    pub span: SourceSpan,
    /// The setting.
    pub what: String,
    /// What is wrong.
    pub reason: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// A Fargate cpu/memory pair that Fargate does not offer.
#[derive(Debug, Error, Diagnostic)]
#[error("Fargate has no task size with cpu {cpu} and memory {memory}")]
#[diagnostic(code(svc::fargate::size))]
pub struct FargateSize {
    /// The cpu value.
    #[label("cpu {cpu}")]
    pub cpu_span: SourceSpan,
    /// The memory value.
    #[label("memory {memory}")]
    pub memory_span: SourceSpan,
    /// cpu as written (normalised).
    pub cpu: String,
    /// memory as written (normalised).
    pub memory: String,
    /// The valid combinations near this one.
    #[help]
    pub help: String,
}

/// A container health-check value outside what ECS accepts.
#[derive(Debug, Error, Diagnostic)]
#[error("health-check {field} must be {range}, found {found}")]
#[diagnostic(code(svc::health::range))]
pub struct HealthRange {
    /// The value.
    #[label("out of range")]
    pub span: SourceSpan,
    /// `interval`, `timeout`, `retries` or `start_period`.
    pub field: String,
    /// The allowed range.
    pub range: String,
    /// The value found.
    pub found: String,
    /// The fix.
    #[help]
    pub help: String,
}

/// A health check with both or neither of `shell` and `exec`.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(
    code(svc::health::command),
    help("write either `shell = \"curl -f http://localhost/ || exit 1\"` (run by the container's shell) or `exec = [\"curl\", \"-f\", \"http://localhost/\"]` (run directly)")
)]
pub struct HealthCommand {
    /// The health block.
    #[label("{label}")]
    pub span: SourceSpan,
    /// What is wrong.
    pub message: String,
    /// Label text.
    pub label: String,
}

/// A log retention that CloudWatch Logs does not offer.
#[derive(Debug, Error, Diagnostic)]
#[error("CloudWatch Logs cannot keep logs for {days} days")]
#[diagnostic(code(svc::logs::retention))]
pub struct LogRetention {
    /// The value.
    #[label("not a CloudWatch retention period")]
    pub span: SourceSpan,
    /// The days.
    pub days: u64,
    /// The nearest valid values.
    #[help]
    pub help: String,
}

/// A set of DNS record types Cloud Map rejects, or SRV without a port.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(svc::discovery::records))]
pub struct DiscoveryRecords {
    /// The records value.
    #[label("{label}")]
    pub span: SourceSpan,
    /// What is wrong.
    pub message: String,
    /// Label text.
    pub label: String,
    /// The fix.
    #[help]
    pub help: String,
}
