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

/// `${` that does not start a `${name}` interpolation.
#[derive(Debug, Error, Diagnostic)]
#[error("`${{` must be followed by a name and `}}`")]
#[diagnostic(
    code(svc::syntax::interpolation),
    help("write `${{env}}` to insert a value, or `\\${{` for the text `${{`")
)]
pub struct InvalidInterpolation {
    /// The `${...`.
    #[label("not an interpolation")]
    pub span: SourceSpan,
}

/// Brackets nested deeper than svc reads.
#[derive(Debug, Error, Diagnostic)]
#[error("blocks and lists are nested more than {max} levels deep")]
#[diagnostic(
    code(svc::syntax::nesting),
    help("flatten the structure; no svc setting needs this much nesting")
)]
pub struct NestingTooDeep {
    /// The first bracket past the limit.
    #[label("level {} starts here", max + 1)]
    pub span: SourceSpan,
    /// The limit.
    pub max: usize,
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

/// How a grammar rule is called in an error message. Rules for the pieces
/// of a value all read "a value": listing number, port, string, ... says
/// less than one word does.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::input_decl
        | Rule::decl
        | Rule::item
        | Rule::kw_input
        | Rule::use_decl
        | Rule::kw_use
        | Rule::preset_decl
        | Rule::kw_preset => "a declaration such as `service name { ... }`",
        Rule::type_expr => "a type such as `string` or `list(string)`",
        Rule::body => "`{`",
        Rule::attribute | Rule::block | Rule::entry => "a setting such as `replicas = 2`",
        Rule::value
        | Rule::list
        | Rule::path
        | Rule::string
        | Rule::string_raw
        | Rule::number
        | Rule::quantity
        | Rule::unit
        | Rule::port
        | Rule::boolean => VALUE,
        Rule::ident | Rule::key => "a name",
        _ => return None,
    })
}

const VALUE: &str = "a value such as `2`, `10s`, `\"text\"`, `[...]` or a name";
const SETTING: &str = "a setting such as `replicas = 2`";

/// Describes what stands at `offset`.
fn found_at(source: &str, offset: usize) -> String {
    let rest = &source[offset.min(source.len())..];
    let Some(c) = rest.chars().next() else {
        return "the file ends here".into();
    };
    if c == '\n' || c == '\r' {
        return "the line ends here".into();
    }
    if c.is_control() || c == '\u{FEFF}' {
        return format!("found the control character U+{:04X}", c as u32);
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
    let mut words: Vec<String> = Vec::new();
    // Punctuation pest tried at this point; other literal tokens (`_`, a
    // byte-order mark, `true`) are pieces of larger things named below.
    if let Some(attempts) = err.parse_attempts() {
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if ["=", "{", "}", ",", "]", ":", "(", ")"].contains(&token.as_str()) {
                words.push(format!("`{token}`"));
            }
            if token == "[" || token == "\"" {
                words.push(VALUE.into());
            }
        }
    }
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        words.extend(
            positives
                .iter()
                .filter_map(|r| describe(*r))
                .map(String::from),
        );
    }
    let has = |words: &[String], w: &str| words.iter().any(|x| x == w);
    if has(&words, SETTING) {
        // Keys of settings are names or strings; "a setting" says it all.
        words.retain(|w| w != "a name" && w != VALUE);
    }
    if has(&words, "a declaration such as `service name { ... }`") {
        words.retain(|w| w != "a name");
    }
    if has(&words, VALUE) {
        words.retain(|w| w != "a name" && w != "`{`");
    }
    let rest = &source[offset.min(source.len())..];
    let at_end = rest.trim().is_empty();
    // Point at the end of the last line with text when the file ends early,
    // so the label shows under something.
    let (offset, len) = if at_end {
        (source.trim_end().len(), 0)
    } else {
        (offset, rest.chars().next().map_or(0, char::len_utf8))
    };
    let unterminated =
        rest.starts_with('"') && !rest.lines().next().unwrap_or("")[1..].contains('"');
    let (expected, found, help) = if unterminated {
        (
            "a closing `\"` on the same line".to_string(),
            "this string is never closed".to_string(),
            Some(
                "strings end with `\"` on the line they start; write `\\n` for a line break".into(),
            ),
        )
    } else {
        let found = if at_end {
            "the file ends here".to_string()
        } else {
            found_at(source, offset)
        };
        let help = help_for(source, offset, at_end, &words);
        (join_alternatives(words), found, help)
    };
    SyntaxError {
        span: (offset, len).into(),
        expected,
        found,
        help,
    }
}

fn help_for(source: &str, offset: usize, at_end: bool, expected: &[String]) -> Option<String> {
    let rest = &source[offset..];
    if rest.starts_with(':') && expected.iter().any(|e| e == "`=`") {
        return Some("settings are written `key = value`, with `=`".into());
    }
    if rest.starts_with('"') && source[..offset].trim_end().ends_with('"') {
        return Some("separate list items with `,`".into());
    }
    if expected.iter().any(|e| e == "`}`") && at_end {
        return Some("a `{` above has no matching `}`".into());
    }
    if expected.iter().any(|e| e == "`=`") {
        return Some("a setting is `key = value`; a block is `kind { ... }`".into());
    }
    None
}
