//! Converting written values to typed ones: strings, numbers, units, enums,
//! references and inputs.

use crate::model::{InputType, PortMapping, Protocol, Text, TextList};
use crate::syntax::ast::{Expr, ExprKind, Ident, Span};
use crate::syntax::InvalidNumber;

use super::errors::*;
use super::fields::Val;
use super::{suggest, Checker, DeclKind};

/// Units of time, in seconds.
const DURATION: Measure = Measure {
    article: "a duration",
    example: "10s",
    noun: "time",
    base: "seconds",
    units: &[("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0)],
};
/// Units of memory, in MiB.
const SIZE: Measure = Measure {
    article: "a memory size",
    example: "512MiB",
    noun: "memory",
    base: "MiB",
    units: &[("MiB", 1.0), ("GiB", 1024.0)],
};

/// A kind of quantity: its units and how it is called in messages.
struct Measure {
    /// "a duration"
    article: &'static str,
    /// A value to show in help lines.
    example: &'static str,
    /// "time", as in "not a unit of time".
    noun: &'static str,
    /// The unit values are counted in.
    base: &'static str,
    /// Units with their size in the base unit; the first is the one
    /// suggested for a bare number.
    units: &'static [(&'static str, f64)],
}

impl Checker<'_> {
    fn mismatch(&mut self, val: Val, expected: &str, help: impl Into<String>) {
        self.diags.push(TypeMismatch {
            span: val.span().into(),
            expected: expected.to_string(),
            found: val.describe().to_string(),
            help: help.into(),
        });
    }

    /// The expression of a value that must not be a block.
    fn expr<'a>(&mut self, val: Val<'a>, expected: &str, example: &str) -> Option<&'a Expr> {
        match val {
            Val::Expr(e) => Some(e),
            Val::Block(_) => {
                self.mismatch(val, expected, format!("write it as `= {example}`"));
                None
            }
        }
    }

    /// A literal string.
    pub fn string(&mut self, val: Val) -> Option<String> {
        let e = self.expr(val, "a string", "\"text\"")?;
        match &e.kind {
            ExprKind::String(s) => Some(s.clone()),
            ExprKind::Path(p) if p.first().is_some_and(|i| i.name == "input") => {
                self.mismatch(
                    val,
                    "a literal string",
                    "this setting must be known when svc runs; write the value itself",
                );
                None
            }
            _ => {
                let help = match &e.kind {
                    ExprKind::Path(p) if p.len() == 1 => {
                        format!("strings are quoted: `\"{}\"`", p[0].name)
                    }
                    ExprKind::Number(n) => format!("strings are quoted: `\"{n}\"`"),
                    _ => "strings are quoted: `\"text\"`".into(),
                };
                self.mismatch(val, "a string", help);
                None
            }
        }
    }

    /// A string written here, or an input of type string.
    pub fn text(&mut self, val: Val) -> Option<Text> {
        let e = self.expr(val, "a string", "\"text\"")?;
        if let ExprKind::Path(path) = &e.kind {
            if path.first().is_some_and(|i| i.name == "input") {
                let name = self.input_ref(path, e.span, &InputType::String)?;
                return Some(Text::Input(name));
            }
        }
        self.string(val).map(Text::Literal)
    }

    /// A list of strings written here, or an input of type `list(string)`.
    pub fn text_list(&mut self, val: Val) -> Option<TextList> {
        let e = self.expr(val, "a list of strings", "[\"a\", \"b\"]")?;
        match &e.kind {
            ExprKind::Path(path) if path.first().is_some_and(|i| i.name == "input") => {
                let name =
                    self.input_ref(path, e.span, &InputType::List(Box::new(InputType::String)))?;
                Some(TextList::Input(name))
            }
            ExprKind::List(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for item in items {
                    match self.text(Val::Expr(item)) {
                        Some(t) => out.push(t),
                        None => ok = false,
                    }
                }
                ok.then_some(TextList::Items(out))
            }
            _ => {
                self.mismatch(
                    val,
                    "a list of strings",
                    "write a list `[\"a\", \"b\"]` or an input of type list(string)",
                );
                None
            }
        }
    }

    /// A list of literal strings.
    pub fn string_list(&mut self, val: Val) -> Option<Vec<String>> {
        let e = self.expr(val, "a list of strings", "[\"a\", \"b\"]")?;
        let ExprKind::List(items) = &e.kind else {
            self.mismatch(val, "a list of strings", "write a list: `[\"a\", \"b\"]`");
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match self.string(Val::Expr(item)) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Resolves `input.NAME`, checking its type against `expected`.
    pub fn input_ref(
        &mut self,
        path: &[Ident],
        span: Span,
        expected: &InputType,
    ) -> Option<String> {
        let Some(name) = path.get(1) else {
            self.mismatch(
                Val::Expr(&Expr {
                    kind: ExprKind::Path(path.to_vec()),
                    span,
                }),
                "an input such as `input.vpc_id`",
                "name the input: `input.NAME`",
            );
            return None;
        };
        if path.len() > 2 {
            self.diags.push(UnresolvedName {
                span: path[2].span.into(),
                what: "attribute of an input".into(),
                name: path[2].name.clone(),
                help: format!("inputs have no attributes; write `input.{}`", name.name),
            });
            return None;
        }
        let Some((ty, decl)) = self.inputs.get(name.name.as_str()).cloned() else {
            let help = match suggest(&name.name, self.inputs.keys().copied()) {
                Some(s) => format!("did you mean `input.{s}`?"),
                None => format!("declare it: `input {}: {}`", name.name, expected),
            };
            self.diags.push(UnresolvedName {
                span: name.span.into(),
                what: "input".into(),
                name: name.name.clone(),
                help,
            });
            return None;
        };
        if &ty != expected {
            let help = match (expected, &ty) {
                (InputType::List(_), InputType::String) => {
                    format!("wrap it in a list: `[input.{}]`", name.name)
                }
                _ => format!("declare `input {}: {expected}`", name.name),
            };
            self.diags.push(InputTypeMismatch {
                span: span.into(),
                decl: decl.into(),
                name: name.name.clone(),
                actual: ty.to_string(),
                expected: expected.to_string(),
                help,
            });
            return None;
        }
        Some(name.name.clone())
    }

    /// `true` or `false`.
    pub fn bool(&mut self, val: Val) -> Option<bool> {
        let e = self.expr(val, "`true` or `false`", "true")?;
        match &e.kind {
            ExprKind::Bool(b) => Some(*b),
            _ => {
                self.mismatch(val, "`true` or `false`", "write `true` or `false`");
                None
            }
        }
    }

    /// An optional bool setting with a safe `default`; writing the unsafe
    /// value (`!default`) warns with `warning(span of the value)`.
    pub fn safe_bool<W>(
        &mut self,
        val: Option<Val>,
        default: bool,
        warning: impl FnOnce(miette::SourceSpan) -> W,
    ) -> Option<bool>
    where
        W: miette::Diagnostic + Send + Sync + 'static,
    {
        let Some(v) = val else {
            return Some(default);
        };
        let on = self.bool(v)?;
        if on != default {
            self.warn(warning(v.span().into()));
        }
        Some(on)
    }

    /// A whole number in `min..=max`.
    pub fn uint(&mut self, val: Val, what: &str, min: u64, max: u64) -> Option<u64> {
        let e = self.expr(val, "a whole number", "1")?;
        let ExprKind::Number(text) = &e.kind else {
            let help = match &e.kind {
                ExprKind::String(s) if s.parse::<u64>().is_ok() => {
                    format!("numbers are not quoted: `{s}`")
                }
                ExprKind::Path(p) if p.first().is_some_and(|i| i.name == "input") => {
                    format!("{what} must be known when svc runs; inputs stand for strings and lists of strings (ids, ARNs, images)")
                }
                ExprKind::Quantity { number, .. } => format!("{what} takes no unit: `{number}`"),
                _ => format!("write a number such as `{min}`"),
            };
            self.mismatch(val, "a whole number", help);
            return None;
        };
        let n = self.whole_number(text, e.span)?;
        if n < min || n > max {
            self.diags.push(OutOfRange {
                span: e.span.into(),
                what: what.to_string(),
                range: format!("between {min} and {max}"),
                found: n.to_string(),
                help: format!("use a value from {min} to {max}"),
            });
            return None;
        }
        Some(n)
    }

    /// Parses a written whole number (`1_000`), reporting fractions and
    /// numbers too large.
    fn whole_number(&mut self, text: &str, span: Span) -> Option<u64> {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        if clean.contains('.') || clean.starts_with('-') {
            let reason = if clean.starts_with('-') {
                "negative"
            } else {
                "not a whole number"
            };
            self.diags.push(InvalidNumber {
                span: span.into(),
                text: text.to_string(),
                reason: reason.into(),
                help: "write a whole number that is zero or more, such as `2`".into(),
            });
            return None;
        }
        match clean.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.diags.push(InvalidNumber {
                    span: span.into(),
                    text: text.to_string(),
                    reason: "too large".into(),
                    help: "numbers must fit in 64 bits".into(),
                });
                None
            }
        }
    }

    /// Parses a written decimal number as f64 (for `0.25vcpu`, `1.5GiB`).
    fn decimal(&mut self, text: &str, span: Span) -> Option<f64> {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        match clean.parse::<f64>() {
            Ok(v) if (0.0..1e15).contains(&v) => Some(v),
            Ok(v) if v < 0.0 => {
                self.diags.push(InvalidNumber {
                    span: span.into(),
                    text: text.to_string(),
                    reason: "negative".into(),
                    help: "durations, sizes and cpu are zero or more".into(),
                });
                None
            }
            _ => {
                self.diags.push(InvalidNumber {
                    span: span.into(),
                    text: text.to_string(),
                    reason: "too large".into(),
                    help: "write a smaller number".into(),
                });
                None
            }
        }
    }

    fn unit_error(&mut self, span: Span, message: String, label: &str, help: String) {
        self.diags.push(UnitMismatch {
            span: span.into(),
            message,
            label: label.to_string(),
            help,
        });
    }

    /// A duration in whole seconds: `10s`, `1m`, `2h`, `30d`.
    pub fn duration(&mut self, val: Val, what: &str) -> Option<u64> {
        self.measure(val, what, &DURATION)
    }

    /// A memory size in MiB: `512MiB`, `2GiB`.
    pub fn size_mib(&mut self, val: Val, what: &str) -> Option<u64> {
        self.measure(val, what, &SIZE)
    }

    /// A number with a unit of `kind`, as a whole number of its base unit.
    fn measure(&mut self, val: Val, what: &str, kind: &Measure) -> Option<u64> {
        let e = self.expr(val, kind.article, kind.example)?;
        let units = || kind.units.iter().map(|(u, _)| *u);
        let (number, unit) = match &e.kind {
            ExprKind::Quantity { number, unit } => (number, unit),
            ExprKind::Number(n) => {
                self.unit_error(
                    e.span,
                    format!("{what} needs a unit"),
                    &format!("{} needs a unit", kind.article),
                    format!(
                        "write `{n}{}` (units: {})",
                        kind.units[0].0,
                        units().collect::<Vec<_>>().join(", ")
                    ),
                );
                return None;
            }
            _ => {
                self.mismatch(
                    val,
                    kind.article,
                    format!("write {} such as `{}`", kind.article, kind.example),
                );
                return None;
            }
        };
        let Some(&(_, factor)) = kind.units.iter().find(|(u, _)| u == unit) else {
            let hint = unit_hint(unit, units(), kind.noun);
            self.unit_error(
                e.span,
                format!("`{unit}` is not a unit of {}", kind.noun),
                &format!("expected {}", kind.article),
                hint,
            );
            return None;
        };
        let value = self.decimal(number, e.span)? * factor;
        if value.fract() != 0.0 {
            self.diags.push(InvalidNumber {
                span: e.span.into(),
                text: format!("{number}{unit}"),
                reason: format!("not a whole number of {}", kind.base),
                help: format!("{what} is counted in whole {}", kind.base),
            });
            return None;
        }
        Some(value as u64)
    }

    /// CPU in units: `256` or `0.25vcpu` (1 vCPU = 1024 units).
    pub fn cpu_units(&mut self, val: Val, what: &str) -> Option<u64> {
        let e = self.expr(val, "cpu units", "256")?;
        match &e.kind {
            ExprKind::Number(n) => self.whole_number(n, e.span),
            ExprKind::Quantity { number, unit } if unit == "vcpu" => {
                let units = self.decimal(number, e.span)? * 1024.0;
                if units.fract() != 0.0 {
                    self.diags.push(InvalidNumber {
                        span: e.span.into(),
                        text: format!("{number}{unit}"),
                        reason: "not a whole number of cpu units".into(),
                        help: format!("{what} is counted in units of 1/1024 vCPU"),
                    });
                    return None;
                }
                Some(units as u64)
            }
            ExprKind::Quantity { unit, .. } => {
                let hint = "write cpu as units (`256`) or as vCPUs (`0.25vcpu`)".to_string();
                self.unit_error(
                    e.span,
                    format!("`{unit}` is not a unit of cpu"),
                    "expected cpu units or vCPUs",
                    hint,
                );
                None
            }
            _ => {
                self.mismatch(
                    val,
                    "cpu units",
                    "write cpu units (`256`) or vCPUs (`0.25vcpu`)",
                );
                None
            }
        }
    }

    /// A port: `80/tcp`, `53/udp` or `80` (TCP).
    pub fn port(&mut self, val: Val) -> Option<PortMapping> {
        let e = self.expr(val, "a port", "80/tcp")?;
        let (number, protocol) = match &e.kind {
            ExprKind::Port { number, protocol } => {
                let p = match protocol.name.as_str() {
                    "tcp" => Protocol::Tcp,
                    "udp" => Protocol::Udp,
                    other => {
                        let help = match suggest(other, ["tcp", "udp"].into_iter()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "ports are `tcp` or `udp`".into(),
                        };
                        self.diags.push(UnknownEnumValue {
                            span: protocol.span.into(),
                            value: other.to_string(),
                            what: "protocol".into(),
                            allowed: "`tcp`, `udp`".into(),
                            help,
                        });
                        return None;
                    }
                };
                (number, p)
            }
            ExprKind::Number(n) => (n, Protocol::Tcp),
            _ => {
                self.mismatch(val, "a port", "write a port such as `80/tcp`");
                return None;
            }
        };
        let n = self.whole_number(number, e.span)?;
        if !(1..=65535).contains(&n) {
            self.diags.push(OutOfRange {
                span: e.span.into(),
                what: "a port".into(),
                range: "between 1 and 65535".into(),
                found: n.to_string(),
                help: "use a port from 1 to 65535".into(),
            });
            return None;
        }
        Some(PortMapping {
            port: n as u16,
            protocol,
        })
    }

    /// One of a fixed set of bare words.
    pub fn enum_value<T: Copy>(
        &mut self,
        val: Val,
        what: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let allowed = options
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let expected = format!("a {what}");
        let e = self.expr(val, &expected, options[0].0)?;
        let word = match &e.kind {
            ExprKind::Path(p) if p.len() == 1 => &p[0].name,
            ExprKind::String(s) => {
                let help = if options.iter().any(|(n, _)| n == s) {
                    format!("write it without quotes: `{s}`")
                } else {
                    format!("write one of {allowed} without quotes")
                };
                self.mismatch(val, &expected, help);
                return None;
            }
            _ => {
                self.mismatch(val, &expected, format!("write one of {allowed}"));
                return None;
            }
        };
        if let Some((_, v)) = options.iter().find(|(n, _)| n == word) {
            return Some(*v);
        }
        let help = match suggest(word, options.iter().map(|(n, _)| *n)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if options.len() == 1 => format!("svc supports only {allowed} here"),
            None => format!("write one of {allowed}"),
        };
        self.diags.push(UnknownEnumValue {
            span: e.span.into(),
            value: word.clone(),
            what: what.to_string(),
            allowed,
            help,
        });
        None
    }

    /// A reference to a declaration of `kind`, by name.
    pub fn reference(&mut self, val: Val, kind: DeclKind) -> Option<String> {
        let e = self.expr(val, kind.name(), "name")?;
        let ExprKind::Path(path) = &e.kind else {
            let help = match &e.kind {
                ExprKind::String(s) => format!("refer to it by name, without quotes: `{s}`"),
                _ => format!("write the name of a {}", kind.name()),
            };
            self.mismatch(val, &format!("the name of a {}", kind.name()), help);
            return None;
        };
        let name = &path[0];
        if path.len() > 1 {
            self.mismatch(
                val,
                &format!("the name of a {}", kind.name()),
                format!("write just the name: `{}`", name.name),
            );
            return None;
        }
        self.resolve(name, kind)
    }

    /// Looks a name up among declarations of `kind`.
    pub fn resolve(&mut self, name: &Ident, kind: DeclKind) -> Option<String> {
        match self
            .decls
            .get(name.name.as_str())
            .and_then(|m| m.get(&kind))
        {
            Some(_) => Some(name.name.clone()),
            None => {
                if let Some((other_kind, decl)) = self
                    .decls
                    .get(name.name.as_str())
                    .and_then(|m| m.iter().next())
                    .map(|(k, d)| (*k, d.name.span))
                {
                    let candidates = self.names_of(kind);
                    let help = match suggest(&name.name, candidates.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean the {} `{s}`?", kind.name()),
                        None if candidates.is_empty() => format!("declare a {} first", kind.name()),
                        None => declared_list(kind, &candidates),
                    };
                    self.diags.push(WrongKind {
                        span: name.span.into(),
                        decl: decl.into(),
                        name: name.name.clone(),
                        actual: other_kind.name().into(),
                        expected: kind.name().into(),
                        help,
                    });
                    return None;
                }
                let candidates = self.names_of(kind);
                let help = match suggest(&name.name, candidates.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if candidates.is_empty() => {
                        format!("declare it: `{} {} {{ ... }}`", kind.name(), name.name)
                    }
                    None => declared_list(kind, &candidates),
                };
                self.diags.push(UnresolvedName {
                    span: name.span.into(),
                    what: kind.name().into(),
                    name: name.name.clone(),
                    help,
                });
                None
            }
        }
    }

    /// Names of all declarations of `kind`, in source order.
    pub fn names_of(&self, kind: DeclKind) -> Vec<String> {
        self.names.get(&kind).cloned().unwrap_or_default()
    }

    /// Reads `{ KEY = value, ... }` (env, secrets, tags): keys unique,
    /// entries attributes only, each value read by `value`. Returns the
    /// entries with the span of each entry, or `None` after an error.
    pub fn string_map(
        &mut self,
        v: Val,
        what: &str,
        value: &mut dyn FnMut(&mut Self, &Expr) -> Option<String>,
    ) -> Option<Vec<(String, String, Span)>> {
        let (body, _) = super::fields::object(self, what, v)?;
        let mut out: Vec<(String, String, Span)> = Vec::new();
        let mut ok = true;
        for entry in &body.entries {
            let key = entry.key();
            if let Some((_, _, first)) = out.iter().find(|(k, _, _)| *k == key.name) {
                self.diags.push(DuplicateField {
                    span: key.span.into(),
                    first: (*first).into(),
                    key: key.name.clone(),
                });
                ok = false;
                continue;
            }
            let crate::syntax::ast::Entry::Attribute(attr) = entry else {
                self.diags.push(TypeMismatch {
                    span: key.span.into(),
                    expected: "`NAME = value`".into(),
                    found: "a block".into(),
                    help: format!("{what} entries are `NAME = \"value\"`"),
                });
                ok = false;
                continue;
            };
            match value(self, &attr.value) {
                Some(v) => out.push((key.name.clone(), v, key.span)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// "declared namespaces: `a`, `b`", for help lines.
fn declared_list(kind: DeclKind, names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|c| format!("`{c}`")).collect();
    format!("declared {}s: {}", kind.name(), list.join(", "))
}

/// A help line for an unknown unit.
fn unit_hint<'a>(unit: &str, valid: impl Iterator<Item = &'a str> + Clone, what: &str) -> String {
    let list = valid.clone().collect::<Vec<_>>().join(", ");
    let known_elsewhere = match unit {
        "MB" | "M" | "mb" | "Mi" | "mib" => Some("MiB"),
        "GB" | "G" | "gb" | "Gi" | "gib" => Some("GiB"),
        "sec" | "secs" | "second" | "seconds" => Some("s"),
        "min" | "mins" | "minute" | "minutes" => Some("m"),
        "hour" | "hours" | "hr" => Some("h"),
        "day" | "days" => Some("d"),
        "ms" => return format!("{what}s here are whole seconds; units: {list}"),
        _ => None,
    };
    match known_elsewhere.or_else(|| suggest(unit, valid).map(|s| s as &str)) {
        Some(s) if list.split(", ").any(|u| u == s) => {
            format!("did you mean `{s}`? {what} units: {list}")
        }
        _ => format!("{what} units: {list}"),
    }
}
