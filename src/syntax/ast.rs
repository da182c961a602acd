//! The syntax tree: what the user wrote, with a span on every node.
//!
//! The tree is schema-free (see `grammar/svc.pest`): deciding which keys and
//! blocks a `service` accepts is the checker's job.

use serde::Serialize;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// One parsed `.svc` file.
#[derive(Debug, Clone, Serialize)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
    /// Every comment, in source order, for tools that keep them (`svc fmt`).
    pub comments: Vec<Comment>,
}

/// A comment and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// The comment text including its `//`, `#` or `/* */` markers.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, Serialize)]
pub enum Item {
    /// `input name: type { ... }`.
    Input(InputDecl),
    /// `kind name { ... }`, e.g. `service service_b { ... }`.
    Decl(Decl),
    /// `use "file.svc"` or `use std.health`.
    Use(UseDecl),
    /// `preset kind name { ... }`.
    Preset(PresetDecl),
}

/// An import: another project file or a stdlib module.
#[derive(Debug, Clone, Serialize)]
pub struct UseDecl {
    /// What is imported.
    pub target: UseTarget,
    /// The whole item.
    pub span: Span,
}

/// What a `use` names.
#[derive(Debug, Clone, Serialize)]
pub enum UseTarget {
    /// `use "common.svc"`: a path relative to the importing file.
    File(String, Span),
    /// `use std.health`: a module of the standard library.
    Module(Vec<Ident>),
}

/// Reusable settings: `preset service web { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct PresetDecl {
    /// The kind of body it fills: `service`, `container`, `health`, ...
    pub kind: Ident,
    /// Its name, used in `from = name`.
    pub name: Ident,
    /// Its settings (and `params { ... }`).
    pub body: Body,
    /// The whole declaration.
    pub span: Span,
}

/// A declared external value, e.g. `input vpc_id: string`.
#[derive(Debug, Clone, Serialize)]
pub struct InputDecl {
    /// The input's name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// Optional settings (`description`, `default`).
    pub body: Option<Body>,
    /// The whole item.
    pub span: Span,
}

/// A type as written: `string`, `list(string)`.
#[derive(Debug, Clone, Serialize)]
pub struct TypeExpr {
    /// The type constructor's name.
    pub name: Ident,
    /// The argument of `list(...)`.
    pub arg: Option<Box<TypeExpr>>,
    /// The whole type.
    pub span: Span,
}

/// A named declaration such as `service service_b { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct Decl {
    /// `namespace`, `service`, `cluster`, ...
    pub kind: Ident,
    /// The declaration's name, used to refer to it.
    pub name: Ident,
    /// Its settings.
    pub body: Body,
    /// The whole declaration.
    pub span: Span,
    /// The presets its settings came from (filled by `crate::project`).
    pub inherited: Vec<Inherited>,
}

/// Settings a declaration took from a preset.
#[derive(Debug, Clone, Serialize)]
pub struct Inherited {
    /// The preset's body.
    pub within: Span,
    /// The `from = name` (or `key = name`) that brought them.
    pub from: Span,
    /// The preset's name.
    pub preset: String,
}

/// The inside of `{ ... }`: attributes and blocks.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    /// Entries in source order.
    pub entries: Vec<Entry>,
    /// From `{` to `}`.
    pub span: Span,
}

/// One entry of a body.
#[derive(Debug, Clone, Serialize)]
pub enum Entry {
    /// `key = value`.
    Attribute(Attribute),
    /// `kind label? { ... }`.
    Block(Block),
}

impl Entry {
    /// The key (attribute) or kind (block) that names this entry.
    pub fn key(&self) -> &Ident {
        match self {
            Entry::Attribute(a) => &a.key,
            Entry::Block(b) => &b.kind,
        }
    }

    /// The whole entry.
    pub fn span(&self) -> Span {
        match self {
            Entry::Attribute(a) => a.span,
            Entry::Block(b) => b.span,
        }
    }
}

/// `key = value`.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute {
    /// The key (a name or a quoted string).
    pub key: Ident,
    /// The value.
    pub value: Expr,
    /// The whole attribute.
    pub span: Span,
}

/// A nested block such as `container app { ... }` or `health { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    /// What kind of block this is.
    pub kind: Ident,
    /// The optional label (`app` in `container app { }`).
    pub label: Option<Ident>,
    /// Its settings.
    pub body: Body,
    /// The whole block.
    pub span: Span,
}

/// A value with its span.
#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    /// What kind of value.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of values.
#[derive(Debug, Clone, Serialize)]
pub enum ExprKind {
    /// A string with its escapes decoded.
    String(String),
    /// A string with `${name}` interpolations, e.g. `"${env}.internal.local"`;
    /// resolved to a `String` before checking.
    Template(Vec<TemplatePart>),
    /// A plain number as written (`2`, `-1`, `0.5`).
    Number(String),
    /// A number with a unit: `10s`, `512MiB`, `0.25vcpu`.
    Quantity {
        /// The number as written.
        number: String,
        /// The unit as written.
        unit: String,
    },
    /// A port with its protocol: `80/tcp`.
    Port {
        /// The port number as written.
        number: String,
        /// The protocol as written.
        protocol: Ident,
    },
    /// `true` or `false`.
    Bool(bool),
    /// A bare word or dotted path: an enum value (`multivalue`) or a
    /// reference (`internal`, `input.vpc_id`).
    Path(Vec<Ident>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `{ key = value, ... }`.
    Object(Body),
}

impl ExprKind {
    /// How the value kind is called in diagnostics.
    pub fn describe(&self) -> &'static str {
        match self {
            ExprKind::String(_) | ExprKind::Template(_) => "a string",
            ExprKind::Number(_) => "a number",
            ExprKind::Quantity { .. } => "a number with a unit",
            ExprKind::Port { .. } => "a port",
            ExprKind::Bool(_) => "a boolean",
            ExprKind::Path(p) if p.len() == 1 => "a name",
            ExprKind::Path(_) => "a reference",
            ExprKind::List(_) => "a list",
            ExprKind::Object(_) => "an object",
        }
    }
}

/// A piece of a string with interpolations.
#[derive(Debug, Clone, Serialize)]
pub enum TemplatePart {
    /// Text, escapes decoded.
    Text(String),
    /// `${name}`.
    Var(Ident),
}
