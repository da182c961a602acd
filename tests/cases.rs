//! Fixture tests: every `.svc` file under `tests/cases/` says in its header
//! which diagnostic codes it expects (`// expect: svc::fargate::size`, once
//! per expected diagnostic, or `// expect: ok`). The test fails when the
//! codes differ, and snapshots the plain rendering of the diagnostics.

use std::path::Path;

use svc::diagnostic::{Diagnostics, Source};

/// What a fixture expects: the codes, in any order.
fn expected_codes(text: &str) -> Option<Vec<String>> {
    let mut codes = Vec::new();
    let mut ok = false;
    for line in text.lines().take_while(|l| l.starts_with("//")) {
        if let Some(rest) = line.strip_prefix("// expect:") {
            match rest.trim() {
                "ok" => ok = true,
                code => codes.push(code.to_string()),
            }
        }
    }
    (ok || !codes.is_empty()).then_some(codes)
}

/// Checks one fixture; `Err` says how it failed its expectation.
fn run_case(name: &str, text: &str) -> Result<String, String> {
    let mut expected =
        expected_codes(text).ok_or_else(|| format!("{name}: no `// expect:` header"))?;
    let mut diags = Diagnostics::new();
    let source = Source::new(name, text);
    // `svc check` builds every environment; only compiling one meets
    // svc::env::unknown.
    if expected.iter().any(|c| c == "svc::env::unknown") {
        svc::compile_source(source, &mut diags);
    } else {
        svc::check_source(source, &mut diags);
    }
    let mut actual = diags.codes();
    expected.sort();
    actual.sort();
    if expected != actual {
        return Err(format!(
            "{name}: expected {expected:?}, got {actual:?}\n{}",
            diags.render(false)
        ));
    }
    Ok(diags.render(false))
}

fn fixture(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    (name, text)
}

#[test]
fn check_cases() {
    insta::glob!("cases/check/*.svc", |path| {
        let (name, text) = fixture(path);
        let rendered = run_case(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!rendered.is_empty(), "{name}: expected diagnostics");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn syntax_cases() {
    insta::glob!("cases/syntax/*.svc", |path| {
        let (name, text) = fixture(path);
        let rendered = run_case(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn valid_cases_and_examples_check_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in ["tests/cases/valid", "examples"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("directory exists") {
            let mut path = entry.expect("entry").path();
            // A project in a directory: its entry file is `DIR/DIR.svc`.
            if path.is_dir() {
                let name = path.file_name().expect("name").to_owned();
                path = path.join(name).with_extension("svc");
            }
            if path.extension().is_some_and(|e| e == "svc") {
                let (name, text) = fixture(&path);
                let mut diags = Diagnostics::new();
                let variants = svc::check_source(Source::new(name.clone(), text), &mut diags);
                assert!(
                    diags.is_empty(),
                    "{name} is not clean:\n{}",
                    diags.render(false)
                );
                assert!(!variants.is_empty(), "{name}: no model");
                count += 1;
            }
        }
    }
    assert!(
        count >= 4,
        "expected valid fixtures and examples, found {count}"
    );
}

/// The harness itself must fail when a fixture's expectation is wrong,
/// both ways: an error that does not happen, and one that is not expected.
#[test]
fn harness_rejects_wrong_expectations() {
    let clean = "// expect: svc::fargate::size\n\ninput x: string\n";
    assert!(run_case("self-test", clean).is_err());
    let failing = "// expect: ok\n\nservce x {}\n";
    assert!(run_case("self-test", failing).is_err());
    let missing_header = "input x: string\n";
    assert!(run_case("self-test", missing_header).is_err());
    let right = "// expect: svc::decl::unknown_kind\n\nservce x {}\n";
    assert!(run_case("self-test", right).is_ok());
}

/// Every rule fixture under `check/` exercises a code that `svc explain`
/// knows, and every code has at least one failing fixture.
#[test]
fn every_code_has_a_failing_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = std::collections::BTreeSet::new();
    for dir in ["tests/cases/check", "tests/cases/syntax"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("directory exists") {
            let path = entry.expect("entry").path();
            // Subdirectories hold files that fixtures `use`.
            if path.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(path).expect("readable");
            seen.extend(expected_codes(&text).unwrap_or_default());
        }
    }
    for (code, _) in svc::explain::CODES {
        assert!(seen.contains(*code), "no failing fixture expects {code}");
    }
    for code in &seen {
        assert!(
            svc::explain::explain(code).is_some(),
            "{code} has no explanation"
        );
    }
}
