//! Syntax diagnostics, phrased for people: pest's rule names never show.

use miette::{Diagnostic, SourceSpan};
use pest::error::{ErrorVariant, InputLocation};
use thiserror::Error;

use super::parser::Rule;

/// The parser could not read the file past a point.
#[derive(Debug, Error, Diagnostic)]
#[error("syntax error: expected {expected}")]
#[diagnostic(code(svc::syntax::unexpected))]
pub struct SyntaxError {
    /// Where reading stopped.
    #[label("{found}")]
    pub span: SourceSpan,
    /// What would have been accepted, in words.
    pub expected: String,
    /// What was found instead, in words.
    pub found: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

/// A backslash escape in a string that svc does not know.
#[derive(Debug, Error, Diagnostic)]
#[error("unknown escape `{escape}` in string")]
#[diagnostic(
    code(svc::syntax::escape),
    help("valid escapes are \\n, \\t, \\r, \\\", \\\\, \\$ and \\u{{1F600}}; write \\\\ for a backslash")
)]
pub struct InvalidEscape {
    /// The escape.
    #[label("not a valid escape")]
    pub span: SourceSpan,
    /// The escape as written.
    pub escape: String,
}

/// A number that cannot be read (too large, or a fraction where a whole
/// number is needed).
#[derive(Debug, Error, Diagnostic)]
#[error("invalid number `{text}`")]
#[diagnostic(code(svc::syntax::number))]
pub struct InvalidNumber {
    /// The number.
    #[label("{reason}")]
    pub span: SourceSpan,
    /// The number as written.
    pub text: String,
    /// Why it cannot be used.
    pub reason: String,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// How a grammar rule is called in an error message, or `None` for rules
/// that are better described by the tokens around them.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::input_decl | Rule::decl | Rule::item => {
            "a declaration such as `service name { ... }`"
        }
        Rule::type_expr => "a type such as `string` or `list(string)`",
        Rule::body => "`{`",
        Rule::attribute | Rule::block | Rule::entry => "a setting such as `replicas = 2`",
        Rule::value | Rule::list | Rule::path => "a value",
        Rule::string | Rule::string_raw => "a string such as `\"text\"`",
        Rule::number => "a number",
        Rule::quantity => "a number with a unit such as `10s` or `512MiB`",
        Rule::unit => "a unit such as `s`, `MiB` or `vcpu`",
        Rule::port => "a port such as `80/tcp`",
        Rule::boolean => "`true` or `false`",
        Rule::ident | Rule::key => "a name",
        Rule::kw_input => "`input`",
        _ => return None,
    })
}

/// Describes what stands at `offset`.
fn found_at(source: &str, offset: usize) -> String {
    let rest = &source[offset.min(source.len())..];
    let Some(c) = rest.chars().next() else {
        return "the file ends here".into();
    };
    if c == '\n' || c == '\r' {
        return "the line ends here".into();
    }
    if c.is_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
            .take(40)
            .collect();
        return format!("found `{word}`");
    }
    format!("found `{c}`")
}

fn join_alternatives(mut items: Vec<String>) -> String {
    items.sort();
    items.dedup();
    match items.len() {
        0 => "something else".into(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} or {}", items.join(", "), last)
        }
    }
}

/// Converts a pest error into a friendly diagnostic.
pub(super) fn syntax_error(source: &str, err: pest::error::Error<Rule>) -> SyntaxError {
    let offset = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    if let Some(attempts) = err.parse_attempts() {
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if token.trim().is_empty() || token.len() > 12 || token == "BUILTIN_RULE" || token.contains("..") {
                continue;
            }
            expected.push(format!("`{token}`"));
        }
    }
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        expected.extend(positives.iter().filter_map(|r| describe(*r)).map(String::from));
    }
    // Literal tokens that are better said in words.
    let mut words: Vec<String> = Vec::new();
    let mut has_value = false;
    for e in expected {
        match e.as_str() {
            "`\"`" => words.push("a string such as `\"text\"`".into()),
            "`[`" | "`-`" | "`true`" | "`false`" | "`.`" => has_value = true,
            "`//`" | "`#`" | "`/*`" | "`/`" => {}
            _ => words.push(e),
        }
    }
    if has_value && !words.iter().any(|w| w == "a value") {
        words.push("a value".into());
    }
    let found = found_at(source, offset);
    let help = help_for(source, offset, &words);
    SyntaxError {
        span: (offset, source[offset..].chars().next().map_or(0, char::len_utf8)).into(),
        expected: join_alternatives(words),
        found,
        help,
    }
}

fn help_for(source: &str, offset: usize, expected: &[String]) -> Option<String> {
    let rest = &source[offset..];
    if rest.starts_with(':') && expected.iter().any(|e| e == "`=`") {
        return Some("settings are written `key = value`, with `=`".into());
    }
    if rest.starts_with('"') && source[..offset].trim_end().ends_with('"') {
        return Some("separate list items with `,`".into());
    }
    if expected.iter().any(|e| e == "`}`") && rest.is_empty() {
        return Some("a `{` above has no matching `}`".into());
    }
    if expected.iter().any(|e| e == "`=`") {
        return Some("a setting is `key = value`; a block is `kind { ... }`".into());
    }
    None
}
