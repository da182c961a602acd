//! The `svc` binary: exit codes, output formats, and atomic outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn svc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("svc runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally, not by a signal")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn case(path: &str) -> String {
    root().join("tests/cases").join(path).display().to_string()
}

#[test]
fn check_exit_codes() {
    let ok = svc(&[
        "check",
        &example("service_discovery.svc"),
        &example("two_services.svc"),
    ]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));

    let bad = svc(&["check", &case("check/many_errors.svc")]);
    assert_eq!(code(&bad), 1);
    let text = stderr(&bad);
    for expected in [
        "svc::field::unknown",
        "svc::fargate::size",
        "svc::health::range",
        "4 errors",
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "NO_COLOR output has escape codes");

    let missing = svc(&["check", "/nonexistent/file.svc"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("cannot read"),
        "{}",
        stderr(&missing)
    );

    let dir = svc(&["check", &root().join("examples").display().to_string()]);
    assert_eq!(code(&dir), 2);
    assert!(stderr(&dir).contains("is a directory"));

    let usage = svc(&["check"]);
    assert_eq!(code(&usage), 2, "missing FILE is a usage error");
}

#[test]
fn hostile_bytes_get_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8], i32); 4] = [
        ("latin1.svc", b"service caf\xe9 {}", 2),
        ("nul.svc", b"service x {\0}", 1),
        ("empty.svc", b"", 0),
        ("deep.svc", &[b'['; 100_000], 1),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let out = svc(&["check", path.to_str().expect("utf-8")]);
        assert_eq!(code(&out), expected, "{name}: {}", stderr(&out));
    }
}

#[test]
fn json_diagnostics_carry_code_severity_and_position() {
    let out = svc(&["check", "--format", "json", &case("check/fargate_size.svc")]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let d = &json[0];
    assert_eq!(d["code"], "svc::fargate::size");
    assert_eq!(d["severity"], "error");
    assert!(d["file"]
        .as_str()
        .expect("file")
        .ends_with("fargate_size.svc"));
    assert_eq!(d["line"], 5);
    assert_eq!(d["column"], 18);
    assert!(d["help"].as_str().expect("help").contains("512MiB"));
    assert_eq!(d["labels"].as_array().expect("labels").len(), 2);
    assert!(d["message"].as_str().expect("message").contains("cpu 256"));
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("prefix")
                    .display()
                    .to_string();
                out.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// A temporary directory with `two_services.svc` compiled into `out/`.
fn compiled_two_services() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let first = svc(&[
        "compile",
        &example("two_services.svc"),
        "-o",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    (dir, out_dir)
}

#[test]
fn compile_writes_the_module_and_a_failed_compile_changes_nothing() {
    let (dir, out_dir) = compiled_two_services();
    let out = out_dir.to_str().expect("utf-8");
    let files: Vec<String> = read_tree(&out_dir).into_iter().map(|(p, _)| p).collect();
    for expected in [
        "versions.tf",
        "variables.tf",
        "main.tf",
        "outputs.tf",
        "taskdefs/service_a.json",
        "taskdefs/service_b.json",
        ".svc-output",
    ] {
        assert!(
            files.contains(&expected.to_string()),
            "{expected} not in {files:?}"
        );
    }
    let before = read_tree(&out_dir);

    // A file with errors: exit 1, the previous output byte for byte.
    let failed = svc(&["compile", &case("check/many_errors.svc"), "-o", out]);
    assert_eq!(code(&failed), 1);
    assert_eq!(read_tree(&out_dir), before);

    // A bad --var: exit 2, nothing changed either.
    let bad_var = svc(&[
        "compile",
        &example("two_services.svc"),
        "-o",
        out,
        "--var",
        "nope=1",
    ]);
    assert_eq!(code(&bad_var), 2);
    assert!(
        stderr(&bad_var).contains("no input named `nope`"),
        "{}",
        stderr(&bad_var)
    );
    assert_eq!(read_tree(&out_dir), before);

    // Recompiling another project: no stale files from the first one.
    let second = svc(&["compile", &example("service_discovery.svc"), "-o", out]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let files: Vec<String> = read_tree(&out_dir).into_iter().map(|(p, _)| p).collect();
    assert!(
        !files.iter().any(|f| f.contains("service_a")),
        "stale output: {files:?}"
    );
    assert!(files.contains(&"taskdefs/service_b.json".to_string()));

    // No temporary directories are left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn compile_refuses_to_replace_a_directory_it_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("precious.txt"), "keep me").expect("write");
    let out = svc(&[
        "compile",
        &example("service_discovery.svc"),
        "-o",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("was not written by svc"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("precious.txt")).expect("still there"),
        "keep me"
    );
}

#[test]
fn compile_fills_placeholders_from_vars_and_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let vars = dir.path().join("vars.json");
    std::fs::write(&vars, r#"{"service_a_image": "registry.example/app:2"}"#).expect("write");
    let out = svc(&[
        "compile",
        &example("two_services.svc"),
        "-o",
        out_dir.to_str().expect("utf-8"),
        "--var-file",
        vars.to_str().expect("utf-8"),
        "--region",
        "eu-west-1",
        "--account-id",
        "123456789012",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("placeholders"), "{}", stderr(&out));
    let json = std::fs::read_to_string(out_dir.join("taskdefs/service_a.json")).expect("json");
    assert!(json.contains("registry.example/app:2"));
    assert!(json.contains("arn:aws:iam::123456789012:role/service_a-execution"));

    // Without them, placeholders are used and listed.
    let out = svc(&[
        "compile",
        &example("two_services.svc"),
        "-o",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("${AWS_ACCOUNT_ID}"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("${AWS_REGION}"), "{}", stderr(&out));

    // An ill-typed value is refused.
    let out = svc(&[
        "compile",
        &example("two_services.svc"),
        "-o",
        out_dir.to_str().expect("utf-8"),
        "--var",
        "private_subnet_ids=subnet-1",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("list(string)"), "{}", stderr(&out));
}

#[test]
fn emit_model_prints_the_checked_model() {
    let out = svc(&[
        "compile",
        &example("service_discovery.svc"),
        "--emit",
        "model",
    ]);
    assert_eq!(code(&out), 0);
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(model["services"][0]["cpu"], 256);
    assert_eq!(model["services"][0]["discovery"]["ttl_s"], 10);
}

#[test]
fn explain_knows_every_code() {
    for (code_name, _) in svc::explain::CODES {
        let out = svc(&["explain", code_name]);
        assert_eq!(code(&out), 0, "{code_name}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("# {code_name}")),
            "{code_name}: {text}"
        );
        assert!(
            text.lines().count() > 5,
            "{code_name}: explanation too short"
        );
    }
    let unknown = svc(&["explain", "svc::nope"]);
    assert_eq!(code(&unknown), 2);
    let list = svc(&["explain"]);
    assert_eq!(code(&list), 0);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).lines().count(),
        svc::explain::CODES.len()
    );
}

/// Every code that a diagnostic type declares is listed for `svc explain`
/// and in docs/diagnostics.md.
#[test]
fn every_declared_code_is_documented() {
    let mut declared = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                for part in text.split("code(").skip(1) {
                    if let Some(end) = part.find(')') {
                        if part.starts_with("svc::") {
                            declared.push(part[..end].to_string());
                        }
                    }
                }
            }
        }
    }
    assert!(declared.len() >= 20, "{declared:?}");
    let list =
        std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md");
    for code_name in &declared {
        assert!(
            svc::explain::explain(code_name).is_some(),
            "{code_name} is not known to `svc explain`"
        );
        assert!(
            list.contains(code_name.as_str()),
            "{code_name} missing from docs/diagnostics.md"
        );
    }
    assert_eq!(
        declared.len(),
        svc::explain::CODES.len(),
        "codes and explanations differ"
    );
}

/// A diagnostic about an inherited setting is in the preset's file, with a
/// label in the using file that says so.
#[test]
fn json_labels_in_another_file_name_it() {
    let out = svc(&[
        "check",
        "--format",
        "json",
        &case("check/preset_inherited.svc"),
    ]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let health = json
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "svc::health::range")
        .expect("the inherited interval");
    assert!(health["file"]
        .as_str()
        .expect("file")
        .ends_with("imports/presets.svc"));
    assert_eq!(health["line"], 5);
    let labels = health["labels"].as_array().expect("labels");
    assert_eq!(labels.len(), 2, "{labels:#?}");
    assert!(labels[0]["file"].is_null(), "{labels:#?}");
    assert!(labels[1]["file"]
        .as_str()
        .expect("the use site's file")
        .ends_with("check/preset_inherited.svc"));
    assert_eq!(labels[1]["line"], 13);
    assert!(labels[1]["message"]
        .as_str()
        .expect("message")
        .contains("inherits this from preset `slow`"));
}

/// With environments, compile needs `--env` and knows which exist; each
/// environment's output carries its names.
#[test]
fn compile_chooses_an_environment() {
    let shop = example("shop/shop.svc");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let out_str = out_dir.to_str().expect("utf-8");

    let out = svc(&["compile", &shop, "-o", out_str]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("svc::env::unknown"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("declared: dev, prod"),
        "{}",
        stderr(&out)
    );
    assert!(
        !out_dir.exists(),
        "nothing is written without an environment"
    );

    let out = svc(&["compile", &shop, "--env", "staging", "-o", out_str]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no environment `staging`"),
        "{}",
        stderr(&out)
    );

    let out = svc(&["compile", &shop, "--env", "prod", "-o", out_str]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out_dir.join("taskdefs/frontend-prod.json").exists());
    let main = std::fs::read_to_string(out_dir.join("main.tf")).expect("main.tf");
    assert!(main.contains("\"prod.shop.local\""), "{main}");
    assert!(main.contains("\"shop-prod\""), "{main}");

    // `svc check` checks both environments without `--env`.
    let out = svc(&["check", &shop]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Each hostile file gets a diagnostic (exit 1) or a clear I/O error (exit
/// 2): never a panic (101), a stack overflow (a signal) or a flood.
#[test]
fn hostile_files_get_a_diagnostic_or_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long_line = format!(
        "service web {{\n  image = \"{}\" oops\n}}\n",
        "a".repeat(1 << 20)
    );
    let big = format!("// {}\n", "x".repeat(10 << 20));
    let nested_list = format!("service web {{ x = {} }}", "[".repeat(100_000));
    let nested_type = format!("input x: {}", "list(".repeat(100_000));
    let nested_body = format!("service web {{ {} }}", "a {".repeat(100_000));
    let cases: [(&str, &str, i32, &str); 5] = [
        ("long_line.svc", &long_line, 1, "svc::syntax::unexpected"),
        ("big.svc", &big, 2, "is larger than 4 MiB"),
        ("nested_list.svc", &nested_list, 1, "svc::syntax::nesting"),
        ("nested_type.svc", &nested_type, 1, "svc::syntax::nesting"),
        ("nested_body.svc", &nested_body, 1, "svc::syntax::nesting"),
    ];
    for (name, text, expected, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let out = svc(&["check", path.to_str().expect("utf-8")]);
        let err = stderr(&out);
        assert_eq!(
            code(&out),
            expected,
            "{name}: {}",
            &err[..err.len().min(2000)]
        );
        assert!(err.contains(message), "{name}: no {message} in {err:.2000}");
        // The report stays small, whatever the size of the input.
        assert!(
            err.len() < 10_000,
            "{name}: {} bytes of diagnostics",
            err.len()
        );
    }
}

/// The 1 MiB line is clipped around the error, and the label still points
/// at the right line and column.
#[test]
fn a_long_line_is_clipped_around_the_label() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.svc");
    let text = format!(
        "service web {{\n  image = \"{}\" = 1\n}}\n",
        "a".repeat(1 << 20)
    );
    std::fs::write(&path, &text).expect("write");
    let out = svc(&["check", path.to_str().expect("utf-8")]);
    let err = stderr(&out);
    let column = text.lines().nth(1).expect("line 2").find("= 1").expect("=") + 1;
    assert!(
        err.contains(&format!("long.svc:2:{column}]")),
        "position: {err}"
    );
    assert!(
        err.contains("│ …aaa") && err.contains("a\" = 1\n"),
        "clipped line: {err}"
    );
    let json = svc(&["check", "--format", "json", path.to_str().expect("utf-8")]);
    let diags: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(diags[0]["line"], 2);
    assert_eq!(diags[0]["column"], column);
}

/// Paths that cannot be read as a file, produced honestly although the
/// tests run as root (where `chmod 000` does not stop a read): a path
/// through a regular file (ENOTDIR), a dangling symlink (ENOENT), a symlink
/// loop (ELOOP), a directory, and an endless stream (`/dev/zero`, which
/// must stop at the size limit instead of filling memory).
#[test]
fn unreadable_paths_are_io_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("file.svc");
    std::fs::write(&file, "").expect("write");
    let dangling = dir.path().join("dangling.svc");
    std::os::unix::fs::symlink(dir.path().join("missing"), &dangling).expect("symlink");
    let looped = dir.path().join("loop.svc");
    std::os::unix::fs::symlink(&looped, &looped).expect("symlink");
    let cases = [
        (file.join("x.svc"), "Not a directory"),
        (dangling, "No such file"),
        (looped, "symbolic links"),
        (dir.path().to_path_buf(), "is a directory"),
        (PathBuf::from("/dev/zero"), "is larger than 4 MiB"),
    ];
    for (path, message) in cases {
        for command in ["check", "compile"] {
            let out_dir = dir.path().join("out");
            let out = svc(&[
                command,
                path.to_str().expect("utf-8"),
                "-o",
                out_dir.to_str().expect("utf-8"),
            ][..if command == "check" { 2 } else { 4 }]);
            assert_eq!(
                code(&out),
                2,
                "{command} {}: {}",
                path.display(),
                stderr(&out)
            );
            assert!(
                stderr(&out).contains(message),
                "{command} {}: {}",
                path.display(),
                stderr(&out)
            );
            assert!(!out_dir.exists(), "{command} wrote output");
        }
    }
}

/// `svc compile` killed (SIGKILL) after it staged the new output and before
/// the swap: the previous output is untouched, and the next compile
/// succeeds and removes the abandoned staging directory.
#[test]
fn a_killed_compile_leaves_the_previous_output() {
    let (dir, out_dir) = compiled_two_services();
    let out = out_dir.to_str().expect("utf-8");
    let before = read_tree(&out_dir);

    let mut child = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(["compile", &example("service_discovery.svc"), "-o", out])
        .env("SVC_COMPILE_PAUSE_MS", "60000")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("svc runs");
    let staged = || {
        std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .find(|p| p.join(".svc-output").exists() && p != &out_dir)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let staging = loop {
        if let Some(p) = staged() {
            break p;
        }
        assert!(std::time::Instant::now() < deadline, "compile never staged");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        staging.join("taskdefs/service_b.json").exists(),
        "the staging directory is complete before the pause"
    );
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success());
    assert_eq!(read_tree(&out_dir), before, "the old output changed");
    assert!(staging.exists(), "the kill left the staging directory");

    let next = svc(&["compile", &example("service_discovery.svc"), "-o", out]);
    assert_eq!(code(&next), 0, "{}", stderr(&next));
    assert!(out_dir.join("taskdefs/service_b.json").exists());
    assert!(!out_dir.join("taskdefs/service_a.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n != "out")
        .collect();
    assert!(leftovers.is_empty(), "abandoned: {leftovers:?}");
}
