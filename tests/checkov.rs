//! checkov over the Terraform emitted for every example and for the
//! secure-defaults fixture: the failed checks of each module are exactly
//! the table in `docs/security.md` (parsed here, so the doc cannot drift).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Module name → {(check id, resource)}.
type Findings = BTreeMap<String, BTreeSet<(String, String)>>;

/// The modules scanned, with the `svc compile` arguments of each: every
/// example (a project in a directory, `examples/shop/`, in its `prod`
/// environment), and the fixture with every default.
fn sources() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("examples")).expect("examples") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let file = path.display().to_string();
        if path.is_dir() {
            let entry_file = path.join(format!("{name}.svc")).display().to_string();
            out.push((name, vec![entry_file, "--env".into(), "prod".into()]));
        } else if path.extension().is_some_and(|e| e == "svc") {
            out.push((name, vec![file]));
        }
    }
    let fixture = root().join("tests/cases/valid/secure_defaults.svc");
    out.push((
        "secure_defaults".into(),
        vec![fixture.display().to_string()],
    ));
    out.sort();
    out
}

/// The table under `<!-- checkov-table` in docs/security.md.
fn documented() -> Findings {
    let text = std::fs::read_to_string(root().join("docs/security.md")).expect("docs/security.md");
    let (_, table) = text
        .split_once("<!-- checkov-table")
        .expect("docs/security.md has the checkov table");
    let mut out = Findings::new();
    for line in table
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .skip(2)
    {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        out.entry(cells[1].to_string())
            .or_default()
            .insert((cells[2].to_string(), cells[3].to_string()));
    }
    assert!(!out.is_empty(), "empty checkov table");
    out
}

fn checkov() -> Command {
    let available = Command::new("checkov")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "checkov"])
            .status()
            .expect("python3 runs");
        assert!(status.success(), "pip install checkov failed");
    }
    Command::new("checkov")
}

fn scan(dir: &Path) -> Findings {
    let out = checkov()
        .args(["-d", dir.to_str().expect("utf-8")])
        .args([
            "--framework",
            "terraform",
            "-o",
            "json",
            "--quiet",
            "--skip-download",
        ])
        .output()
        .expect("checkov runs");
    // Exit 1 means "some check failed"; anything else is checkov itself failing.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "checkov: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("checkov JSON");
    let reports = match json {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    let mut findings = Findings::new();
    for report in &reports {
        let failed = report["results"]["failed_checks"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for check in failed {
            let file = check["file_path"].as_str().expect("file_path");
            let module = file
                .trim_start_matches('/')
                .split('/')
                .next()
                .expect("module dir");
            findings.entry(module.to_string()).or_default().insert((
                check["check_id"].as_str().expect("check_id").to_string(),
                check["resource"].as_str().expect("resource").to_string(),
            ));
        }
    }
    findings
}

#[test]
fn checkov_findings_are_exactly_the_documented_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, args) in sources() {
        let out = Command::new(env!("CARGO_BIN_EXE_svc"))
            .arg("compile")
            .args(&args)
            .arg("-o")
            .arg(dir.path().join(&name))
            .output()
            .expect("svc runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let found = scan(dir.path());
    // Every module was scanned (a module with no finding would be missing
    // from both sides, so check the scan saw each main.tf).
    assert_eq!(
        found.len(),
        sources().len(),
        "modules with findings: {found:?}"
    );
    assert_eq!(
        found,
        documented(),
        "checkov findings differ from docs/security.md"
    );
}
