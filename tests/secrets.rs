//! No secret value leaves svc: the language holds only references
//! (`secrets { NAME = ARN or SSM name }`, emitted as `valueFrom`), and a
//! value written there by mistake is rejected without being repeated.

use svc::diagnostic::{Diagnostics, Source};
use svc::emit::{taskdef, terraform, DeployValues};

/// A secret value pasted where a reference belongs: the error's message,
/// help and label never repeat it (only the quoted source line shows it,
/// once, because the file holds it), and neither does the JSON output.
#[test]
fn a_pasted_secret_value_is_not_repeated_by_diagnostics() {
    let value = "s3cr3t-P@ss!";
    let text = format!(
        "service web {{\n  size = {{ cpu = 256, memory = 512MiB }}\n  network {{ subnets = [\"s\"], egress = nat }}\n  container app {{\n    image = \"x\"\n    secrets {{ DB = \"{value}\" }}\n  }}\n}}\n"
    );
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new("web.svc", text), &mut diags);
    assert!(model.is_none());
    assert_eq!(diags.codes(), ["svc::secrets::value_from"]);
    assert!(!diags.messages().contains(value), "{}", diags.messages());
    let json = diags.to_json().to_string();
    assert!(!json.contains(value), "{json}");
    let rendered = diags.render(false);
    assert_eq!(rendered.matches(value).count(), 1, "{rendered}");
}

/// Every secret of the examples reaches the outputs only as a `valueFrom`
/// reference and in the execution role's policy, never as an environment
/// value.
#[test]
fn secrets_are_emitted_only_as_references() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("examples/two_services.svc");
    let text = std::fs::read_to_string(&path).expect("example");
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new("two_services.svc", text), &mut diags)
        .expect("example checks");
    let mut seen = 0;
    for service in &model.services {
        let (json, _) = taskdef::to_json(&model, service, &DeployValues::default());
        let def: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        for (container, c) in service
            .containers
            .iter()
            .zip(def["containerDefinitions"].as_array().expect("containers"))
        {
            for (name, reference) in &container.secrets {
                seen += 1;
                let entries: Vec<&serde_json::Value> = c["secrets"]
                    .as_array()
                    .expect("secrets")
                    .iter()
                    .filter(|s| s["name"] == name.as_str())
                    .collect();
                assert_eq!(entries.len(), 1, "{name}");
                let keys: Vec<&String> = entries[0].as_object().expect("object").keys().collect();
                assert_eq!(keys, ["name", "valueFrom"]);
                assert_eq!(entries[0]["valueFrom"], reference.as_str());
                let env = c["environment"].as_array().cloned().unwrap_or_default();
                assert!(
                    env.iter()
                        .all(|e| e["name"] != name.as_str() && e["value"] != reference.as_str()),
                    "{name} in the environment"
                );
            }
        }
    }
    assert!(seen >= 2, "the example has secrets");
    let main = terraform::emit(&model)
        .into_iter()
        .find(|f| f.path == "main.tf")
        .expect("main.tf");
    for service in &model.services {
        for container in &service.containers {
            for reference in container.secrets.values() {
                let uses: Vec<&str> = main
                    .content
                    .lines()
                    .filter(|l| l.contains(reference.as_str()))
                    .collect();
                assert!(!uses.is_empty());
                assert!(
                    uses.iter()
                        .all(|l| l.trim_start().starts_with("valueFrom") || l.contains("Resource")),
                    "{reference} used outside valueFrom and the policy: {uses:?}"
                );
            }
        }
    }
}

/// A credential written into `env` warns, naming the variable but never
/// the value (outside the quoted source line).
#[test]
fn a_credential_in_env_warns_without_repeating_it() {
    let value = "hunter2-xyz";
    let text = format!(
        "service web {{\n  size = {{ cpu = 256, memory = 512MiB }}\n  network {{ subnets = [\"s\"], egress = nat }}\n  container app {{\n    image = \"x\"\n    env {{ DB_PASSWORD = \"{value}\" }}\n  }}\n}}\n"
    );
    let mut diags = Diagnostics::new();
    svc::compile_source(Source::new("web.svc", text), &mut diags);
    assert_eq!(diags.codes(), ["svc::env::secret_value"]);
    assert!(diags.messages().contains("DB_PASSWORD"));
    assert!(!diags.messages().contains(value));
    assert!(!diags.to_json().to_string().contains(value));
    assert_eq!(diags.render(false).matches(value).count(), 1);
}
