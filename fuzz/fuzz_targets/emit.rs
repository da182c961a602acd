//! Any bytes through parser, checker and both emitters: whatever checks
//! clean must emit HCL that parses back and task-definition JSON that is
//! valid JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svc::diagnostic::{Diagnostics, Source};
use svc::emit::{taskdef, terraform, DeployValues};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut diags = Diagnostics::new();
    let Some(model) = svc::compile_source(Source::new("fuzz.svc", text), &mut diags) else {
        return;
    };
    for file in terraform::emit(&model) {
        if let Err(e) = hcl::parse(&file.content) {
            panic!("{} does not parse back: {e}\n{}", file.path, file.content);
        }
    }
    for service in &model.services {
        let (json, _) = taskdef::to_json(&model, service, &DeployValues::default());
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
            panic!(
                "task definition of {} is not JSON: {e}\n{json}",
                service.name
            );
        }
    }
});
