//! Turns pest's pairs into the syntax tree.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::*;
use super::error::{syntax_error, InvalidEscape, NestingTooDeep};
use crate::diagnostic::Diagnostics;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/svc.pest"]
struct SvcParser;

/// Parses one file. On a syntax error the diagnostics hold it and `None` is
/// returned; problems inside otherwise valid tokens (bad string escapes) are
/// reported alongside a tree.
pub fn parse(source: &str, diags: &mut Diagnostics) -> Option<File> {
    if let Some(err) = too_deep(source) {
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
            diags.push(syntax_error(source, err));
            return None;
        }
    };
    let file = pairs.next()?;
    let mut builder = Builder {
        diags,
        comments: Vec::new(),
    };
    let mut items = Vec::new();
    for pair in file.into_inner() {
        match pair.as_rule() {
            Rule::input_decl => items.push(Item::Input(builder.input_decl(pair))),
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
}

fn span(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

fn ident(pair: Pair<Rule>) -> Ident {
    Ident {
        span: span(&pair),
        name: pair.as_str().to_string(),
    }
}

impl Builder<'_> {
    fn comment(&mut self, pair: Pair<Rule>) {
        self.comments.push(Comment {
            span: span(&pair),
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
        let span = span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let name = ident(children.next().expect("grammar: input has a name"));
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
        let span = span(&pair);
        let mut children = self.children(pair).into_iter();
        let name = ident(children.next().expect("grammar: type has a name"));
        let arg = children.next().map(|a| Box::new(self.type_expr(a)));
        TypeExpr { name, arg, span }
    }

    fn decl(&mut self, pair: Pair<Rule>) -> Decl {
        let span = span(&pair);
        let mut children = self.children(pair).into_iter();
        let kind = ident(children.next().expect("grammar: decl has a kind"));
        let name = ident(children.next().expect("grammar: decl has a name"));
        let body = self.body(children.next().expect("grammar: decl has a body"));
        Decl {
            kind,
            name,
            body,
            span,
        }
    }

    fn body(&mut self, pair: Pair<Rule>) -> Body {
        let span = span(&pair);
        let entries = self
            .children(pair)
            .into_iter()
            .map(|entry| self.entry(entry))
            .collect();
        Body { entries, span }
    }

    fn entry(&mut self, pair: Pair<Rule>) -> Entry {
        let span = span(&pair);
        let rule = pair.as_rule();
        let mut children = self.children(pair).into_iter();
        let first = children.next().expect("grammar: entry has a key");
        let key = if first.as_rule() == Rule::string {
            let value = self.string(first.clone());
            Ident {
                name: value,
                span: self::span(&first),
            }
        } else {
            ident(first)
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
                    (Some(ident(next)), self.body(body))
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
        let span = span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ExprKind::String(self.string(pair)),
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
                let protocol = ident(pair.into_inner().next().expect("grammar: port protocol"));
                ExprKind::Port {
                    number: text[..slash].to_string(),
                    protocol,
                }
            }
            Rule::path => ExprKind::Path(pair.into_inner().map(ident).collect()),
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

    /// Decodes a string literal's escapes, reporting bad ones.
    fn string(&mut self, pair: Pair<Rule>) -> String {
        let raw = pair
            .into_inner()
            .next()
            .expect("grammar: string has content");
        let base = raw.as_span().start();
        let text = raw.as_str();
        let mut out = String::with_capacity(text.len());
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
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
        out
    }
}
