//! Long explanations of diagnostic codes, one Markdown file per code under
//! `docs/diagnostics/`, shown by `svc explain CODE`.

macro_rules! codes {
    ($($code:literal => $file:literal,)*) => {
        /// Every diagnostic code with its explanation.
        pub const CODES: &[(&str, &str)] = &[
            $(($code, include_str!(concat!("../docs/diagnostics/", $file, ".md"))),)*
        ];
    };
}

codes! {
    "svc::syntax::unexpected" => "syntax.unexpected",
    "svc::syntax::escape" => "syntax.escape",
    "svc::syntax::number" => "syntax.number",
    "svc::syntax::nesting" => "syntax.nesting",
    "svc::decl::unknown_kind" => "decl.unknown_kind",
    "svc::name::duplicate" => "name.duplicate",
    "svc::name::unresolved" => "name.unresolved",
    "svc::name::wrong_kind" => "name.wrong_kind",
    "svc::field::unknown" => "field.unknown",
    "svc::field::duplicate" => "field.duplicate",
    "svc::field::missing" => "field.missing",
    "svc::value::mismatch" => "value.mismatch",
    "svc::value::unit" => "value.unit",
    "svc::value::unknown" => "value.unknown",
    "svc::value::range" => "value.range",
    "svc::value::format" => "value.format",
    "svc::input::type_mismatch" => "input.type_mismatch",
    "svc::fargate::size" => "fargate.size",
    "svc::health::range" => "health.range",
    "svc::health::command" => "health.command",
    "svc::logs::retention" => "logs.retention",
    "svc::discovery::records" => "discovery.records",
}

/// The explanation of `code` (with or without the `svc::` prefix).
pub fn explain(code: &str) -> Option<&'static str> {
    let code = code.trim();
    CODES
        .iter()
        .find(|(c, _)| *c == code || c.strip_prefix("svc::") == Some(code))
        .map(|(_, text)| *text)
}
