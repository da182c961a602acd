//! Reading the entries of a body: each key may be asked for once; what was
//! never asked for is reported as unknown, with the nearest known key.

use crate::syntax::ast::{Block, Body, Entry, Expr, ExprKind, Span};

use super::errors::{DuplicateField, MissingField, UnknownField};
use super::Checker;

/// A setting's value: `key = value` or a block `key { ... }`.
#[derive(Clone, Copy)]
pub enum Val<'a> {
    /// `key = value`
    Expr(&'a Expr),
    /// `key label? { ... }`
    Block(&'a Block),
}

impl Val<'_> {
    /// Where the value was written.
    pub fn span(&self) -> Span {
        match self {
            Val::Expr(e) => e.span,
            Val::Block(b) => b.body.span,
        }
    }

    /// How the value is called in diagnostics.
    pub fn describe(&self) -> &'static str {
        match self {
            Val::Expr(e) => e.kind.describe(),
            Val::Block(_) => "a block",
        }
    }
}

/// The entries of one body, with bookkeeping of which were read.
pub struct Fields<'a> {
    context: String,
    header: Span,
    entries: Vec<(&'a Entry, bool)>,
    asked: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    /// Starts reading `body`; `context` names the block in messages
    /// (`service service_b`), `header` is where a missing key is reported.
    pub fn new(context: impl Into<String>, header: Span, body: &'a Body) -> Self {
        Fields {
            context: context.into(),
            header,
            entries: body.entries.iter().map(|e| (e, false)).collect(),
            asked: Vec::new(),
        }
    }

    /// The block's name in messages.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// Where the block starts.
    pub fn header(&self) -> Span {
        self.header
    }

    /// The value of a key that may appear at most once.
    pub fn optional(&mut self, cx: &mut Checker, key: &'static str) -> Option<Val<'a>> {
        self.asked.push(key);
        let mut found: Option<(Val<'a>, Span)> = None;
        for (entry, used) in self.entries.iter_mut() {
            if entry.key().name != key {
                continue;
            }
            *used = true;
            if let Entry::Block(b) = entry {
                if let Some(label) = &b.label {
                    cx.diags.push(crate::check::errors::TypeMismatch {
                        span: label.span.into(),
                        expected: format!("`{key} {{ ... }}` without a name"),
                        found: "a name".into(),
                        help: format!("`{key}` is a single block; remove `{}`", label.name),
                    });
                }
            }
            if let Some((_, first)) = &found {
                cx.diags.push(DuplicateField {
                    span: entry.key().span.into(),
                    first: (*first).into(),
                    key: key.to_string(),
                });
                continue;
            }
            let val = match entry {
                Entry::Attribute(a) => Val::Expr(&a.value),
                Entry::Block(b) => Val::Block(b),
            };
            found = Some((val, entry.key().span));
        }
        found.map(|(v, _)| v)
    }

    /// The value of a required key, reporting it when missing.
    pub fn required(
        &mut self,
        cx: &mut Checker,
        key: &'static str,
        example: &str,
    ) -> Option<Val<'a>> {
        let val = self.optional(cx, key);
        if val.is_none() {
            cx.diags.push(MissingField {
                span: self.header.into(),
                key: key.to_string(),
                context: self.context.clone(),
                help: format!("add `{example}`"),
            });
        }
        val
    }

    /// All blocks `key label { ... }` (repeatable, labelled).
    pub fn labelled_blocks(&mut self, cx: &mut Checker, key: &'static str) -> Vec<&'a Block> {
        self.asked.push(key);
        let mut out = Vec::new();
        for (entry, used) in self.entries.iter_mut() {
            if entry.key().name != key {
                continue;
            }
            *used = true;
            match entry {
                Entry::Block(b) if b.label.is_some() => out.push(b),
                Entry::Block(b) => cx.diags.push(crate::check::errors::TypeMismatch {
                    span: b.kind.span.into(),
                    expected: format!("a named block such as `{key} app {{ ... }}`"),
                    found: "a block without a name".into(),
                    help: format!("give the {key} a name: `{key} NAME {{ ... }}`"),
                }),
                Entry::Attribute(a) => cx.diags.push(crate::check::errors::TypeMismatch {
                    span: a.key.span.into(),
                    expected: format!("a named block such as `{key} app {{ ... }}`"),
                    found: "a setting".into(),
                    help: format!("write `{key} NAME {{ ... }}`"),
                }),
            }
        }
        out
    }

    /// Reports every entry that was never asked for.
    pub fn finish(self, cx: &mut Checker) {
        for (entry, used) in &self.entries {
            if *used {
                continue;
            }
            let key = &entry.key().name;
            let help = match super::suggest(key, self.asked.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("{} accepts: {}", self.context, self.asked.join(", ")),
            };
            cx.diags.push(UnknownField {
                span: entry.key().span.into(),
                key: key.clone(),
                context: self.context.clone(),
                help,
            });
        }
    }
}

/// The body of an object-valued setting (`health { }` or `health = { }`),
/// with the span a missing key inside it is reported at.
pub fn object<'a>(cx: &mut Checker, key: &str, val: Val<'a>) -> Option<(&'a Body, Span)> {
    match val {
        Val::Block(b) => Some((&b.body, b.kind.span)),
        Val::Expr(Expr {
            kind: ExprKind::Object(body),
            ..
        }) => Some((body, body.span)),
        Val::Expr(e) => {
            cx.diags.push(crate::check::errors::TypeMismatch {
                span: e.span.into(),
                expected: "a block".into(),
                found: e.kind.describe().into(),
                help: format!("write `{key} {{ ... }}`"),
            });
            None
        }
    }
}
