//! Turns pest's pairs into the syntax tree.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::*;
use super::error::{syntax_error, InvalidEscape, InvalidInterpolation, NestingTooDeep};
use crate::diagnostic::Diagnostics;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/svc.pest"]
struct SvcParser;

/// Parses one file. On a syntax error the diagnostics hold it and `None` is
/// returned; problems inside otherwise valid tokens (bad string escapes) are
/// reported alongside a tree.
///
/// Spans are offsets in the diagnostics' source map: the text is the source
/// most recently entered into `diags`, and its first byte is at
/// [`Diagnostics::current_base`].
pub fn parse(source: &str, diags: &mut Diagnostics) -> Option<File> {
    let base = diags.current_base();
    if let Some(mut err) = too_deep(source) {
        err.span = (err.span.offset() + base, err.span.len()).into();
        diags.push(err);
        return None;
    }
    // pest's error detail (the parse attempts behind "expected ...") slows
    // every parse down, so a file is parsed without it, and parsed again
    // with it only when it has a syntax error. The switch is global and is
    // only ever turned on, so parses on other threads cannot turn it off
    // under this one.
    let mut pairs = match SvcParser::parse(Rule::file, source) {
        Ok(pairs) => pairs,
        Err(mut err) => {
            if err.parse_attempts().is_none() {
                pest::set_error_detail(true);
                if let Err(detailed) = SvcParser::parse(Rule::file, source) {
                    err = detailed;
                }
            }
            let mut err = syntax_error(source, err);
            err.span = (err.span.offset() + base, err.span.len()).into();
            diags.push(err);
            return None;
        }
    };
    let file = pairs.next()?;
    let mut builder = Builder {
        diags,
        comments: Vec::new(),
        base,
    };
    let mut items = Vec::new();
    for pair in file.into_inner() {
        match pair.as_rule() {
            Rule::use_decl => items.push(Item::Use(builder.use_decl(pair))),
            Rule::input_decl => items.push(Item::Input(builder.input_decl(pair))),
            Rule::preset_decl => items.push(Item::Preset(builder.preset_decl(pair))),
            Rule::decl => items.push(Item::Decl(builder.decl(pair))),
            Rule::COMMENT => builder.comment(pair),
            _ => {}
        }
    }
    Some(File {
        items,
        comments: builder.comments,
    })
}

/// Deepest nesting of `{`, `[` and `(` a file may have. Real files stay
/// under ten; the limit keeps the recursive parser and checker far from the
/// end of the stack on hostile input.
pub const MAX_NESTING: usize = 64;

/// Finds the first bracket nested deeper than [`MAX_NESTING`], skipping
/// strings and comments.
fn too_deep(source: &str) -> Option<NestingTooDeep> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(NestingTooDeep {
                        span: (i, 1).into(),
                        max: MAX_NESTING,
                    });
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

struct Builder<'d> {
    diags: &'d mut Diagnostics,
    comments: Vec<Comment>,
    /// Offset of the text's first byte in the source map.
    base: usize,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            span: self.span(&pair),
            name: pair.as_str().to_string(),
        }
    }

    fn use_decl(&mut self, pair: Pair<Rule>) -> UseDecl {
        let span = self.span(&pair);
        let target = self
            .children(pair)
            .into_iter()
            .nth(1)
            .expect("grammar: use has a target");
        let target = if target.as_rule() == Rule::string {
            let at = self.span(&target);
            UseTarget::File(self.plain_string(target), at)
        } else {
            UseTarget::Module(target.into_inner().map(|p| self.ident(p)).collect())
        };
        UseDecl { target, span }
    }

    fn preset_decl(&mut self, pair: Pair<Rule>) -> PresetDecl {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let kind = self.ident(children.next().expect("grammar: preset has a kind"));
        let name = self.ident(children.next().expect("grammar: preset has a name"));
        let body = self.body(children.next().expect("grammar: preset has a body"));
        PresetDecl {
            kind,
            name,
            body,
            span,
        }
    }

    fn comment(&mut self, pair: Pair<Rule>) {
        self.comments.push(Comment {
            span: self.span(&pair),
            text: pair.as_str().to_string(),
        });
    }

    /// The meaningful children of a pair; comments are collected on the way.
    fn children<'i>(&mut self, pair: Pair<'i, Rule>) -> Vec<Pair<'i, Rule>> {
        let mut out = Vec::new();
        for child in pair.into_inner() {
            if child.as_rule() == Rule::COMMENT {
                self.comment(child);
            } else {
                out.push(child);
            }
        }
        out
    }

    fn input_decl(&mut self, pair: Pair<Rule>) -> InputDecl {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let name = self.ident(children.next().expect("grammar: input has a name"));
        let ty = self.type_expr(children.next().expect("grammar: input has a type"));
        let body = children.next().map(|b| self.body(b));
        InputDecl {
            name,
            ty,
            body,
            span,
        }
    }

    fn type_expr(&mut self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter();
        let name = self.ident(children.next().expect("grammar: type has a name"));
        let arg = children.next().map(|a| Box::new(self.type_expr(a)));
        TypeExpr { name, arg, span }
    }

    fn decl(&mut self, pair: Pair<Rule>) -> Decl {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter();
        let kind = self.ident(children.next().expect("grammar: decl has a kind"));
        let name = self.ident(children.next().expect("grammar: decl has a name"));
        let body = self.body(children.next().expect("grammar: decl has a body"));
        Decl {
            kind,
            name,
            body,
            span,
            inherited: Vec::new(),
        }
    }

    fn body(&mut self, pair: Pair<Rule>) -> Body {
        let span = self.span(&pair);
        let entries = self
            .children(pair)
            .into_iter()
            .map(|entry| self.entry(entry))
            .collect();
        Body { entries, span }
    }

    fn entry(&mut self, pair: Pair<Rule>) -> Entry {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut children = self.children(pair).into_iter();
        let first = children.next().expect("grammar: entry has a key");
        let key = if first.as_rule() == Rule::string {
            let span = self.span(&first);
            Ident {
                name: self.plain_string(first),
                span,
            }
        } else {
            self.ident(first)
        };
        match rule {
            Rule::attribute => {
                let value = self.expr(children.next().expect("grammar: attribute has a value"));
                Entry::Attribute(Attribute { key, value, span })
            }
            _ => {
                let next = children.next().expect("grammar: block has a body");
                let (label, body) = if next.as_rule() == Rule::ident {
                    let body = children.next().expect("grammar: block has a body");
                    (Some(self.ident(next)), self.body(body))
                } else {
                    (None, self.body(next))
                };
                Entry::Block(Block {
                    kind: key,
                    label,
                    body,
                    span,
                })
            }
        }
    }

    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => self.string(pair),
            Rule::number => ExprKind::Number(pair.as_str().to_string()),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::quantity => {
                let mut inner = pair.into_inner();
                let number = inner.next().expect("grammar: quantity number");
                let unit = inner.next().expect("grammar: quantity unit");
                ExprKind::Quantity {
                    number: number.as_str().to_string(),
                    unit: unit.as_str().to_string(),
                }
            }
            Rule::port => {
                let text = pair.as_str();
                let slash = text.find('/').expect("grammar: port has a slash");
                let protocol =
                    self.ident(pair.into_inner().next().expect("grammar: port protocol"));
                ExprKind::Port {
                    number: text[..slash].to_string(),
                    protocol,
                }
            }
            Rule::path => ExprKind::Path(pair.into_inner().map(|p| self.ident(p)).collect()),
            Rule::list => ExprKind::List(
                self.children(pair)
                    .into_iter()
                    .map(|item| self.expr(item))
                    .collect(),
            ),
            Rule::body => ExprKind::Object(self.body(pair)),
            other => unreachable!("grammar: {other:?} is not a value"),
        };
        Expr { kind, span }
    }

    /// A string where `${` has no meaning (keys, `use` paths): its text
    /// with the interpolations as written.
    fn plain_string(&mut self, pair: Pair<Rule>) -> String {
        match self.string(pair) {
            ExprKind::String(s) => s,
            ExprKind::Template(parts) => parts
                .into_iter()
                .map(|p| match p {
                    TemplatePart::Text(t) => t,
                    TemplatePart::Var(v) => format!("${{{}}}", v.name),
                })
                .collect(),
            _ => String::new(),
        }
    }

    /// Decodes a string literal's escapes and `${name}` interpolations,
    /// reporting bad ones.
    fn string(&mut self, pair: Pair<Rule>) -> ExprKind {
        let raw = pair
            .into_inner()
            .next()
            .expect("grammar: string has content");
        let base = self.base + raw.as_span().start();
        let text = raw.as_str();
        let mut parts = Vec::new();
        let mut out = String::with_capacity(text.len());
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '$' && text[i + 1..].starts_with('{') {
                let rest = &text[i + 2..];
                let end = rest.find('}');
                let name = end.map(|e| &rest[..e]).filter(|n| is_ident(n));
                match name {
                    Some(name) => {
                        parts.push(TemplatePart::Text(std::mem::take(&mut out)));
                        parts.push(TemplatePart::Var(Ident {
                            name: name.to_string(),
                            span: Span::new(base + i + 2, base + i + 2 + name.len()),
                        }));
                        for _ in 0..name.len() + 2 {
                            chars.next();
                        }
                    }
                    None => {
                        let len = end.map_or(2, |e| e + 3);
                        self.diags.push(InvalidInterpolation {
                            span: Span::new(base + i, base + i + len).into(),
                        });
                        out.push(c);
                    }
                }
                continue;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((j, e)) = chars.next() else { break };
            let decoded = match e {
                'n' => Some('\n'),
                't' => Some('\t'),
                'r' => Some('\r'),
                '"' => Some('"'),
                '\\' => Some('\\'),
                '$' => Some('$'),
                'u' => {
                    // \u{1F600}
                    let rest = &text[j + 1..];
                    let parsed = rest
                        .strip_prefix('{')
                        .and_then(|r| r.find('}').map(|end| &r[..end]))
                        .filter(|hex| !hex.is_empty() && hex.len() <= 6)
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok().map(|v| (hex.len(), v)))
                        .and_then(|(len, v)| char::from_u32(v).map(|c| (len, c)));
                    match parsed {
                        Some((len, c)) => {
                            // skip `{hex}`
                            for _ in 0..len + 2 {
                                chars.next();
                            }
                            Some(c)
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            match decoded {
                Some(c) => out.push(c),
                None => self.diags.push(InvalidEscape {
                    span: Span::new(base + i, base + j + e.len_utf8()).into(),
                    escape: format!("\\{e}"),
                }),
            }
        }
        if parts.is_empty() {
            return ExprKind::String(out);
        }
        parts.push(TemplatePart::Text(out));
        parts.retain(|p| !matches!(p, TemplatePart::Text(t) if t.is_empty()));
        ExprKind::Template(parts)
    }
}

/// Whether `s` is a name (`ident` in the grammar).
fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
