//! The benchmark's generated project (bench/gen): svc accepts it without a
//! single diagnostic, and the jsonnet program generated beside it renders
//! exactly the task definitions `svc compile` writes, so the benchmark
//! compares the two tools on the same work. Needs python3 and the PyPI
//! `jsonnet` package (scripts/test installs it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every `*.json` file of a directory, parsed, by file name.
fn json_files(dir: &Path) -> BTreeMap<String, serde_json::Value> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let text = std::fs::read_to_string(&path).expect("readable output");
            let value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, value)
        })
        .collect()
}

fn svc(args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(args)
        .env("NO_COLOR", "1"))
}

#[test]
fn generated_project_checks_clean_and_jsonnet_renders_the_same_task_definitions() {
    const N: usize = 25;
    let dir = tempfile::tempdir().expect("temporary directory");
    let project = dir.path().join("project.svc");
    run(Command::new("python3")
        .arg(root().join("bench/gen"))
        .arg(N.to_string())
        .arg(dir.path()));

    // No error and no warning: the benchmark measures the success path.
    let check = svc(&["check", "--deny-warnings", project.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&check.stderr).trim(),
        "ok: 1 file(s) checked, 0 errors, 0 warnings"
    );
    let services = std::fs::read_to_string(&project)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("service "))
        .count();
    assert_eq!(services, N);

    let out = dir.path().join("out");
    svc(&[
        "compile",
        project.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let jsonnet_out = dir.path().join("jsonnet");
    std::fs::create_dir(&jsonnet_out).unwrap();
    run(Command::new("python3")
        .arg(root().join("bench/jsonnet-m"))
        .arg(&jsonnet_out)
        .arg(dir.path().join("project.jsonnet")));

    let from_svc = json_files(&out.join("taskdefs"));
    let from_jsonnet = json_files(&jsonnet_out);
    assert_eq!(from_svc.len(), N);
    assert_eq!(
        from_svc.keys().collect::<Vec<_>>(),
        from_jsonnet.keys().collect::<Vec<_>>()
    );
    for (family, doc) in &from_svc {
        assert_eq!(
            doc, &from_jsonnet[family],
            "{family}: svc (left) and jsonnet (right) differ"
        );
    }
    // The mix the generator promises is really in there.
    let all: Vec<&serde_json::Value> = from_svc.values().collect();
    let any = |pred: &dyn Fn(&serde_json::Value) -> bool| all.iter().any(|d| pred(d));
    assert!(any(&|d| d["containerDefinitions"]
        .as_array()
        .unwrap()
        .len()
        == 2));
    assert!(any(&|d| d.get("ephemeralStorage").is_some()));
    assert!(any(&|d| d.get("taskRoleArn").is_some()));
    assert!(any(&|d| d["containerDefinitions"][0]
        .get("healthCheck")
        .is_none()));
    assert!(any(&|d| d["containerDefinitions"][0]["environment"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["value"]
            .as_str()
            .unwrap()
            .ends_with(".internal.local"))));
}
