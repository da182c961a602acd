//! Any bytes through the parser: a tree or diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svc::diagnostic::{Diagnostics, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut diags = Diagnostics::new();
    diags.enter_source(Source::new("fuzz.svc", text));
    let tree = svc::syntax::parse(text, &mut diags);
    assert!(tree.is_some() || diags.has_errors(), "no tree and no error");
    // Positions of every label (rendering is fuzzed by the `check` target).
    let _ = diags.to_json();
});
