//! The diagnostics documentation stays true: for every code's page under
//! `docs/diagnostics/`, the example reports that code with exactly the
//! output shown, and the fix checks clean. `SVC_UPDATE_DOCS=1 cargo test
//! --test docs` rewrites the shown output after a deliberate change.

use std::path::{Path, PathBuf};

use svc::diagnostic::{Diagnostics, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fenced block: its language, content and byte range of the content.
struct Fence {
    lang: String,
    content: String,
    range: std::ops::Range<usize>,
    section: String,
}

fn fences(text: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut offset = 0;
    let mut open: Option<(String, usize)> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_end();
        match &open {
            None if trimmed.starts_with("## ") => section = trimmed[3..].to_string(),
            None if trimmed.starts_with("```") => {
                open = Some((trimmed[3..].to_string(), offset));
            }
            Some((lang, content_start)) if trimmed == "```" => {
                out.push(Fence {
                    lang: lang.clone(),
                    content: text[*content_start..start].to_string(),
                    range: *content_start..start,
                    section: section.clone(),
                });
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// What `svc check web.svc` reports (every environment); for
/// `svc::env::unknown`, which only compiling can meet, `svc compile web.svc`.
fn check_as(text: &str, code: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let source = Source::new("web.svc", text.to_string());
    if code == "svc::env::unknown" {
        svc::compile_source(source, &mut diags);
    } else {
        svc::check_source(source, &mut diags);
    }
    diags
}

fn check(text: &str) -> Diagnostics {
    check_as(text, "")
}

fn page(code: &str) -> PathBuf {
    let file = code.trim_start_matches("svc::").replacen("::", ".", 1);
    root().join("docs/diagnostics").join(format!("{file}.md"))
}

#[test]
fn every_diagnostic_page_shows_real_output() {
    let update = std::env::var_os("SVC_UPDATE_DOCS").is_some();
    let mut failures = Vec::new();
    for (code, _) in svc::explain::CODES {
        let path = page(code);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let blocks = fences(&text);
        let example = blocks
            .iter()
            .position(|f| f.lang == "svc" && f.section == "Example")
            .unwrap_or_else(|| panic!("{}: no svc block under ## Example", path.display()));
        let diags = check_as(&blocks[example].content, code);
        if !diags.codes().iter().any(|c| c == code) {
            failures.push(format!(
                "{}: the example does not report {code}, it reports {:?}",
                path.display(),
                diags.codes()
            ));
            continue;
        }
        let shown = blocks[example + 1..]
            .iter()
            .find(|f| f.lang == "text")
            .unwrap_or_else(|| panic!("{}: no text block after the example", path.display()));
        let actual = format!("{}{}\n", diags.render(false), diags.summary());
        if shown.content != actual {
            if update {
                let mut new = text.clone();
                new.replace_range(shown.range.clone(), &actual);
                std::fs::write(&path, new).expect("write page");
            } else {
                failures.push(format!(
                    "{}: the shown output differs from svc's (SVC_UPDATE_DOCS=1 to rewrite):\n--- shown\n{}\n--- actual\n{}",
                    path.display(),
                    shown.content,
                    actual
                ));
            }
        }
        for fix in blocks
            .iter()
            .filter(|f| f.lang == "svc" && f.section == "Fix")
        {
            let diags = check(&fix.content);
            if !diags.is_empty() {
                failures.push(format!(
                    "{}: the fix is not clean:\n{}",
                    path.display(),
                    diags.render(false)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// docs/diagnostics.md lists every code, with its page.
#[test]
fn the_diagnostics_list_is_complete() {
    let list = std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("list");
    for (code, _) in svc::explain::CODES {
        assert!(
            list.contains(&format!("`{code}`")),
            "{code} is not in docs/diagnostics.md"
        );
        let file = page(code);
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            list.contains(name),
            "docs/diagnostics.md does not link {name}"
        );
        assert!(Path::new(&file).exists());
    }
}
