//! Snapshots of everything `svc compile` writes for each example, and
//! properties the two outputs must share.

use std::path::Path;

use svc::diagnostic::{Diagnostics, Source};
use svc::emit::{taskdef, terraform, DeployValues};
use svc::model::Model;

fn model_of(path: &Path) -> Model {
    let text = std::fs::read_to_string(path).expect("example is readable");
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new(path.display().to_string(), text), &mut diags);
    model.unwrap_or_else(|| {
        panic!(
            "{} does not check:\n{}",
            path.display(),
            diags.render(false)
        )
    })
}

#[test]
fn terraform_module_of_each_example() {
    insta::glob!(env!("CARGO_MANIFEST_DIR"), "examples/*.svc", |path| {
        let model = model_of(path);
        let mut all = String::new();
        for file in terraform::emit(&model) {
            all.push_str(&format!("# ---- {} ----\n{}\n", file.path, file.content));
        }
        insta::assert_snapshot!(all);
    });
}

#[test]
fn task_definition_json_of_each_example() {
    insta::glob!(env!("CARGO_MANIFEST_DIR"), "examples/*.svc", |path| {
        let model = model_of(path);
        let mut all = String::new();
        for service in &model.services {
            let (json, placeholders) = taskdef::to_json(&model, service, &DeployValues::default());
            all.push_str(&format!(
                "# ---- taskdefs/{}.json (placeholders: {placeholders:?}) ----\n{json}\n",
                service.family()
            ));
        }
        insta::assert_snapshot!(all);
    });
}

#[test]
fn checked_model_of_each_example() {
    insta::glob!(env!("CARGO_MANIFEST_DIR"), "examples/*.svc", |path| {
        insta::assert_json_snapshot!(model_of(path));
    });
}

/// Values given at compile time replace the placeholders; nothing is left.
#[test]
fn deploy_values_fill_every_placeholder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = model_of(&root.join("examples/two_services.svc"));
    let values = DeployValues {
        vars: [("service_a_image".to_string(), "registry/app:1".into())].into(),
        region: Some("eu-west-1".into()),
        account_id: Some("123456789012".into()),
    };
    for service in &model.services {
        let (json, placeholders) = taskdef::to_json(&model, service, &values);
        assert!(placeholders.is_empty(), "{placeholders:?}");
        assert!(!json.contains("${"), "{json}");
        assert!(json.contains("arn:aws:iam::123456789012:role/"), "{json}");
    }
    let (a, _) = taskdef::to_json(&model, &model.services[0], &values);
    assert!(a.contains("registry/app:1"), "{a}");
    assert!(a.contains("\"awslogs-region\": \"eu-west-1\""), "{a}");
}

/// Converts an HCL expression to JSON, rendering references with `refs`.
fn hcl_to_json(e: &hcl::Expression, refs: &dyn Fn(&str) -> String) -> serde_json::Value {
    use hcl::Expression as E;
    match e {
        E::Null => serde_json::Value::Null,
        E::Bool(b) => (*b).into(),
        E::Number(n) => serde_json::to_value(n).expect("number"),
        E::String(s) => s.clone().into(),
        E::Array(items) => items.iter().map(|i| hcl_to_json(i, refs)).collect(),
        E::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        hcl::ObjectKey::Identifier(id) => id.to_string(),
                        hcl::ObjectKey::Expression(E::String(s)) => s.clone(),
                        other => panic!("unexpected key {other:?}"),
                    };
                    (key, hcl_to_json(v, refs))
                })
                .collect(),
        ),
        E::Traversal(t) => {
            refs(&hcl::format::to_string(&E::Traversal(t.clone())).expect("fmt")).into()
        }
        other => panic!("unexpected expression {other:?}"),
    }
}

/// The Terraform container definitions and the JSON file come from the same
/// data: decoding `jsonencode(...)` from main.tf gives exactly the JSON
/// file's `containerDefinitions`, once references are resolved.
#[test]
fn json_and_terraform_agree_on_containers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for example in ["service_discovery.svc", "two_services.svc"] {
        let model = model_of(&root.join("examples").join(example));
        let main = terraform::emit(&model)
            .into_iter()
            .find(|f| f.path == "main.tf")
            .expect("main.tf");
        let body: hcl::Body = hcl::from_str(&main.content).expect("main.tf parses as HCL");
        let labels = terraform::Labels::new(&model);
        let values = DeployValues {
            region: Some("REGION".into()),
            ..DeployValues::default()
        };
        for service in &model.services {
            let block = body
                .blocks()
                .find(|b| {
                    b.identifier() == "resource"
                        && b.labels().iter().map(|l| l.as_str()).collect::<Vec<_>>()
                            == ["aws_ecs_task_definition", service.name.as_str()]
                })
                .expect("task definition resource");
            let defs = block
                .body()
                .attributes()
                .find(|a| a.key() == "container_definitions")
                .expect("container_definitions");
            let hcl::Expression::FuncCall(call) = defs.expr() else {
                panic!("container_definitions is not jsonencode(...)");
            };
            assert_eq!(call.name.to_string(), "jsonencode");
            let from_hcl = hcl_to_json(&call.args[0], &|r: &str| {
                if r == "data.aws_region.current.name" {
                    return "REGION".into();
                }
                if let Some(var) = r.strip_prefix("var.") {
                    return match model.input(var).and_then(|i| i.default.as_ref()) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        _ => format!("${{{var}}}"),
                    };
                }
                let group = service
                    .log_groups
                    .iter()
                    .find(|g| {
                        r == format!(
                            "aws_cloudwatch_log_group.{}.name",
                            labels.log_group(&g.name)
                        )
                    })
                    .unwrap_or_else(|| panic!("unexpected reference {r}"));
                group.name.clone()
            });
            let (json, _) = taskdef::to_json(&model, service, &values);
            let json: serde_json::Value = serde_json::from_str(&json).expect("JSON parses");
            assert_eq!(
                from_hcl, json["containerDefinitions"],
                "{example}: {}",
                service.name
            );
        }
    }
}

/// Strings that look like Terraform templates come back from the emitted
/// HCL as the text written in the `.svc` file (parsed by hcl-rs, which
/// reads templates as Terraform does).
#[test]
fn template_markers_read_back_as_written() {
    let model = model_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/template_markers.svc"),
    );
    let module = terraform::emit(&model);
    let files: std::collections::BTreeMap<&str, serde_json::Value> = module
        .iter()
        .map(|f| {
            let v = hcl::from_str(&f.content)
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", f.path, f.content));
            (f.path.as_str(), v)
        })
        .collect();
    assert_eq!(
        files["variables.tf"]["variable"]["vpc_id"]["description"],
        "VPC $%{ if true }x%{ endif } and %${ var.x } and $${ y }"
    );
    let main = &files["main.tf"]["resource"];
    assert_eq!(
        main["aws_service_discovery_private_dns_namespace"]["internal"]["description"],
        "a%{b} ${c} $$${d} %%{e}"
    );
    assert_eq!(main["aws_ecs_service"]["web"]["tags"]["note"], "%$%${x}");
    // Inside `jsonencode(...)` (which hcl-rs does not evaluate) the value is
    // the same escaped literal.
    let main_tf = &module.iter().find(|f| f.path == "main.tf").unwrap().content;
    assert!(main_tf.contains(r#"value = "$%%{ hello }""#), "{main_tf}");
    let (json, _) = taskdef::to_json(&model, &model.services[0], &DeployValues::default());
    assert!(json.contains(r#""value": "$%{ hello }""#), "{json}");
}

/// Each input a fuzz target once failed on (tests/cases/fuzz/TARGET-*,
/// the bytes as found) passes that target's checks now.
#[test]
fn fuzz_regressions_hold() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/fuzz");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/cases/fuzz") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8(bytes).expect("fuzz inputs that reached svc are UTF-8");
        let mut diags = Diagnostics::new();
        let model = svc::compile_source(Source::new(name.clone(), text), &mut diags);
        assert!(
            model.is_some() != diags.has_errors(),
            "{name}: model and errors"
        );
        let _ = diags.render(false);
        if let (true, Some(model)) = (name.starts_with("emit-"), model) {
            for file in terraform::emit(&model) {
                if let Err(e) = hcl::parse(&file.content) {
                    panic!(
                        "{name}: {} does not parse back: {e}\n{}",
                        file.path, file.content
                    );
                }
            }
            for service in &model.services {
                let (json, _) = taskdef::to_json(&model, service, &DeployValues::default());
                serde_json::from_str::<serde_json::Value>(&json).expect("task JSON");
            }
        }
        count += 1;
    }
    assert!(count > 0, "no fuzz regression inputs in {}", dir.display());
}
