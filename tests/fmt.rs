//! `svc fmt`: over every `.svc` file of the repository that parses, the
//! formatter is idempotent, keeps every comment in order, and does not
//! change meaning (same checked model, same diagnostic codes). Dedicated
//! messy inputs under `tests/cases/fmt/` are snapshotted.

use std::path::{Path, PathBuf};

use svc::diagnostic::{Diagnostics, Source};
use svc::syntax::ast::Comment;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.svc` file under the given directories (recursively), sorted.
fn svc_files(dirs: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "svc") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        walk(&root().join(dir), &mut out);
    }
    out.sort();
    out
}

/// The comments of a text, normalised the way the formatter may change
/// them (trailing whitespace, indentation of block-comment lines).
fn comments(text: &str) -> Vec<String> {
    let mut diags = Diagnostics::new();
    let file = svc::syntax::parse(text, &mut diags).expect("parses");
    let mut comments = file.comments.clone();
    comments.sort_by_key(|c| c.span.start);
    comments
        .iter()
        .map(|c: &Comment| c.text.lines().map(str::trim).collect::<Vec<_>>().join("\n"))
        .collect()
}

fn compile(name: &str, text: &str) -> (Option<svc::model::Model>, Vec<String>) {
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new(name, text), &mut diags);
    (model, diags.codes())
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning_and_comments() {
    let files = svc_files(&["examples", "stdlib", "tests/cases"]);
    let mut formatted = 0;
    let mut skipped = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path).expect("readable");
        let once = match svc::fmt::format(&text) {
            Ok(out) => out,
            Err(_) => {
                skipped.push(name);
                continue;
            }
        };
        let twice = svc::fmt::format(&once).unwrap_or_else(|d| {
            panic!(
                "{name}: formatted text does not parse:\n{}\n{once}",
                d.render(false)
            )
        });
        assert_eq!(once, twice, "{name}: formatting is not idempotent");

        let (model_before, codes_before) = compile(&name, &text);
        let (model_after, codes_after) = compile(&name, &once);
        assert_eq!(
            codes_before, codes_after,
            "{name}: diagnostics changed\n{once}"
        );
        assert!(
            model_before == model_after,
            "{name}: the checked model changed\n{once}"
        );
        assert_eq!(
            comments(&text),
            comments(&once),
            "{name}: comments changed\n{once}"
        );
        assert!(
            once.is_empty() || once.ends_with('\n'),
            "{name}: no final newline"
        );
        assert!(
            !once.lines().any(|l| l.ends_with(' ') || l.ends_with('\t')),
            "{name}: trailing whitespace\n{once}"
        );
        formatted += 1;
    }
    // Only the syntax-error fixtures may fail to parse.
    for name in &skipped {
        assert!(
            name.starts_with("tests/cases/syntax/"),
            "{name} does not parse"
        );
    }
    assert!(
        formatted >= 50,
        "expected the examples and fixtures, formatted only {formatted}"
    );
}

/// The messy inputs under `tests/cases/fmt/`, formatted.
#[test]
fn formatting_snapshots() {
    insta::glob!("cases/fmt/*.svc", |path| {
        let text = std::fs::read_to_string(path).expect("readable");
        let out = svc::fmt::format(&text).unwrap_or_else(|d| panic!("{}", d.render(false)));
        insta::assert_snapshot!(out);
    });
}

/// The examples are already in the canonical layout.
#[test]
fn examples_are_formatted() {
    for path in svc_files(&["examples"]) {
        let text = std::fs::read_to_string(&path).expect("readable");
        let out = svc::fmt::format(&text).expect("examples parse");
        assert!(
            out == text,
            "{} is not formatted; run `svc fmt {}`",
            path.display(),
            path.display()
        );
    }
}

#[test]
fn a_syntax_error_is_reported() {
    let err = svc::fmt::format("service web {\n  replicas = \n}\n").expect_err("does not parse");
    assert_eq!(err.codes(), vec!["svc::syntax::unexpected".to_string()]);
}

#[test]
fn long_inline_bodies_are_broken_up() {
    let long = format!(
        "service web {{\n  tags = {{ a = \"{}\", b = \"{}\" }}\n}}\n",
        "x".repeat(40),
        "y".repeat(40)
    );
    let out = svc::fmt::format(&long).expect("parses");
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    assert!(out.contains("\n    a = \""), "{out}");
    assert_eq!(svc::fmt::format(&out).expect("parses"), out);
}

#[test]
fn strings_keep_their_escapes() {
    let src = "service web {\n  a = \"tab\\there \\\"q\\\" \\\\ \\$ \\u{1F600} \\n\"\n}\n";
    assert_eq!(svc::fmt::format(src).expect("parses"), src);
}

/// A value that fits next to its own key but not after the alignment
/// padding is broken up, and stays so.
#[test]
fn alignment_never_pushes_a_value_past_the_limit() {
    let value = format!("{{ x = \"{}\" }}", "v".repeat(60));
    let src = format!(
        "service web {{\n  a_key_long_enough_to_push_the_alignment_to_the_right = 1\n  k = {value}\n}}\n"
    );
    let once = svc::fmt::format(&src).expect("parses");
    assert!(once.lines().all(|l| l.chars().count() <= 100), "{once}");
    assert!(once.contains("  k = {\n    x = \""), "{once}");
    assert_eq!(svc::fmt::format(&once).expect("parses"), once);
}

// ----- the `svc fmt` command ------------------------------------------------

fn svc(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("svc runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("writes stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("svc finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const MESSY: &str = "service web{replicas=2}\n";
const TIDY: &str = "service web { replicas = 2 }\n";

#[test]
fn cli_check_lists_files_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let messy = dir.path().join("messy.svc");
    let tidy = dir.path().join("tidy.svc");
    std::fs::write(&messy, MESSY).expect("write");
    std::fs::write(&tidy, TIDY).expect("write");
    let (code, stdout, _) = svc(&["fmt", "--check", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("would reformat") && stdout.contains("messy.svc"),
        "{stdout}"
    );
    assert!(!stdout.contains("tidy.svc"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);

    let (code, _, _) = svc(&["fmt", "--check", tidy.to_str().unwrap()], None);
    assert_eq!(code, 0);
}

#[test]
fn cli_rewrites_files_in_place_keeping_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("web.svc");
    std::fs::write(&file, MESSY).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let (code, stdout, _) = svc(&["fmt", file.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(stdout.contains("formatted"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), TIDY);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "temporary files left behind");
    let (code, stdout, _) = svc(&["fmt", file.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(!stdout.contains("formatted"), "{stdout}");
}

#[test]
fn cli_syntax_errors_and_io_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.svc");
    std::fs::write(&broken, "service web {\n").expect("write");
    // Named on the command line: the diagnostics, exit 1.
    let (code, _, stderr) = svc(&["fmt", broken.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("svc::syntax::unexpected"), "{stderr}");
    // Found in a folder: skipped with a note.
    let (code, _, stderr) = svc(&["fmt", "--check", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("skipped") && stderr.contains("broken.svc"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), "service web {\n");
    // A file that does not exist: exit 2.
    let missing = dir.path().join("missing.svc");
    let (code, _, _) = svc(&["fmt", missing.to_str().unwrap()], None);
    assert_eq!(code, 2);
}

#[test]
fn cli_formats_standard_input() {
    let (code, stdout, _) = svc(&["fmt", "-"], Some(MESSY));
    assert_eq!(code, 0);
    assert_eq!(stdout, TIDY);
    let (code, _, _) = svc(&["fmt", "--check", "-"], Some(MESSY));
    assert_eq!(code, 1);
}

/// Comments inserted at gaps between tokens of the examples and the
/// formatter fixtures: formatting keeps each one, in order, is idempotent
/// and keeps the model and the diagnostics.
#[test]
fn comments_anywhere_survive_formatting() {
    let mut tried = 0;
    for path in svc_files(&["examples", "tests/cases/fmt"]) {
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = path.display().to_string();
        let (model, codes) = compile(&name, &text);
        let before = comments(&text).len();
        // The first white space after each token.
        let gaps: Vec<usize> = text
            .char_indices()
            .filter(|&(i, c)| {
                (c == ' ' || c == '\n')
                    && text[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|p| !p.is_whitespace())
            })
            .map(|(i, _)| i)
            .collect();
        for (n, &gap) in gaps.iter().enumerate() {
            // Block and line comments in turn (parsing takes a few
            // milliseconds in debug builds).
            let insert = if n % 2 == 0 {
                format!("/*c{n}*/")
            } else {
                format!("// c{n}\n")
            };
            let mutated = format!("{}{insert}{}", &text[..gap], &text[gap..]);
            let Ok(once) = svc::fmt::format(&mutated) else {
                continue;
            };
            let mutated_comments = comments(&mutated);
            // Only gaps between tokens: not inside a string or a comment.
            if mutated_comments.len() != before + 1 {
                continue;
            }
            tried += 1;
            let twice = svc::fmt::format(&once).expect("formatted text parses");
            assert_eq!(once, twice, "{name} + {insert:?} at {gap}: not idempotent");
            assert_eq!(
                mutated_comments,
                comments(&once),
                "{name} + {insert:?} at {gap}"
            );
            let (model_after, codes_after) = compile(&name, &once);
            assert!(
                model == model_after,
                "{name} + {insert:?} at {gap}: model changed"
            );
            assert_eq!(codes, codes_after, "{name} + {insert:?} at {gap}");
        }
    }
    assert!(tried > 200, "only {tried} mutations parsed");
    eprintln!("{tried} mutations formatted");
}
