//! Any bytes through parser and checker: a model or errors, never a panic;
//! every diagnostic renders (its spans lie inside the source).
#![no_main]

use libfuzzer_sys::fuzz_target;
use svc::diagnostic::{Diagnostics, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new("fuzz.svc", text), &mut diags);
    assert!(model.is_some() != diags.has_errors(), "model and errors");
    let _ = diags.render(false);
    let _ = diags.to_json();
});
