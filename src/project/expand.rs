//! Expansion: presets (`from = name`), environment overrides and `${...}`
//! interpolation, turning a loaded project into one tree of inputs and
//! declarations for the checker.
//!
//! Merging is by key: an attribute replaces the inherited attribute (or
//! block) of the same key; a block merges into the inherited block of the
//! same kind and label, recursively; anything else is added after what was
//! inherited.

use std::collections::HashMap;

use super::errors::{EnvUnknown, PresetCycle};
use super::Loaded;
use crate::check::{
    suggest, DuplicateName, TypeMismatch, UnknownEnumValue, UnknownField, UnresolvedName, WrongKind,
};
use crate::diagnostic::Diagnostics;
use crate::syntax::ast::*;

/// Which variant of the project to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// No environment: the declarations as written.
    Base,
    /// The declarations with an environment's overrides.
    Env(&'a str),
}

/// Body kinds a preset can be written for.
pub const PRESET_KINDS: [&str; 13] = [
    "service",
    "cluster",
    "namespace",
    "container",
    "health",
    "discovery",
    "logs",
    "network",
    "size",
    "env",
    "secrets",
    "tags",
    "storage",
];

/// The environments a project declares (`environment NAME { ... }`), in
/// order, duplicates reported.
pub fn environments<'a>(loaded: &'a Loaded, diags: &mut Diagnostics) -> Vec<&'a Decl> {
    let mut out: Vec<&Decl> = Vec::new();
    for item in loaded.items() {
        let Item::Decl(d) = item else { continue };
        if d.kind.name != "environment" {
            continue;
        }
        if let Some(first) = out.iter().find(|e| e.name.name == d.name.name) {
            diags.push(DuplicateName {
                span: d.name.span.into(),
                first: first.name.span.into(),
                what: "environment".into(),
                name: d.name.name.clone(),
            });
            continue;
        }
        out.push(d);
    }
    out
}

/// Builds the tree for `target`: every input and declaration of every file,
/// presets and the environment's overrides applied, `${...}` resolved.
pub fn expand(loaded: &Loaded, target: Target, diags: &mut Diagnostics) -> File {
    let envs = environments(loaded, &mut Diagnostics::new());
    let env = match target {
        Target::Base => None,
        Target::Env(name) => match envs.iter().find(|e| e.name.name == name) {
            Some(e) => Some(*e),
            None => {
                diags.push(EnvUnknown {
                    span: envs.first().map(|e| e.name.span.into()),
                    message: format!("the project declares no environment `{name}`"),
                    help: declared(&envs),
                });
                return File {
                    items: Vec::new(),
                    comments: Vec::new(),
                };
            }
        },
    };
    let mut x = Expander {
        diags,
        presets: HashMap::new(),
        stack: Vec::new(),
        env_name: env.map(|e| e.name.name.clone()),
        has_envs: !envs.is_empty(),
    };
    x.collect_presets(loaded);
    let overrides = env.map(|e| x.overrides(e)).unwrap_or_default();
    let mut used = vec![false; overrides.decls.len()];

    let mut items = Vec::new();
    for item in loaded.items() {
        match item {
            Item::Input(input) => {
                let mut input = input.clone();
                if let Some((_, value)) = overrides
                    .inputs
                    .iter()
                    .find(|(n, _)| n.name == input.name.name)
                {
                    set_default(&mut input, value);
                }
                if let Some(body) = &mut input.body {
                    x.interpolate_env(body);
                }
                items.push(Item::Input(input));
            }
            Item::Decl(decl) if decl.kind.name == "environment" => {}
            Item::Decl(decl) => {
                let mut inherited = Vec::new();
                let mut body = x.body(decl.body.clone(), &decl.kind.name, &mut inherited);
                for (i, (kind, name, over)) in overrides.decls.iter().enumerate() {
                    if kind.name == decl.kind.name && name.name == decl.name.name {
                        used[i] = true;
                        let over = x.body((*over).clone(), &decl.kind.name, &mut inherited);
                        body.entries = merge(body.entries, over.entries);
                    }
                }
                x.interpolate_env(&mut body);
                items.push(Item::Decl(Decl {
                    kind: decl.kind.clone(),
                    name: decl.name.clone(),
                    body,
                    span: decl.span,
                    inherited,
                }));
            }
            Item::Use(_) | Item::Preset(_) => {}
        }
    }
    // Inputs named in an environment but not declared.
    for (name, _) in &overrides.inputs {
        let declared_input = loaded
            .items()
            .any(|i| matches!(i, Item::Input(inp) if inp.name.name == name.name));
        if !declared_input {
            x.diags.push(UnresolvedName {
                span: name.span.into(),
                what: "input".into(),
                name: name.name.clone(),
                help: "an environment can only give values to declared inputs".into(),
            });
        }
    }
    for (i, (kind, name, _)) in overrides.decls.iter().enumerate() {
        if !used[i] {
            x.diags.push(UnresolvedName {
                span: name.span.into(),
                what: kind.name.clone(),
                name: name.name.clone(),
                help: format!(
                    "an environment overrides declared {}s; check the name",
                    kind.name
                ),
            });
        }
    }
    File {
        items,
        comments: Vec::new(),
    }
}

fn declared(envs: &[&Decl]) -> String {
    if envs.is_empty() {
        return "this project declares no environments; drop `--env`".into();
    }
    format!(
        "declared environments: {}",
        envs.iter()
            .map(|e| e.name.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What an environment changes.
#[derive(Default)]
struct Overrides<'a> {
    /// `service NAME { ... }` etc.: kind, name, body.
    decls: Vec<(&'a Ident, &'a Ident, &'a Body)>,
    /// `inputs { NAME = value }`.
    inputs: Vec<(&'a Ident, &'a Expr)>,
}

struct Expander<'d> {
    diags: &'d mut Diagnostics,
    /// Presets by name, then kind.
    presets: HashMap<String, Vec<&'d PresetDecl>>,
    /// `(kind, name)` of the presets being expanded, for cycles.
    stack: Vec<(String, String)>,
    /// The selected environment.
    env_name: Option<String>,
    /// Whether the project declares environments at all.
    has_envs: bool,
}

impl<'d> Expander<'d> {
    fn collect_presets(&mut self, loaded: &'d Loaded) {
        for item in loaded.items() {
            let Item::Preset(p) = item else { continue };
            if !PRESET_KINDS.contains(&p.kind.name.as_str()) {
                let help = match suggest(&p.kind.name, PRESET_KINDS.into_iter()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("presets are for {}", PRESET_KINDS.join(", ")),
                };
                self.diags.push(UnknownEnumValue {
                    span: p.kind.span.into(),
                    value: p.kind.name.clone(),
                    what: "preset kind".into(),
                    allowed: PRESET_KINDS.join(", "),
                    help,
                });
                continue;
            }
            let slot = self.presets.entry(p.name.name.clone()).or_default();
            if let Some(first) = slot.iter().find(|f| f.kind.name == p.kind.name) {
                self.diags.push(DuplicateName {
                    span: p.name.span.into(),
                    first: first.name.span.into(),
                    what: format!("{} preset", p.kind.name),
                    name: p.name.name.clone(),
                });
                continue;
            }
            slot.push(p);
        }
    }

    fn preset(&self, kind: &str, name: &str) -> Option<&'d PresetDecl> {
        self.presets
            .get(name)
            .and_then(|v| v.iter().find(|p| p.kind.name == kind))
            .copied()
    }

    fn overrides(&mut self, env: &'d Decl) -> Overrides<'d> {
        let mut out = Overrides::default();
        let context = format!("environment {}", env.name.name);
        for entry in &env.body.entries {
            match entry {
                Entry::Block(b)
                    if ["service", "cluster", "namespace"].contains(&b.kind.name.as_str()) =>
                {
                    match &b.label {
                        Some(label) => out.decls.push((&b.kind, label, &b.body)),
                        None => self.diags.push(TypeMismatch {
                            span: b.kind.span.into(),
                            expected: format!("`{} NAME {{ ... }}`", b.kind.name),
                            found: "a block without a name".into(),
                            help: format!(
                                "name the {} this environment changes: `{} api {{ replicas = 4 }}`",
                                b.kind.name, b.kind.name
                            ),
                        }),
                    }
                }
                Entry::Block(b) if b.kind.name == "inputs" && b.label.is_none() => {
                    for e in &b.body.entries {
                        match e {
                            Entry::Attribute(a) => out.inputs.push((&a.key, &a.value)),
                            Entry::Block(inner) => self.diags.push(TypeMismatch {
                                span: inner.span.into(),
                                expected: "`NAME = value`".into(),
                                found: "a block".into(),
                                help: "give input values as `vpc_id = \"vpc-0123\"`".into(),
                            }),
                        }
                    }
                }
                Entry::Attribute(a) if a.key.name == "description" => {}
                other => {
                    let key = other.key();
                    let known = ["service", "cluster", "namespace", "inputs", "description"];
                    let help = match suggest(&key.name, known.into_iter()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "an environment holds `service NAME { ... }`, `cluster NAME { ... }`, `namespace NAME { ... }`, `inputs { ... }` and `description`".into(),
                    };
                    self.diags.push(UnknownField {
                        span: key.span.into(),
                        key: key.name.clone(),
                        context: context.clone(),
                        help,
                    });
                }
            }
        }
        out
    }

    /// Expands a body of `kind`: its `from`, then every nested block. The
    /// body is taken by value so each level is copied once, by the caller
    /// that owns the original.
    fn body(&mut self, body: Body, kind: &str, inherited: &mut Vec<Inherited>) -> Body {
        let span = body.span;
        let mut entries: Vec<Entry> = body.entries;
        let from = entries
            .iter()
            .position(|e| matches!(e, Entry::Attribute(a) if a.key.name == "from"));
        if let Some(at) = from {
            let Entry::Attribute(attr) = entries.remove(at) else {
                unreachable!("position matched an attribute")
            };
            if let Some(base) = self.from(&attr, kind, &mut entries, inherited) {
                entries = merge(base, entries);
            }
        }
        for entry in &mut entries {
            match entry {
                Entry::Block(b) => {
                    let inner = take_body(&mut b.body);
                    b.body = self.body(inner, &b.kind.name.clone(), inherited);
                }
                Entry::Attribute(a) => self.attribute(a, inherited),
            }
        }
        Body { entries, span }
    }

    /// `key = { ... }` is a body of kind `key`; `key = name` with a preset
    /// `name` of kind `key` stands for that preset's settings.
    fn attribute(&mut self, a: &mut Attribute, inherited: &mut Vec<Inherited>) {
        let kind = a.key.name.clone();
        match &mut a.value.kind {
            ExprKind::Object(obj) => {
                let inner = take_body(obj);
                *obj = self.body(inner, &kind, inherited);
            }
            ExprKind::Path(path) if path.len() == 1 => {
                if let Some(preset) = self.preset(&kind, &path[0].name) {
                    let from = Attribute {
                        key: Ident {
                            name: "from".into(),
                            span: a.key.span,
                        },
                        value: a.value.clone(),
                        span: a.span,
                    };
                    let body = Body {
                        entries: vec![Entry::Attribute(from)],
                        span: preset.body.span,
                    };
                    let expanded = self.body(body, &kind, inherited);
                    a.value.kind = ExprKind::Object(expanded);
                }
            }
            _ => {}
        }
    }

    /// The settings `from = NAME` brings into a body of `kind`: the preset's
    /// own (expanded) settings with its parameters filled from `own`, whose
    /// parameter entries are taken out.
    fn from(
        &mut self,
        attr: &Attribute,
        kind: &str,
        own: &mut Vec<Entry>,
        inherited: &mut Vec<Inherited>,
    ) -> Option<Vec<Entry>> {
        let name = match &attr.value.kind {
            ExprKind::Path(p) if p.len() == 1 => &p[0],
            other => {
                self.diags.push(TypeMismatch {
                    span: attr.value.span.into(),
                    expected: format!("the name of a {kind} preset"),
                    found: other.describe().into(),
                    help: format!("write `from = NAME` with a `preset {kind} NAME {{ ... }}`"),
                });
                return None;
            }
        };
        let Some(preset) = self.preset(kind, &name.name) else {
            self.unknown_preset(name, kind);
            return None;
        };
        let key = (kind.to_string(), name.name.clone());
        if let Some(at) = self.stack.iter().position(|k| *k == key) {
            let cycle: Vec<String> = self.stack[at..]
                .iter()
                .chain(std::iter::once(&key))
                .map(|(_, n)| n.clone())
                .collect();
            self.diags.push(PresetCycle {
                span: attr.span.into(),
                cycle: cycle.join(" → "),
            });
            return None;
        }

        // Parameters: `params { port = 80 }` in the preset, values from the
        // using body.
        let mut values: HashMap<String, String> = HashMap::new();
        let mut preset_entries = Vec::new();
        for entry in &preset.body.entries {
            match entry {
                Entry::Block(b) if b.kind.name == "params" && b.label.is_none() => {
                    for p in &b.body.entries {
                        let Entry::Attribute(p) = p else { continue };
                        let given = own.iter().position(
                            |e| matches!(e, Entry::Attribute(a) if a.key.name == p.key.name),
                        );
                        let value = match given {
                            Some(i) => match own.remove(i) {
                                Entry::Attribute(a) => a.value,
                                Entry::Block(_) => unreachable!("matched an attribute"),
                            },
                            None => p.value.clone(),
                        };
                        // An unusable value is reported once; `${name}` then
                        // stands for nothing rather than a second error.
                        let text = self.param_text(&value, &p.key.name).unwrap_or_default();
                        values.insert(p.key.name.clone(), text);
                    }
                }
                other => preset_entries.push(other.clone()),
            }
        }
        let mut preset_body = Body {
            entries: preset_entries,
            span: preset.body.span,
        };
        substitute(&mut preset_body, &values);

        self.stack.push(key);
        let expanded = self.body(preset_body, kind, inherited);
        self.stack.pop();
        inherited.push(Inherited {
            within: preset.body.span,
            from: attr.span,
            preset: name.name.clone(),
        });
        Some(expanded.entries)
    }

    fn unknown_preset(&mut self, name: &Ident, kind: &str) {
        if let Some(other) = self.presets.get(&name.name).and_then(|v| v.first()) {
            self.diags.push(WrongKind {
                span: name.span.into(),
                decl: other.name.span.into(),
                name: name.name.clone(),
                actual: format!("{} preset", other.kind.name),
                expected: format!("{kind} preset"),
                help: format!("a `{kind}` body starts from a `preset {kind} NAME {{ ... }}`"),
            });
            return;
        }
        let candidates: Vec<&str> = self
            .presets
            .iter()
            .filter(|(_, v)| v.iter().any(|p| p.kind.name == kind))
            .map(|(n, _)| n.as_str())
            .collect();
        let help = match suggest(&name.name, candidates.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if candidates.is_empty() => format!(
                "declare `preset {kind} {} {{ ... }}`, or `use` the file or stdlib module that has it",
                name.name
            ),
            None => {
                let mut c = candidates.clone();
                c.sort_unstable();
                format!("{kind} presets in scope: {}", c.join(", "))
            }
        };
        self.diags.push(UnresolvedName {
            span: name.span.into(),
            what: format!("{kind} preset"),
            name: name.name.clone(),
            help,
        });
    }

    /// A parameter value as text for `${name}`.
    fn param_text(&mut self, value: &Expr, name: &str) -> Option<String> {
        Some(match &value.kind {
            ExprKind::String(s) => s.clone(),
            ExprKind::Number(n) => n.replace('_', ""),
            ExprKind::Quantity { number, unit } => format!("{}{unit}", number.replace('_', "")),
            ExprKind::Port { number, protocol } => format!("{number}/{}", protocol.name),
            ExprKind::Bool(b) => b.to_string(),
            other => {
                self.diags.push(TypeMismatch {
                    span: value.span.into(),
                    expected: format!("a string, number or port for the parameter `{name}`"),
                    found: other.describe().into(),
                    help: "parameters are inserted into strings with `${name}`".into(),
                });
                return None;
            }
        })
    }

    /// Resolves the remaining `${...}`: `${env}` is the environment's name.
    fn interpolate_env(&mut self, body: &mut Body) {
        let mut values = HashMap::new();
        if let Some(env) = &self.env_name {
            values.insert("env".to_string(), env.clone());
        }
        substitute(body, &values);
        let mut unresolved = Vec::new();
        visit_templates(body, &mut |parts| {
            for p in parts.iter() {
                if let TemplatePart::Var(v) = p {
                    unresolved.push(v.clone());
                }
            }
        });
        for v in unresolved {
            let help = match (v.name.as_str(), self.has_envs) {
                ("env", true) => "`${env}` is the environment's name: choose one with `--env NAME`".to_string(),
                ("env", false) => "`${env}` is the environment's name, and this project declares no `environment NAME { ... }`".to_string(),
                (other, _) => format!(
                    "only `${{env}}` and a preset's parameters can be inserted; write `\\${{{other}}}` for the text `${{{other}}}`"
                ),
            };
            self.diags.push(UnresolvedName {
                span: v.span.into(),
                what: "value to insert".into(),
                name: v.name.clone(),
                help,
            });
            // Keep the text so the checker sees a string and stays quiet.
        }
        collapse_templates(body, true);
    }
}

/// Takes a body's entries out, leaving an empty body with the same span.
fn take_body(body: &mut Body) -> Body {
    Body {
        entries: std::mem::take(&mut body.entries),
        span: body.span,
    }
}

/// Gives an input the value an environment sets, as its default.
fn set_default(input: &mut InputDecl, value: &Expr) {
    let attr = Entry::Attribute(Attribute {
        key: Ident {
            name: "default".into(),
            span: value.span,
        },
        value: value.clone(),
        span: value.span,
    });
    match &mut input.body {
        Some(body) => {
            body.entries = merge(std::mem::take(&mut body.entries), vec![attr]);
        }
        None => {
            input.body = Some(Body {
                entries: vec![attr],
                span: value.span,
            })
        }
    }
}

/// Merges `over` into `base` (see the module documentation).
pub fn merge(mut base: Vec<Entry>, over: Vec<Entry>) -> Vec<Entry> {
    for entry in over {
        match entry {
            Entry::Attribute(a) => {
                match base.iter().position(|e| e.key().name == a.key.name) {
                    Some(i) => {
                        base[i] = Entry::Attribute(a);
                        // Any further inherited entry of the key goes too.
                        let key = base[i].key().name.clone();
                        let mut j = i + 1;
                        while j < base.len() {
                            if base[j].key().name == key {
                                base.remove(j);
                            } else {
                                j += 1;
                            }
                        }
                    }
                    None => base.push(Entry::Attribute(a)),
                }
            }
            Entry::Block(b) => {
                let same = base.iter().position(|e| match e {
                    Entry::Block(x) => {
                        x.kind.name == b.kind.name
                            && x.label.as_ref().map(|l| &l.name)
                                == b.label.as_ref().map(|l| &l.name)
                    }
                    Entry::Attribute(x) => b.label.is_none() && x.key.name == b.kind.name,
                });
                match same {
                    Some(i) => {
                        let merged = match std::mem::replace(&mut base[i], Entry::Block(b.clone()))
                        {
                            Entry::Block(old) => Block {
                                body: Body {
                                    entries: merge(old.body.entries, b.body.entries),
                                    span: b.body.span,
                                },
                                ..b
                            },
                            Entry::Attribute(_) => b,
                        };
                        base[i] = Entry::Block(merged);
                    }
                    None => base.push(Entry::Block(b)),
                }
            }
        }
    }
    base
}

/// Replaces the `${name}` parts that `values` knows.
fn substitute(body: &mut Body, values: &HashMap<String, String>) {
    if values.is_empty() {
        return;
    }
    visit_templates(body, &mut |parts| {
        for p in parts.iter_mut() {
            if let TemplatePart::Var(v) = p {
                if let Some(text) = values.get(&v.name) {
                    *p = TemplatePart::Text(text.clone());
                }
            }
        }
    });
    collapse_templates(body, false);
}

fn visit_templates(body: &mut Body, f: &mut impl FnMut(&mut Vec<TemplatePart>)) {
    for entry in &mut body.entries {
        match entry {
            Entry::Attribute(a) => visit_expr(&mut a.value, f),
            Entry::Block(b) => visit_templates(&mut b.body, f),
        }
    }
}

fn visit_expr(e: &mut Expr, f: &mut impl FnMut(&mut Vec<TemplatePart>)) {
    match &mut e.kind {
        ExprKind::Template(parts) => f(parts),
        ExprKind::List(items) => items.iter_mut().for_each(|i| visit_expr(i, f)),
        ExprKind::Object(body) => visit_templates(body, f),
        _ => {}
    }
}

/// Turns templates without `${...}` left into strings; with `force`, every
/// template, keeping unresolved parts as written.
fn collapse_templates(body: &mut Body, force: bool) {
    fn expr(e: &mut Expr, force: bool) {
        match &mut e.kind {
            ExprKind::Template(parts)
                if force || parts.iter().all(|p| matches!(p, TemplatePart::Text(_))) =>
            {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text(t) => t.clone(),
                        TemplatePart::Var(v) => format!("${{{}}}", v.name),
                    })
                    .collect();
                e.kind = ExprKind::String(text);
            }
            ExprKind::List(items) => items.iter_mut().for_each(|i| expr(i, force)),
            ExprKind::Object(body) => collapse_templates(body, force),
            _ => {}
        }
    }
    for entry in &mut body.entries {
        match entry {
            Entry::Attribute(a) => expr(&mut a.value, force),
            Entry::Block(b) => collapse_templates(&mut b.body, force),
        }
    }
}
