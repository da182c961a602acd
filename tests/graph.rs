//! `svc graph`: snapshots of both formats for a fixture with three services
//! and their calls, DOT read back by Graphviz, and the Mermaid edges.

use std::path::Path;
use std::process::{Command, Stdio};

use svc::diagnostic::{Diagnostics, Source};
use svc::graph::Graph;

fn graph_of(path: &str) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(path)).expect("fixture is readable");
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new(path, text), &mut diags)
        .unwrap_or_else(|| panic!("{path} checks: {}", diags.render(false)));
    Graph::new(&model)
}

const FIXTURE: &str = "tests/cases/valid/calls.svc";

#[test]
fn dot_snapshot() {
    insta::assert_snapshot!(graph_of(FIXTURE).dot());
}

#[test]
fn mermaid_snapshot() {
    insta::assert_snapshot!(graph_of(FIXTURE).mermaid());
}

/// Graphviz parses the DOT and finds the three services and three calls
/// (`dot -Tcanon` prints the graph back in canonical form).
#[test]
fn graphviz_reads_the_dot() {
    let dot = graph_of(FIXTURE).dot();
    let mut child = Command::new("dot")
        .arg("-Tcanon")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphviz `dot` is installed (scripts/test installs it)");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), dot.as_bytes())
        .expect("write to dot");
    let out = child.wait_with_output().expect("dot runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "dot: {stderr}");
    let canon = String::from_utf8_lossy(&out.stdout);
    for edge in ["web -> api", "web -> worker", "api -> worker"] {
        assert!(canon.contains(edge), "no `{edge}` in:\n{canon}");
    }
    assert_eq!(canon.matches(" -> ").count(), 3, "{canon}");
    for cluster in ["cluster_internal", "cluster_jobs"] {
        assert!(canon.contains(cluster), "no {cluster} in:\n{canon}");
    }
}

/// The Mermaid edges connect the right services with the callee's port.
#[test]
fn mermaid_edges() {
    let graph = graph_of(FIXTURE);
    let text = graph.mermaid();
    let id = |name: &str| {
        let i = graph
            .nodes
            .iter()
            .position(|n| n.service == name)
            .unwrap_or_else(|| panic!("no node {name}"));
        format!("s{i}")
    };
    let edges: Vec<&str> = text.lines().filter(|l| l.contains("-->")).collect();
    assert_eq!(
        edges,
        [
            format!("  {} -->|\"8080/tcp\"| {}", id("web"), id("api")),
            format!("  {} -->|\"53/udp\"| {}", id("web"), id("worker")),
            format!("  {} -->|\"53/udp\"| {}", id("api"), id("worker")),
        ]
    );
    assert!(text.contains(&format!("{}[\"api<br/>api-v1.internal.local\"]", id("api"))));
}

/// The command prints DOT by default and reports errors like `svc check`.
#[test]
fn command_line() {
    let svc = env!("CARGO_BIN_EXE_svc");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(svc)
        .args(["graph", FIXTURE])
        .current_dir(root)
        .output()
        .expect("svc runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph svc {"));
    let out = Command::new(svc)
        .args(["graph", "--format", "mermaid", FIXTURE])
        .current_dir(root)
        .output()
        .expect("svc runs");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("flowchart LR\n"));
    let out = Command::new(svc)
        .args(["graph", "tests/cases/check/wiring_no_port.svc"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("svc runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("svc::wiring::no_port"));
}
