//! The standard library (`stdlib/*.svc`, embedded in the binary): every
//! module reads without a diagnostic, is in the canonical `svc fmt` layout,
//! and every preset in it gives a clean service when used as documented.

use svc::diagnostic::{Diagnostics, Source};
use svc::project::STDLIB;
use svc::syntax::ast::Item;

/// A service around `snippet`, which uses one preset; `{}` marks where.
const SERVICE: &str = r#"
namespace internal {
  domain = "internal.local"
  vpc    = "vpc-0123"
}

service api {
  SIZE
  network { subnets = ["subnet-0123"], security_groups = ["sg-0123"], egress = nat }
  container app {
    image = "public.ecr.aws/nginx/nginx:1.27"
    port  = 8080/tcp
    CONTAINER
  }
  DISCOVERY
  SERVICE
}
"#;

/// How a preset of each kind is used in [`SERVICE`].
fn usage(kind: &str, name: &str) -> String {
    let mut size = "size = { cpu = 512, memory = 1GiB }".to_string();
    let mut discovery = "discovery { namespace = internal, name = \"api\" }".to_string();
    let mut container = String::new();
    let mut service = String::new();
    match kind {
        "health" => container = format!("health {{ from = {name}, port = 8080 }}"),
        "logs" => container = format!("logs = {name}"),
        "size" => size = format!("size = {name}"),
        "discovery" => {
            discovery =
                format!("discovery {{ from = {name}, namespace = internal, name = \"api\" }}")
        }
        // A service preset brings its own size.
        "service" => {
            size = String::new();
            service = format!("from = {name}");
        }
        other => panic!("no usage written for {other} presets; add one to tests/stdlib.rs"),
    }
    SERVICE
        .replace("SIZE", &size)
        .replace("DISCOVERY", &discovery)
        .replace("CONTAINER", &container)
        .replace("SERVICE", &service)
}

fn check(text: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    svc::check_source(Source::new("<test>.svc", text.to_string()), &mut diags);
    diags
}

#[test]
fn every_module_reads_clean_and_is_formatted() {
    for (module, text) in STDLIB {
        let diags = check(&format!("use std.{module}\n"));
        assert!(diags.is_empty(), "std.{module}:\n{}", diags.render(false));
        let formatted = svc::fmt::format(text).expect("parses");
        assert_eq!(
            &formatted, text,
            "stdlib/{module}.svc is not `svc fmt` clean"
        );
    }
}

#[test]
fn every_preset_gives_a_clean_service() {
    let mut count = 0;
    for (module, text) in STDLIB {
        let mut diags = Diagnostics::new();
        diags.enter_source(Source::new(module, text));
        let file = svc::syntax::parse(text, &mut diags).expect("parses");
        for item in &file.items {
            let Item::Preset(p) = item else { continue };
            let src = usage(&p.kind.name, &p.name.name);
            let src = format!("use std.{module}\n{src}");
            // A preset for the largest sizes needs the platform that has them.
            let src = if p.name.name == "xxlarge" {
                src.replace(
                    "size = xxlarge",
                    "size = xxlarge\n  platform_version = \"1.4.0\"",
                )
            } else {
                src
            };
            let diags = check(&src);
            assert!(
                diags.is_empty(),
                "preset {} {} (std.{module}):\n{}\n{src}",
                p.kind.name,
                p.name.name,
                diags.render(false)
            );
            count += 1;
        }
    }
    assert!(count >= 10, "only {count} presets found");
}

/// The stdlib is what the language reference says it is.
#[test]
fn the_language_reference_lists_every_preset() {
    let reference =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
            .expect("docs/language.md");
    for (module, text) in STDLIB {
        assert!(reference.contains(&format!("std.{module}")), "std.{module}");
        let mut diags = Diagnostics::new();
        diags.enter_source(Source::new(module, text));
        let file = svc::syntax::parse(text, &mut diags).expect("parses");
        for item in &file.items {
            if let Item::Preset(p) = item {
                assert!(
                    reference.contains(&format!("`{}`", p.name.name)),
                    "docs/language.md does not mention preset `{}` of std.{module}",
                    p.name.name
                );
            }
        }
    }
}
