//! Criterion micro-benchmarks of the compiler's stages on a generated
//! 1,000-service project (bench/gen, so python3 is needed): parse, check,
//! and emit (Terraform module and task-definition JSON). `cargo bench`
//! runs them; scripts/bench measures whole runs of the binary against
//! jsonnet. See docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use svc::diagnostic::Diagnostics;
use svc::emit::{taskdef, terraform, DeployValues};

const SERVICES: usize = 1000;

/// The source of a generated project of `n` services.
fn project(n: usize) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let gen = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen");
    let status = std::process::Command::new("python3")
        .arg(gen)
        .arg(n.to_string())
        .arg(dir.path())
        .status()
        .expect("python3 runs bench/gen");
    assert!(status.success(), "bench/gen failed");
    std::fs::read_to_string(dir.path().join("project.svc")).expect("generated project")
}

fn stages(c: &mut Criterion) {
    let text = project(SERVICES);
    let mut diags = Diagnostics::new();
    let file = svc::syntax::parse(&text, &mut diags).expect("the project parses");
    let model = svc::check::check(&file, &mut diags).expect("the project checks");
    assert!(diags.is_empty(), "no diagnostics: {diags:?}");
    let values = DeployValues::default();

    let mut group = c.benchmark_group(format!("{SERVICES} services"));
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| svc::syntax::parse(&text, &mut Diagnostics::new()))
    });
    group.bench_function("check", |b| {
        b.iter(|| svc::check::check(&file, &mut Diagnostics::new()))
    });
    group.bench_function("emit terraform", |b| b.iter(|| terraform::emit(&model)));
    group.bench_function("emit task-definition JSON", |b| {
        b.iter(|| {
            model
                .services
                .iter()
                .map(|s| taskdef::to_json(&model, s, &values).0.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
