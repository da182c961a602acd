//! Any bytes through parser and checker, the way `svc check` runs them
//! (every environment, presets, stdlib imports, collisions) and the way
//! `svc compile` does (one model or errors): never a panic; every
//! diagnostic renders (its spans lie inside the sources).
#![no_main]

use libfuzzer_sys::fuzz_target;
use svc::diagnostic::{Diagnostics, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut diags = Diagnostics::new();
    let variants = svc::check_source(Source::new("fuzz.svc", text), &mut diags);
    assert!(
        diags.has_errors() || !variants.is_empty(),
        "no error and no model"
    );
    let _ = diags.render(false);
    let _ = diags.to_json();

    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new("fuzz.svc", text), &mut diags);
    assert!(model.is_some() != diags.has_errors(), "model and errors");
    let _ = diags.render(false);
    let _ = diags.to_json();
});
