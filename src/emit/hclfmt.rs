//! Prints an `hcl::Body` in the layout `terraform fmt` produces: two-space
//! indentation, `=` aligned across runs of single-line attributes, objects
//! one entry per line, short lists inline. (hcl-rs's own formatter does not
//! align, so its output would fail `terraform fmt -check`.)
//!
//! This prints built structures; it never assembles HCL from strings.

use hcl::expr::{ForExpr, FuncCall, ObjectKey};
use hcl::{Block, Body, Expression, Structure};

const INDENT: &str = "  ";

/// Prints a whole file body.
pub fn print(body: &Body) -> String {
    let mut out = String::new();
    print_body(&mut out, body, 0);
    out
}

fn pad(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

fn print_body(out: &mut String, body: &Body, depth: usize) {
    let items: Vec<&Structure> = body.iter().collect();
    let mut i = 0;
    let mut first = true;
    while i < items.len() {
        match items[i] {
            Structure::Attribute(_) => {
                // A run of consecutive attributes, aligned together.
                let start = i;
                while i < items.len() && matches!(items[i], Structure::Attribute(_)) {
                    i += 1;
                }
                if !first {
                    out.push('\n');
                }
                let attrs: Vec<(String, &Expression)> = items[start..i]
                    .iter()
                    .filter_map(|s| match s {
                        Structure::Attribute(a) => Some((a.key.to_string(), &a.expr)),
                        Structure::Block(_) => None,
                    })
                    .collect();
                print_entries(out, &attrs, depth);
            }
            Structure::Block(block) => {
                if !first {
                    out.push('\n');
                }
                print_block(out, block, depth);
                i += 1;
            }
        }
        first = false;
    }
}

fn print_block(out: &mut String, block: &Block, depth: usize) {
    pad(out, depth);
    out.push_str(block.identifier());
    for label in block.labels() {
        out.push(' ');
        out.push_str(&quoted(label.as_str()));
    }
    if block.body().iter().next().is_none() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    print_body(out, block.body(), depth + 1);
    pad(out, depth);
    out.push_str("}\n");
}

/// Prints `key = value` lines, aligning `=` across runs of single-line
/// values; a multi-line value stands alone.
fn print_entries(out: &mut String, entries: &[(String, &Expression)], depth: usize) {
    let rendered: Vec<(String, String)> = entries
        .iter()
        .map(|(k, v)| (k.clone(), expr(v, depth)))
        .collect();
    let mut i = 0;
    while i < rendered.len() {
        if rendered[i].1.contains('\n') {
            pad(out, depth);
            entry(out, &rendered[i].0, 0, &rendered[i].1);
            i += 1;
            continue;
        }
        let start = i;
        while i < rendered.len() && !rendered[i].1.contains('\n') {
            i += 1;
        }
        let width = rendered[start..i]
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &rendered[start..i] {
            pad(out, depth);
            entry(out, k, width, v);
        }
    }
}

/// `key = value` and a newline, the key padded to `width` characters.
/// (Pushed piece by piece: `format!` with a padded argument was a tenth of
/// the time of a whole compile.)
fn entry(out: &mut String, key: &str, width: usize, value: &str) {
    out.push_str(key);
    for _ in key.chars().count()..width {
        out.push(' ');
    }
    out.push_str(" = ");
    out.push_str(value);
    out.push('\n');
}

fn is_multiline(e: &Expression) -> bool {
    match e {
        Expression::Object(o) => !o.is_empty(),
        Expression::Array(items) => items.iter().any(is_multiline),
        Expression::FuncCall(f) => f.args.iter().any(is_multiline),
        _ => false,
    }
}

/// Renders an expression whose first line continues a line at `depth`.
fn expr(e: &Expression, depth: usize) -> String {
    match e {
        Expression::Object(o) if o.is_empty() => "{}".into(),
        Expression::Object(o) => {
            let entries: Vec<(String, &Expression)> =
                o.iter().map(|(k, v)| (object_key(k), v)).collect();
            let mut out = String::from("{\n");
            print_entries(&mut out, &entries, depth + 1);
            pad(&mut out, depth);
            out.push('}');
            out
        }
        Expression::Array(items) if !items.iter().any(is_multiline) => {
            let parts: Vec<String> = items.iter().map(|i| expr(i, depth)).collect();
            format!("[{}]", parts.join(", "))
        }
        Expression::Array(items) => {
            let mut out = String::from("[\n");
            for item in items {
                pad(&mut out, depth + 1);
                out.push_str(&expr(item, depth + 1));
                out.push_str(",\n");
            }
            pad(&mut out, depth);
            out.push(']');
            out
        }
        Expression::String(s) => quoted(s),
        Expression::FuncCall(f) => func_call(f, depth),
        Expression::ForExpr(f) => for_expr(f, depth),
        other => hcl::format::to_string(other).unwrap_or_default(),
    }
}

/// `{ for k, v in coll : key => value if cond }` or `[ for ... ]`, spaced
/// inside the brackets as `terraform fmt` writes it.
fn for_expr(f: &ForExpr, depth: usize) -> String {
    let vars = match &f.key_var {
        Some(k) => format!("{k}, {}", f.value_var),
        None => f.value_var.to_string(),
    };
    let head = format!("for {vars} in {} :", expr(&f.collection_expr, depth));
    let value = expr(&f.value_expr, depth);
    let cond = f
        .cond_expr
        .as_ref()
        .map(|c| format!(" if {}", expr(c, depth)))
        .unwrap_or_default();
    let dots = if f.grouping { "..." } else { "" };
    match &f.key_expr {
        Some(k) => format!("{{ {head} {} => {value}{dots}{cond} }}", expr(k, depth)),
        None => format!("[{head} {value}{cond}]"),
    }
}

fn func_call(f: &FuncCall, depth: usize) -> String {
    let args: Vec<String> = f.args.iter().map(|a| expr(a, depth)).collect();
    format!("{}({})", f.name, args.join(", "))
}

fn object_key(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(id) => id.to_string(),
        ObjectKey::Expression(e) => expr(e, 0),
        _ => hcl::format::to_string(&Expression::Null).unwrap_or_default(),
    }
}

/// A quoted string literal that Terraform reads back as exactly `s`: quotes,
/// backslashes and control characters escaped as hcl-rs escapes them, and
/// every `${` and `%{` written `$${` and `%%{` so that no text becomes a
/// template interpolation or directive.
///
/// (hcl-rs's own escaping, `hcl_primitives::template::escape_markers` in
/// 0.1.13, consumes the character after every `$` or `%` unchecked, so
/// `$%{`, `%${` and `$${` after an earlier marker went out unescaped: the
/// emitted HCL failed to parse, or a description became a template
/// directive. Found by the `emit` fuzz target; see tests/cases/fuzz/.)
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quoted;
    use proptest::prelude::*;

    /// What Terraform's parser (here hcl-rs's, which follows the same
    /// spec) reads from `a = <quoted s>`.
    fn read_back(s: &str) -> String {
        let text = format!("a = {}\n", quoted(s));
        let value: serde_json::Value =
            hcl::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        value["a"].as_str().expect("a string").to_string()
    }

    #[test]
    fn template_markers_are_literal_text() {
        for s in [
            "${var.x}",
            "%{ if true }x%{ endif }",
            "$%{ cpu",
            "%${x}",
            "${a}$${b}",
            "$${already}",
            "%%{already}",
            "$$$${",
            "{$}{%}$%$%{",
            "ends with $",
            "ends with %",
        ] {
            assert_eq!(read_back(s), s);
        }
        assert_eq!(quoted("$%{"), r#""$%%{""#);
        assert_eq!(quoted("%${"), r#""%$${""#);
    }

    #[test]
    fn quotes_backslashes_and_control_characters_are_escaped() {
        assert_eq!(
            quoted("a\"b\\c\nd\re\tf\u{0}g\u{1f}h\u{7f}é"),
            "\"a\\\"b\\\\c\\nd\\re\\tf\\u0000g\\u001fh\u{7f}é\""
        );
        assert_eq!(read_back("a\"b\\c\nd\u{0}é"), "a\"b\\c\nd\u{0}é");
    }

    proptest! {
        #[test]
        fn any_string_reads_back_unchanged(s in "[$%{}a\"\\\\\n]{0,24}|\\PC{0,40}") {
            prop_assert_eq!(read_back(&s), s);
        }
    }
}
