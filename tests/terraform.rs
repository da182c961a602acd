//! The emitted modules against real tools: `terraform fmt`, `init` and
//! `validate` with the real AWS provider, and `apply` against a moto server
//! started by the test, read back through the AWS API.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use support::{aws_py, terraform_ok, Moto};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `svc compile` (the real binary) on `file` into `out`.
fn compile_file(file: &Path, out: &Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_svc"))
        .arg("compile")
        .arg(file)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .expect("svc runs");
    assert!(
        status.status.success(),
        "svc compile {} failed:\n{}",
        file.display(),
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Runs `svc compile` on an example into `out`.
fn compile(example: &str, out: &Path, extra: &[&str]) {
    compile_file(&root().join("examples").join(example), out, extra);
}

/// Every example and every valid fixture: the emitted module is
/// `terraform fmt` clean and passes `terraform validate` with the real AWS
/// provider. The fixtures cover names that would collide if derived naively.
#[test]
fn every_example_and_valid_fixture_validates_with_the_real_provider() {
    let _guard = support::serial();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["examples", "tests/cases/valid"] {
        for entry in std::fs::read_dir(root().join(dir)).expect("directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "svc") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("module");
        compile_file(&file, &out, &[]);
        let name = file.display().to_string();
        // `fmt -check` lists unformatted files and exits 3.
        let listed = terraform_ok(&out, &["fmt", "-check", "-recursive"]);
        assert!(listed.trim().is_empty(), "{name}: not fmt-clean: {listed}");
        terraform_ok(&out, &["init", "-backend=false"]);
        let validated = support::terraform(&out, &["validate", "-json"]);
        let report: Value =
            serde_json::from_slice(&validated.stdout).expect("validate -json prints JSON");
        assert_eq!(report["valid"], true, "{name}: {report:#}");
        assert_eq!(report["warning_count"], 0, "{name}: {report:#}");
    }
}

/// Finds the one item of `items` whose `key` equals `value`.
fn find<'a>(items: &'a Value, key: &str, value: &str) -> &'a Value {
    items
        .as_array()
        .and_then(|a| a.iter().find(|i| i[key] == value))
        .unwrap_or_else(|| panic!("no item with {key} = {value} in {items:#}"))
}

#[test]
fn seed_example_applies_on_moto_and_reads_back() {
    let _guard = support::serial();
    let moto = Moto::start();
    let network = aws_py(&moto, &["network"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("module");
    compile(
        "service_discovery.svc",
        &out,
        &["--account-id", "123456789012"],
    );

    // A root module around the emitted one: the provider pointed at moto.
    let stack = dir.path().join("stack");
    std::fs::create_dir(&stack).expect("mkdir");
    let main = format!(
        "{}\nmodule \"svc\" {{\n  source            = {:?}\n  vpc_id            = {:?}\n  subnet_ids        = {}\n  security_group_id = {:?}\n}}\n",
        moto.provider_hcl(),
        out.display().to_string(),
        network["vpc_id"].as_str().expect("vpc"),
        network["subnet_ids"],
        network["security_group_id"].as_str().expect("sg"),
    );
    std::fs::write(stack.join("main.tf"), main).expect("write main.tf");
    terraform_ok(&stack, &["init"]);
    terraform_ok(&stack, &["apply", "-auto-approve"]);

    // The namespace.
    let namespaces = aws_py(&moto, &["describe-namespaces"]);
    let ns = find(&namespaces, "Name", "internal.local");
    assert_eq!(ns["Type"], "DNS_PRIVATE");
    assert_eq!(ns["Description"], "Service Discovery Example");

    // The discovery service: A record, TTL 10, MULTIVALUE, custom health.
    let services = aws_py(&moto, &["describe-discovery-services"]);
    let sd = find(&services, "Name", "service-b");
    let sd_namespace = if sd["NamespaceId"].is_null() {
        &sd["DnsConfig"]["NamespaceId"]
    } else {
        &sd["NamespaceId"]
    };
    assert_eq!(sd_namespace, &ns["Id"], "{sd:#}");
    assert_eq!(sd["DnsConfig"]["RoutingPolicy"], "MULTIVALUE");
    assert_eq!(
        sd["DnsConfig"]["DnsRecords"],
        json!([{"Type": "A", "TTL": 10}])
    );
    assert_eq!(sd["HealthCheckCustomConfig"]["FailureThreshold"], 1);

    // The task definition.
    let taskdefs = aws_py(&moto, &["describe-task-definitions"]);
    let td = taskdefs
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|t| t["taskDefinition"]["family"] == "service_b")
        })
        .map(|t| &t["taskDefinition"])
        .unwrap_or_else(|| panic!("no task definition service_b in {taskdefs:#}"));
    assert_eq!(td["cpu"], "256");
    assert_eq!(td["memory"], "512");
    assert_eq!(td["networkMode"], "awsvpc");
    assert_eq!(td["requiresCompatibilities"], json!(["FARGATE"]));
    assert_eq!(
        td["executionRoleArn"],
        "arn:aws:iam::123456789012:role/service_b-execution"
    );
    let container = &td["containerDefinitions"][0];
    assert_eq!(container["name"], "service_b");
    assert_eq!(container["image"], "nginx:latest");
    assert_eq!(container["memoryReservation"], 512);
    assert_eq!(
        container["portMappings"],
        json!([{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}])
    );
    assert_eq!(
        container["healthCheck"],
        json!({
            "command": ["CMD-SHELL", "curl http://localhost/ || exit 1"],
            "interval": 5, "timeout": 5, "retries": 3, "startPeriod": 60
        })
    );
    assert_eq!(
        container["logConfiguration"],
        json!({
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/service_b",
                "awslogs-region": "ap-northeast-1",
                "awslogs-stream-prefix": "ecs"
            }
        })
    );

    // The ECS service: 2 tasks on Fargate, registered in Cloud Map.
    let ecs = aws_py(&moto, &["describe-ecs-services"]);
    let svc = find(&ecs, "serviceName", "service_b");
    assert_eq!(svc["desiredCount"], 2);
    assert_eq!(svc["launchType"], "FARGATE");
    assert_eq!(svc["serviceRegistries"][0]["registryArn"], sd["Arn"]);
    let net = &svc["networkConfiguration"]["awsvpcConfiguration"];
    assert_eq!(net["assignPublicIp"], "ENABLED");
    assert_eq!(net["securityGroups"], json!([network["security_group_id"]]));

    // What the module creates beyond the seed: log group and execution role.
    let groups = aws_py(&moto, &["describe-log-groups"]);
    assert_eq!(
        find(&groups, "logGroupName", "/ecs/service_b")["retentionInDays"],
        30
    );
    let roles = aws_py(&moto, &["describe-iam-roles"]);
    let role = find(&roles, "RoleName", "service_b-execution");
    assert!(
        role.to_string()
            .contains("AmazonECSTaskExecutionRolePolicy"),
        "execution policy not attached: {role:#}"
    );

    // The task-definition JSON registers through the ECS API and reads back
    // with the same content.
    let json_path = out.join("taskdefs/service_b.json");
    let ours: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("parse");
    let registered = aws_py(
        &moto,
        &[
            "register-task-definition",
            json_path.to_str().expect("utf-8"),
        ],
    );
    let described = &registered["described"];
    for key in [
        "family",
        "executionRoleArn",
        "networkMode",
        "requiresCompatibilities",
        "cpu",
        "memory",
    ] {
        assert_eq!(described[key], ours[key], "{key}");
    }
    let theirs = &described["containerDefinitions"][0];
    for (key, value) in ours["containerDefinitions"][0].as_object().expect("object") {
        assert_eq!(&theirs[key], value, "containerDefinitions[0].{key}");
    }
    // ... and equals what Terraform registered from the same model.
    assert_eq!(
        td["containerDefinitions"][0]["healthCheck"],
        theirs["healthCheck"]
    );
}
