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
    "svc::field::conflict" => "field.conflict",
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
    "svc::discovery::routing" => "discovery.routing",
    "svc::discovery::failure_threshold" => "discovery.failure_threshold",
    "svc::discovery::instances" => "discovery.instances",
    "svc::discovery::name_conflict" => "discovery.name_conflict",
    "svc::discovery::multivalue_limit" => "discovery.multivalue_limit",
    "svc::discovery::health_check" => "discovery.health_check",
    "svc::fargate::platform" => "fargate.platform",
    "svc::iam::role_arn" => "iam.role_arn",
    "svc::container::essential" => "container.essential",
    "svc::container::memory" => "container.memory",
    "svc::container::resources" => "container.resources",
    "svc::container::port_conflict" => "container.port_conflict",
    "svc::health::timeout" => "health.timeout",
    "svc::network::egress" => "network.egress",
    "svc::network::public_ip" => "network.public_ip",
    "svc::container::writable_root" => "container.writable_root",
    "svc::env::secret_value" => "env.secret_value",
    "svc::logs::external_group" => "logs.external_group",
    "svc::tags::invalid" => "tags.invalid",
    "svc::secrets::value_from" => "secrets.value_from",
    "svc::syntax::interpolation" => "syntax.interpolation",
    "svc::import::not_found" => "import.not_found",
    "svc::import::cycle" => "import.cycle",
    "svc::import::outside_root" => "import.outside_root",
    "svc::preset::cycle" => "preset.cycle",
    "svc::env::collision" => "env.collision",
    "svc::env::unknown" => "env.unknown",
    "svc::wiring::no_discovery" => "wiring.no_discovery",
    "svc::wiring::unreachable" => "wiring.unreachable",
    "svc::wiring::no_port" => "wiring.no_port",
    "svc::wiring::self_call" => "wiring.self_call",
    "svc::wiring::duplicate" => "wiring.duplicate",
    "svc::wiring::env_conflict" => "wiring.env_conflict",
    "svc::wiring::no_security_group" => "wiring.no_security_group",
}

/// The explanation of `code` (with or without the `svc::` prefix).
pub fn explain(code: &str) -> Option<&'static str> {
    let code = code.trim();
    CODES
        .iter()
        .find(|(c, _)| *c == code || c.strip_prefix("svc::") == Some(code))
        .map(|(_, text)| *text)
}
