//! The checker: resolves names, types and units of a syntax tree and builds
//! the [`Model`], reporting every problem of the file in one pass.

mod container;
mod discovery;
mod errors;
mod fields;
pub mod rules;
mod service;
mod values;
mod wiring;

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::Diagnostics;
use crate::model::{Cluster, Input, InputType, Model, Namespace};
use crate::syntax::ast::{Decl, Expr, ExprKind, File, InputDecl, Item, Span, TypeExpr};

pub use errors::*;
use fields::{Fields, Val};

/// The kinds of top-level declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclKind {
    /// `namespace`
    Namespace,
    /// `cluster`
    Cluster,
    /// `service`
    Service,
}

impl DeclKind {
    /// The keyword.
    pub fn name(self) -> &'static str {
        match self {
            DeclKind::Namespace => "namespace",
            DeclKind::Cluster => "cluster",
            DeclKind::Service => "service",
        }
    }

    const ALL: [DeclKind; 3] = [DeclKind::Namespace, DeclKind::Cluster, DeclKind::Service];
}

/// State of one check run.
pub struct Checker<'d> {
    /// Where diagnostics go.
    pub diags: &'d mut Diagnostics,
    /// Declarations by name, then kind.
    decls: HashMap<&'d str, BTreeMap<DeclKind, &'d Decl>>,
    /// Declaration names of each kind, in source order.
    names: BTreeMap<DeclKind, Vec<String>>,
    /// Inputs by name: type and where declared.
    inputs: HashMap<&'d str, (InputType, Span)>,
    /// Warning codes the declaration being checked allows (`allow = [...]`).
    allowed: Vec<String>,
    /// Discovery names by (namespace, lower-case name), for DNS collisions.
    discovery_names: HashMap<(String, String), Span>,
    /// The environment being built, if any: names svc derives carry it.
    env: Option<String>,
    /// Each service's resolved `calls` items, checked once every service is.
    calls: Vec<wiring::PendingCalls<'d>>,
}

/// Names Terraform does not accept for variables.
const TERRAFORM_RESERVED: [&str; 8] = [
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
];

/// The warnings a declaration may allow with `allow = ["CODE"]`.
pub const WARNINGS: [&str; 8] = [
    "svc::health::timeout",
    "svc::network::egress",
    "svc::discovery::multivalue_limit",
    "svc::discovery::health_check",
    "svc::logs::external_group",
    "svc::network::public_ip",
    "svc::container::writable_root",
    "svc::env::secret_value",
];

/// The closest candidate to `word`, if one is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .map(|c| {
            let score = if c.to_lowercase() == lower {
                1.0
            } else {
                strsim::jaro_winkler(&lower, &c.to_lowercase())
            };
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Checks a parsed file. Returns the model when there is no error; every
/// problem found is in `diags` either way.
pub fn check(file: &File, diags: &mut Diagnostics) -> Option<Model> {
    check_env(file, None, diags)
}

/// Checks the tree of one environment (see `crate::project`): the names svc
/// derives (task family, execution role, log group, created cluster) carry
/// the environment's name, so environments in one account do not collide.
pub fn check_env(file: &File, env: Option<&str>, diags: &mut Diagnostics) -> Option<Model> {
    // The checker borrows the file for its whole run; the lifetime of the
    // diagnostics borrow is tied to the file by reborrowing here.
    let mut cx = Checker {
        diags,
        decls: HashMap::new(),
        names: BTreeMap::new(),
        inputs: HashMap::new(),
        allowed: Vec::new(),
        discovery_names: HashMap::new(),
        env: env.map(String::from),
        calls: Vec::new(),
    };
    let mut model = cx.file(file);
    model.environment = env.map(String::from);
    (!cx.diags.has_errors()).then_some(model)
}

impl<'d> Checker<'d> {
    fn file(&mut self, file: &'d File) -> Model {
        let mut model = Model::default();
        let mut input_decls: Vec<&InputDecl> = Vec::new();
        let mut seen_inputs: HashMap<&str, Span> = HashMap::new();
        let mut decls: Vec<(DeclKind, &Decl)> = Vec::new();

        // Pass 1: index every name, so references can point forward.
        for item in &file.items {
            match item {
                Item::Input(input) => {
                    if let Some(first) = seen_inputs.get(input.name.name.as_str()) {
                        self.diags.push(DuplicateName {
                            span: input.name.span.into(),
                            first: (*first).into(),
                            what: "input".into(),
                            name: input.name.name.clone(),
                        });
                        continue;
                    }
                    seen_inputs.insert(&input.name.name, input.name.span);
                    if TERRAFORM_RESERVED.contains(&input.name.name.as_str()) {
                        self.diags.push(InvalidFormat {
                            span: input.name.span.into(),
                            what: "input name".into(),
                            reason: format!("`{}` is reserved by Terraform", input.name.name),
                            help: format!(
                                "inputs become Terraform variables, which cannot be named {}; rename it",
                                TERRAFORM_RESERVED.join(", ")
                            ),
                        });
                    }
                    if let Some(ty) = self.input_type(&input.ty) {
                        self.inputs.insert(&input.name.name, (ty, input.name.span));
                    }
                    input_decls.push(input);
                }
                // Resolved before checking (see `crate::project`).
                Item::Use(_) | Item::Preset(_) => {}
                Item::Decl(decl) => {
                    if decl.kind.name == "input" {
                        self.diags.push(MissingField {
                            span: decl.name.span.into(),
                            key: "type".into(),
                            context: format!("input {}", decl.name.name),
                            help: format!("inputs have a type: `input {}: string`", decl.name.name),
                        });
                        continue;
                    }
                    let Some(kind) = DeclKind::ALL
                        .into_iter()
                        .find(|k| k.name() == decl.kind.name)
                    else {
                        let help = match suggest(
                            &decl.kind.name,
                            DeclKind::ALL
                                .iter()
                                .map(|k| k.name())
                                .chain(["input", "environment", "preset"]),
                        ) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "declarations are `namespace`, `cluster`, `service`, `environment`, `input`, `preset KIND NAME` and `use`".into(),
                        };
                        self.diags.push(UnknownDeclKind {
                            span: decl.kind.span.into(),
                            kind: decl.kind.name.clone(),
                            help,
                        });
                        continue;
                    };
                    let slot = self.decls.entry(&decl.name.name).or_default();
                    if let Some(first) = slot.get(&kind) {
                        self.diags.push(DuplicateName {
                            span: decl.name.span.into(),
                            first: first.name.span.into(),
                            what: kind.name().into(),
                            name: decl.name.name.clone(),
                        });
                        continue;
                    }
                    slot.insert(kind, decl);
                    self.names
                        .entry(kind)
                        .or_default()
                        .push(decl.name.name.clone());
                    decls.push((kind, decl));
                }
            }
        }

        // Pass 2: check each declaration.
        for input in input_decls {
            if let Some(input) = self.input(input) {
                model.inputs.push(input);
            }
        }
        for (kind, decl) in &decls {
            let mark = self.diags.len();
            match kind {
                DeclKind::Namespace => {
                    if let Some(ns) = self.namespace(decl) {
                        model.namespaces.push(ns);
                    }
                }
                DeclKind::Cluster => {
                    if let Some(c) = self.cluster(decl) {
                        model.clusters.push(c);
                    }
                }
                DeclKind::Service => {}
            }
            self.note_inherited(mark, decl);
        }
        for (kind, decl) in &decls {
            if *kind == DeclKind::Service {
                let mark = self.diags.len();
                if let Some(service) = self.service(decl, &mut model) {
                    model.services.push(service);
                }
                self.note_inherited(mark, decl);
            }
        }
        self.wiring(&mut model);
        model
    }

    /// Labels the `from` that brought a preset's settings on problems found
    /// in them while checking `decl`.
    fn note_inherited(&mut self, mark: usize, decl: &Decl) {
        for inh in &decl.inherited {
            let label = miette::LabeledSpan::new_with_span(
                Some(format!(
                    "`{}` inherits this from preset `{}`",
                    decl.name.name, inh.preset
                )),
                inh.from,
            );
            self.diags.annotate_since(mark, inh.within, label);
        }
    }

    /// A name svc derives from a declaration's, with the environment's name
    /// appended when building one: `service_b` or `service_b-prod`.
    pub fn scoped(&self, name: &str) -> String {
        match &self.env {
            Some(env) => format!("{name}-{env}"),
            None => name.to_string(),
        }
    }

    /// Reports a warning unless the current declaration allows its code.
    pub fn warn(&mut self, warning: impl miette::Diagnostic + Send + Sync + 'static) {
        let code = warning.code().map(|c| c.to_string()).unwrap_or_default();
        if !self.allowed.contains(&code) {
            self.diags.push(warning);
        }
    }

    /// Reads `allow = ["svc::..."]`: warning codes accepted on purpose.
    fn allow_list(&mut self, f: &mut Fields) -> Vec<String> {
        let Some(v) = f.optional(self, "allow") else {
            return Vec::new();
        };
        let e = match v {
            Val::Expr(e) => e,
            Val::Block(_) => {
                self.string(v);
                return Vec::new();
            }
        };
        let ExprKind::List(items) = &e.kind else {
            self.diags.push(TypeMismatch {
                span: e.span.into(),
                expected: "a list of warning codes".into(),
                found: e.kind.describe().into(),
                help: "write `allow = [\"svc::health::timeout\"]`".into(),
            });
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(code) = self.string(Val::Expr(item)) else {
                continue;
            };
            if WARNINGS.contains(&code.as_str()) {
                out.push(code);
                continue;
            }
            let help = if crate::explain::explain(&code).is_some() {
                format!("{code} is an error, and errors cannot be allowed; fix the setting instead")
            } else {
                match suggest(&code, WARNINGS.into_iter()) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => format!("warnings that can be allowed: {}", WARNINGS.join(", ")),
                }
            };
            self.diags.push(UnknownEnumValue {
                span: item.span.into(),
                value: code,
                what: "warning code to allow".into(),
                allowed: "the warning codes in docs/diagnostics.md".into(),
                help,
            });
        }
        out
    }

    /// The declaration `name` of `kind`, if any.
    fn decl(&self, name: &str, kind: DeclKind) -> Option<&'d Decl> {
        self.decls.get(name).and_then(|m| m.get(&kind)).copied()
    }

    fn input_type(&mut self, ty: &TypeExpr) -> Option<InputType> {
        const TYPES: [&str; 4] = ["string", "number", "bool", "list"];
        let out = match (ty.name.name.as_str(), &ty.arg) {
            ("string", None) => InputType::String,
            ("number", None) => InputType::Number,
            ("bool", None) => InputType::Bool,
            ("list", Some(arg)) => InputType::List(Box::new(self.input_type(arg)?)),
            ("list", None) => {
                self.diags.push(TypeMismatch {
                    span: ty.span.into(),
                    expected: "a list type with its item type".into(),
                    found: "`list`".into(),
                    help: "write `list(string)`".into(),
                });
                return None;
            }
            (name, Some(_)) if TYPES.contains(&name) => {
                self.diags.push(TypeMismatch {
                    span: ty.span.into(),
                    expected: format!("`{name}` without an argument"),
                    found: "a type argument".into(),
                    help: format!("write `{name}`"),
                });
                return None;
            }
            (name, _) => {
                let help = match suggest(name, TYPES.into_iter()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "input types are string, number, bool and list(T)".into(),
                };
                self.diags.push(UnknownEnumValue {
                    span: ty.name.span.into(),
                    value: name.to_string(),
                    what: "input type".into(),
                    allowed: "`string`, `number`, `bool`, `list(T)`".into(),
                    help,
                });
                return None;
            }
        };
        Some(out)
    }

    fn input(&mut self, decl: &InputDecl) -> Option<Input> {
        let (ty, _) = self.inputs.get(decl.name.name.as_str()).cloned()?;
        let mut input = Input {
            name: decl.name.name.clone(),
            ty: ty.clone(),
            description: None,
            default: None,
        };
        if let Some(body) = &decl.body {
            let mut f = Fields::new(format!("input {}", decl.name.name), decl.name.span, body);
            if let Some(v) = f.optional(self, "description") {
                input.description = self.string(v);
            }
            if let Some(Val::Expr(e)) = f.optional(self, "default") {
                input.default = self.literal_of_type(e, &ty);
            }
            f.finish(self);
        }
        Some(input)
    }

    /// A literal value of an input type, as JSON (for defaults).
    fn literal_of_type(&mut self, e: &Expr, ty: &InputType) -> Option<serde_json::Value> {
        let mismatch = |cx: &mut Self| {
            cx.diags.push(TypeMismatch {
                span: e.span.into(),
                expected: format!("a {ty}"),
                found: e.kind.describe().into(),
                help: format!("the default must have the input's type, {ty}"),
            });
            None
        };
        match (ty, &e.kind) {
            (InputType::String, ExprKind::String(s)) => Some(s.clone().into()),
            (InputType::Bool, ExprKind::Bool(b)) => Some((*b).into()),
            (InputType::Number, ExprKind::Number(n))
                if n.replace('_', "")
                    .parse::<f64>()
                    .is_ok_and(|v| v.abs() >= 9.0e15) =>
            {
                self.diags.push(crate::syntax::InvalidNumber {
                    span: e.span.into(),
                    text: n.clone(),
                    reason: "too large".into(),
                    help: "numbers must stay below 9e15 to be exact".into(),
                });
                None
            }
            (InputType::Number, ExprKind::Number(n)) => {
                match n
                    .replace('_', "")
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                {
                    Some(v) if n.contains('.') => Some(serde_json::Value::Number(v)),
                    Some(_) => n
                        .replace('_', "")
                        .parse::<i64>()
                        .ok()
                        .map(serde_json::Value::from)
                        .or_else(|| mismatch(self)),
                    None => mismatch(self),
                }
            }
            (InputType::List(inner), ExprKind::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(self.literal_of_type(item, inner)?);
                }
                Some(out.into())
            }
            _ => mismatch(self),
        }
    }

    fn namespace(&mut self, decl: &Decl) -> Option<Namespace> {
        let mut f = Fields::new(
            format!("namespace {}", decl.name.name),
            decl.name.span,
            &decl.body,
        );
        let domain = f
            .required(self, "domain", "domain = \"internal.local\"")
            .and_then(|v| self.dns_name(v, "namespace domain", 253));
        let description = f.optional(self, "description").and_then(|v| self.string(v));
        let vpc = f
            .required(self, "vpc", "vpc = input.vpc_id")
            .and_then(|v| self.text(v));
        let tags = self.tags(&mut f);
        f.finish(self);
        Some(Namespace {
            name: decl.name.name.clone(),
            domain: domain?,
            description,
            vpc: vpc?,
            tags: tags?,
        })
    }

    fn cluster(&mut self, decl: &Decl) -> Option<Cluster> {
        let mut f = Fields::new(
            format!("cluster {}", decl.name.name),
            decl.name.span,
            &decl.body,
        );
        let cluster_name = match f.optional(self, "name") {
            Some(v) => self.aws_name(v, "cluster name", 255),
            None => Some(self.scoped(&decl.name.name)),
        };
        let container_insights = match f.optional(self, "container_insights") {
            Some(v) => self.bool(v),
            None => Some(true),
        };
        let tags = self.tags(&mut f);
        f.finish(self);
        Some(Cluster {
            name: decl.name.name.clone(),
            cluster_name: cluster_name?,
            container_insights: container_insights?,
            tags: tags?,
        })
    }

    /// `tags { key = "value" }`, optional; `None` only on error.
    fn tags(&mut self, f: &mut Fields) -> Option<BTreeMap<String, String>> {
        let Some(v) = f.optional(self, "tags") else {
            return Some(BTreeMap::new());
        };
        let entries = self.string_map(v, "tags", &mut |cx, e| cx.string(Val::Expr(e)))?;
        let mut ok = true;
        for (key, value, span) in &entries {
            let reason = if key.is_empty() || key.chars().count() > 128 {
                "keys are 1 to 128 characters"
            } else if key.to_lowercase().starts_with("aws:") {
                "the `aws:` prefix is reserved for AWS"
            } else if value.chars().count() > 256 {
                "values are at most 256 characters"
            } else {
                continue;
            };
            self.diags.push(InvalidTag {
                span: (*span).into(),
                reason: reason.into(),
                help:
                    "tag keys are 1 to 128 characters not starting with `aws:`, values at most 256"
                        .into(),
            });
            ok = false;
        }
        if entries.len() > 50 {
            self.diags.push(InvalidTag {
                span: v.span().into(),
                reason: format!("{} tags, the limit is 50", entries.len()),
                help: "AWS resources take at most 50 tags".into(),
            });
            ok = false;
        }
        ok.then(|| entries.into_iter().map(|(k, v, _)| (k, v)).collect())
    }

    /// A name of ECS resources: `[A-Za-z0-9_-]`, 1 to `max` characters.
    fn aws_name(&mut self, val: Val, what: &str, max: usize) -> Option<String> {
        let s = self.string(val)?;
        let bad = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
        let reason = if s.is_empty() {
            Some("it is empty".to_string())
        } else if s.len() > max {
            Some(format!(
                "it is {} characters long, the limit is {max}",
                s.len()
            ))
        } else {
            bad.map(|c| format!("`{c}` is not allowed"))
        };
        match reason {
            Some(reason) => {
                self.diags.push(InvalidFormat {
                    span: val.span().into(),
                    what: what.to_string(),
                    reason,
                    help: format!(
                        "{what}s use letters, digits, `_` and `-`, 1 to {max} characters"
                    ),
                });
                None
            }
            None => Some(s),
        }
    }

    /// A DNS name: dot-separated labels of `[A-Za-z0-9_-]`, no edge hyphen,
    /// at most 63 characters each and `max` in all.
    fn dns_name(&mut self, val: Val, what: &str, max: usize) -> Option<String> {
        let s = self.string(val)?;
        let reason = dns_label_problem(&s, max).map(|r| format!("it {r}"));
        match reason {
            Some(reason) => {
                self.diags.push(InvalidFormat {
                    span: val.span().into(),
                    what: what.to_string(),
                    reason,
                    help: "use dot-separated labels of letters, digits, `_` and `-`, such as `service-b` or `internal.local`".into(),
                });
                None
            }
            None => Some(s),
        }
    }
}

/// What makes `s` unusable as a DNS name of at most `max` characters, if
/// anything: labels of `[A-Za-z0-9_-]`, no edge hyphen, at most 63 each.
pub fn dns_label_problem(s: &str, max: usize) -> Option<String> {
    if s.is_empty() {
        return Some("is empty".to_string());
    }
    if s.len() > max {
        return Some(format!(
            "is {} characters long, the limit is {max}",
            s.len()
        ));
    }
    s.split('.').find_map(|label| {
        if label.is_empty() {
            Some("has an empty label (`..` or a dot at an end)".to_string())
        } else if label.len() > 63 {
            Some(format!(
                "has the label `{label}`, longer than 63 characters"
            ))
        } else if label.starts_with('-') || label.ends_with('-') {
            Some(format!(
                "has the label `{label}`, which starts or ends with `-`"
            ))
        } else {
            label
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
                .map(|c| format!("contains `{c}`, which DNS names do not allow"))
        }
    })
}
