//! `svc plan`, `apply`, `destroy` and `status` against a moto server the
//! tests start on loopback; and parity with `terraform apply` of the
//! compiled module.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{aws_py, terraform_ok, Moto};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_text(name: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(name)).expect("example")
}

/// A tfvars JSON file for an example's inputs (those without a default)
/// from `aws.py network`.
fn var_file(dir: &Path, example: &str, net: &Value) -> PathBuf {
    let mut diags = svc::diagnostic::Diagnostics::new();
    let model = svc::compile_source(
        svc::diagnostic::Source::new(example, example_text(example)),
        &mut diags,
    )
    .expect("example compiles");
    let mut vars = serde_json::Map::new();
    for input in model.inputs.iter().filter(|i| i.default.is_none()) {
        let name = input.name.as_str();
        let value = if name.contains("subnet") {
            net["subnet_ids"].clone()
        } else if name.contains("vpc") {
            net["vpc_id"].clone()
        } else if name.contains("sg") || name.contains("security_group") {
            net["security_group_id"].clone()
        } else {
            panic!("no test value for input {name}");
        };
        vars.insert(name.to_string(), value);
    }
    let path = dir.join(format!("{example}.tfvars.json"));
    std::fs::write(&path, Value::Object(vars).to_string()).expect("write tfvars");
    path
}

/// Runs the svc binary with moto's environment.
fn svc(moto: &Moto, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_svc"));
    cmd.args(args)
        .envs(moto.env())
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd.output().expect("svc runs")
}

fn text(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// `svc VERB FILE --var-file VARS --endpoint-url ... EXTRA`, with the
/// request counts read back.
fn run(moto: &Moto, verb: &str, file: &Path, vars: &Path, extra: &[&str]) -> (Output, Value) {
    let log = tempfile::NamedTempFile::new().expect("temp");
    let mut args = vec![
        verb,
        file.to_str().unwrap(),
        "--var-file",
        vars.to_str().unwrap(),
        "--endpoint-url",
        &moto.endpoint,
        "--call-log",
        log.path().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = svc(moto, &args);
    let calls: Value = std::fs::read_to_string(log.path())
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (out, calls)
}

/// A copy of an example (same file name, so the same stack) in `dir`,
/// with `edit` applied.
fn copy_example(dir: &Path, example: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let path = dir.join(example);
    std::fs::write(&path, edit(example_text(example))).expect("write");
    path
}

#[test]
fn apply_every_example_from_empty_then_nothing_changes() {
    let _g = support::serial();
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    for example in ["service_discovery.svc", "two_services.svc"] {
        // Both examples declare `internal.local`: one stack per empty moto.
        moto.reset();
        let net = aws_py(&moto, &["network"]);
        let vars = var_file(dir.path(), example, &net);
        let file = root().join("examples").join(example);
        let (out, calls) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
        assert_eq!(code(&out), 0, "{example}: first apply\n{}", text(&out));
        assert!(calls["mutating"].as_u64().unwrap_or(0) > 0, "{calls}");

        let (out, _) = run(&moto, "plan", &file, &vars, &[]);
        assert_eq!(code(&out), 0, "{example}: second plan\n{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("No changes"),
            "{}",
            text(&out)
        );

        let (out, calls) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
        assert_eq!(code(&out), 0, "{example}: second apply\n{}", text(&out));
        assert_eq!(
            calls["mutating"], 0,
            "{example}: second apply mutated: {calls:#}"
        );

        let (out, _) = run(&moto, "status", &file, &vars, &[]);
        assert_eq!(code(&out), 0, "{}", text(&out));
        let status = String::from_utf8_lossy(&out.stdout);
        assert!(status.contains("tasks: "), "{status}");
        assert!(
            status.contains("discovery service-b.internal.local"),
            "{status}"
        );

        // Exactly one of each: nothing duplicated.
        let namespaces = aws_py(&moto, &["describe-namespaces"]);
        assert_eq!(namespaces.as_array().unwrap().len(), 1, "{namespaces:#}");
        let services = support::active_ecs_services(&moto);
        let expected = if example == "two_services.svc" { 2 } else { 1 };
        assert_eq!(services.len(), expected, "{services:#?}");
    }
}

#[test]
fn updates_plan_exactly_the_changed_fields_and_converge() {
    let _g = support::serial();
    let moto = Moto::start();
    let net = aws_py(&moto, &["network"]);
    let dir = tempfile::tempdir().unwrap();
    let example = "service_discovery.svc";
    let vars = var_file(dir.path(), example, &net);
    let file = copy_example(dir.path(), example, |t| t);
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    copy_example(dir.path(), example, |t| {
        t.replace("replicas = 2", "replicas = 3")
            .replace("\"nginx:latest\"", "\"nginx:1.27\"")
            .replace("ttl               = 10s", "ttl               = 30s")
            .replace("interval     = 5s", "interval     = 10s")
    });
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut changed: Vec<&str> = plan
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(|l| l.trim().split(':').next().unwrap_or(""))
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        [
            "containerDefinitions[service_b].healthCheck.interval",
            "containerDefinitions[service_b].image",
            "desired_count",
            "revision",
            "task_definition",
            "ttl",
        ],
        "{plan}"
    );
    for expected in [
        "ttl: 10 → 30",
        "desired_count: 2 → 3",
        "containerDefinitions[service_b].image: nginx:latest → nginx:1.27",
        "containerDefinitions[service_b].healthCheck.interval: 5 → 10",
    ] {
        assert!(plan.contains(expected), "missing `{expected}` in\n{plan}");
    }
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    let sd = aws_py(&moto, &["describe-discovery-services"]);
    assert_eq!(
        sd[0]["DnsConfig"]["DnsRecords"],
        json!([{"Type": "A", "TTL": 30}])
    );
    let services = support::active_ecs_services(&moto);
    assert_eq!(services[0]["desiredCount"], 3);
    assert!(
        services[0]["taskDefinition"]
            .as_str()
            .unwrap()
            .ends_with("service_b:2"),
        "{:#}",
        services[0]
    );
}

#[test]
fn unowned_resources_with_the_same_name_are_left_untouched() {
    let _g = support::serial();
    let moto = Moto::start();
    let net = aws_py(&moto, &["network"]);
    let dir = tempfile::tempdir().unwrap();
    let example = "service_discovery.svc";
    let vars = var_file(dir.path(), example, &net);
    let file = root().join("examples").join(example);
    // Someone else's namespace and log group with svc's names.
    support::python(
        &moto,
        &format!(
            "sd = c('servicediscovery')\nsd.create_private_dns_namespace(Name='internal.local', Vpc='{}', Description='theirs')\nc('logs').create_log_group(logGroupName='/ecs/service_b')\nprint('null')",
            net["vpc_id"].as_str().unwrap()
        ),
    );
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        plan.contains("! namespace internal.local: not owned"),
        "{plan}"
    );
    assert!(
        plan.contains("! log-group /ecs/service_b: not owned"),
        "{plan}"
    );

    let (out, calls) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("apply refused"),
        "{}",
        text(&out)
    );
    assert_eq!(calls["mutating"], 0, "{calls:#}");
    let namespaces = aws_py(&moto, &["describe-namespaces"]);
    assert_eq!(namespaces.as_array().unwrap().len(), 1);
    assert_eq!(namespaces[0]["Description"], "theirs");
    assert!(support::active_ecs_services(&moto).is_empty());

    // destroy does not touch them either.
    let (out, calls) = run(&moto, "destroy", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(calls["mutating"], 0, "{calls:#}");
    assert_eq!(
        aws_py(&moto, &["describe-namespaces"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn prune_removes_a_deleted_service_and_destroy_removes_everything_owned() {
    let _g = support::serial();
    let moto = Moto::start();
    let net = aws_py(&moto, &["network"]);
    let dir = tempfile::tempdir().unwrap();
    let example = "two_services.svc";
    let vars = var_file(dir.path(), example, &net);
    let file = copy_example(dir.path(), example, |t| t);
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    // A foreign log group that must survive.
    support::python(
        &moto,
        "c('logs').create_log_group(logGroupName='/theirs')\nprint('null')",
    );

    // service_b leaves the file.
    copy_example(dir.path(), example, |t| {
        let cut = t.find("service service_b").unwrap();
        t[..cut].replace("service_b.dns_name", "\"service-b.internal.local\"")
    });
    // Without --prune it stays, and the plan says nothing about it.
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let (out, _) = run(&moto, "plan", &file, &vars, &["--prune"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve", "--prune"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let services = support::active_ecs_services(&moto);
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["serviceName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["service_a"]);
    let sd = aws_py(&moto, &["describe-discovery-services"]);
    let sd_names: Vec<&str> = sd
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(sd_names, ["service-a"]);
    let roles = aws_py(&moto, &["describe-iam-roles"]);
    assert!(
        !roles.to_string().contains("service_b-execution"),
        "{roles:#}"
    );
    assert!(
        roles.to_string().contains("service_a-execution"),
        "{roles:#}"
    );
    let (out, _) = run(&moto, "plan", &file, &vars, &["--prune"]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    // destroy: nothing owned is left, the foreign group is.
    let (out, _) = run(&moto, "destroy", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(support::active_ecs_services(&moto).is_empty());
    assert_eq!(aws_py(&moto, &["describe-namespaces"]), json!([]));
    assert_eq!(aws_py(&moto, &["describe-discovery-services"]), json!([]));
    let groups = aws_py(&moto, &["describe-log-groups"]);
    let group_names: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["logGroupName"].as_str().unwrap())
        .collect();
    assert_eq!(group_names, ["/theirs"]);
    let roles = aws_py(&moto, &["describe-iam-roles"]);
    assert!(!roles.to_string().contains("-execution"), "{roles:#}");
    let tds = aws_py(&moto, &["describe-task-definitions"]);
    assert!(
        tds.as_array()
            .unwrap()
            .iter()
            .all(|t| t["taskDefinition"]["status"] != "ACTIVE"),
        "{tds:#}"
    );
    let (out, calls) = run(&moto, "destroy", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(calls["mutating"], 0, "{calls:#}");
}

#[test]
fn an_apply_killed_after_the_namespace_is_created_converges_on_rerun() {
    let _g = support::serial();
    let moto = Moto::start();
    let net = aws_py(&moto, &["network"]);
    let dir = tempfile::tempdir().unwrap();
    let example = "service_discovery.svc";
    let vars = var_file(dir.path(), example, &net);
    let file = root().join("examples").join(example);
    let mut child = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args([
            "apply",
            file.to_str().unwrap(),
            "--var-file",
            vars.to_str().unwrap(),
            "--endpoint-url",
            &moto.endpoint,
            "--auto-approve",
        ])
        .envs(moto.env())
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("SVC_APPLY_WAVE_PAUSE_MS", "5000")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn svc");
    let stderr = child.stderr.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap_or_default();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("created namespace internal.local") {
            break;
        }
        assert!(Instant::now() < deadline, "no namespace line:\n{seen}");
    }
    assert!(seen.contains("created namespace internal.local"), "{seen}");
    child.kill().expect("kill -9");
    let _ = child.wait();
    // Killed before the ECS service.
    assert!(support::active_ecs_services(&moto).is_empty());
    assert_eq!(
        aws_py(&moto, &["describe-namespaces"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("= namespace internal.local: unchanged"),
        "{}",
        text(&out)
    );
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        aws_py(&moto, &["describe-namespaces"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        aws_py(&moto, &["describe-discovery-services"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(support::active_ecs_services(&moto).len(), 1);
    let tds = aws_py(&moto, &["describe-task-definitions"]);
    assert_eq!(tds.as_array().unwrap().len(), 1, "{tds:#}");
}

#[test]
fn missing_and_ill_typed_inputs_fail_before_any_api_call() {
    // No moto at all: the error must come before any connection.
    let file = root().join("examples").join("service_discovery.svc");
    let out = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args([
            "plan",
            file.to_str().unwrap(),
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_REGION", "ap-northeast-1")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no value for input(s) vpc_id, subnet_ids, security_group_id"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_svc"))
        .args([
            "plan",
            file.to_str().unwrap(),
            "--var",
            "vpc_id=vpc-1",
            "--var",
            "subnet_ids=subnet-1",
            "--var",
            "security_group_id=sg-1",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("subnet_ids"),
        "{}",
        text(&out)
    );
}

/// Requests moto has logged so far.
fn moto_requests(moto: &Moto) -> usize {
    moto.log()
        .lines()
        .filter(|l| l.contains("\"POST ") || l.contains("\"GET "))
        .filter(|l| !l.contains("/moto-api"))
        .count()
}

/// Drops nulls, empty lists and empty objects, recursively.
fn strip(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(strip).filter(|x| !x.is_null()).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), strip(v)))
                .filter(|(_, v)| !v.is_null() && *v != json!([]) && *v != json!({}))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn sorted(mut items: Vec<Value>) -> Value {
    items.sort_by_key(|v| v.to_string());
    Value::Array(items)
}

/// The state both tools should produce, without ids, ARNs' random parts,
/// tags and timestamps.
fn normalised_state(moto: &Moto) -> Value {
    let namespaces = aws_py(moto, &["describe-namespaces"]);
    let ns_name = |id: &Value| -> Value {
        namespaces
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["Id"] == *id)
            .map(|n| n["Name"].clone())
            .unwrap_or(Value::Null)
    };
    let discovery = aws_py(moto, &["describe-discovery-services"]);
    // Terraform's provider sends the namespace inside DnsConfig; moto
    // then reports it only there.
    let sd_ns = |s: &Value| -> Value {
        if s["NamespaceId"].is_null() {
            ns_name(&s["DnsConfig"]["NamespaceId"])
        } else {
            ns_name(&s["NamespaceId"])
        }
    };
    let sd_name = |arn: &Value| -> Value {
        discovery
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Arn"] == *arn)
            .map(|s| {
                json!(format!(
                    "{}.{}",
                    s["Name"].as_str().unwrap(),
                    sd_ns(s).as_str().unwrap_or("?")
                ))
            })
            .unwrap_or(Value::Null)
    };
    let tds = aws_py(moto, &["describe-task-definitions"]);
    let ecs = support::active_ecs_services(moto);
    let groups = aws_py(moto, &["describe-log-groups"]);
    let roles = aws_py(moto, &["describe-iam-roles"]);
    json!({
        "namespaces": sorted(namespaces.as_array().unwrap().iter().map(|n| json!({
            "name": n["Name"], "type": n["Type"], "description": n["Description"],
        })).collect()),
        "discovery": sorted(discovery.as_array().unwrap().iter().map(|s| json!({
            "name": s["Name"],
            "namespace": sd_ns(s),
            "routing": s["DnsConfig"]["RoutingPolicy"],
            "records": s["DnsConfig"]["DnsRecords"],
            "custom_health": !s["HealthCheckCustomConfig"].is_null(),
        })).collect()),
        "task_definitions": sorted(tds.as_array().unwrap().iter()
            .map(|t| &t["taskDefinition"])
            .filter(|t| t["status"] == "ACTIVE")
            .map(|t| strip(&json!({
                "family": t["family"], "revision": t["revision"], "cpu": t["cpu"], "memory": t["memory"],
                "networkMode": t["networkMode"], "requiresCompatibilities": t["requiresCompatibilities"],
                "executionRoleArn": t["executionRoleArn"], "taskRoleArn": t["taskRoleArn"],
                "ephemeralStorage": t["ephemeralStorage"],
                "containerDefinitions": t["containerDefinitions"],
            }))).collect()),
        "ecs_services": sorted(ecs.iter().map(|s| {
            let net = &s["networkConfiguration"]["awsvpcConfiguration"];
            let mut subnets: Vec<Value> = net["subnets"].as_array().cloned().unwrap_or_default();
            subnets.sort_by_key(|v| v.to_string());
            json!({
                "name": s["serviceName"],
                "cluster": s["clusterArn"].as_str().unwrap().rsplit('/').next(),
                "desired_count": s["desiredCount"],
                "launch_type": s["launchType"],
                "task_definition": s["taskDefinition"].as_str().unwrap().rsplit('/').next(),
                "subnets": subnets,
                "security_groups": sorted(net["securityGroups"].as_array().cloned().unwrap_or_default()),
                "public_ip": net["assignPublicIp"],
                "registries": s["serviceRegistries"].as_array().unwrap().iter().map(|r| json!({
                    "discovery": sd_name(&r["registryArn"]),
                    "container_name": r["containerName"], "container_port": r["containerPort"],
                })).collect::<Vec<_>>(),
            })
        }).collect()),
        "log_groups": sorted(groups.as_array().unwrap().iter().map(|g| json!({
            "name": g["logGroupName"], "retention": g["retentionInDays"],
        })).collect()),
        "roles": sorted(roles.as_array().unwrap().iter().map(|r| {
            let policies: Vec<Value> = r["AttachedPolicies"].as_array().cloned().unwrap_or_default()
                .iter().map(|p| p["PolicyArn"].clone()).collect();
            json!({ "name": r["RoleName"], "trust": r["AssumeRolePolicyDocument"], "policies": sorted(policies) })
        }).collect()),
    })
}

#[test]
fn svc_apply_and_terraform_apply_lead_to_the_same_state() {
    let _g = support::serial();
    for example in ["service_discovery.svc", "two_services.svc"] {
        let dir = tempfile::tempdir().unwrap();
        // svc apply on one moto...
        let ours = Moto::start();
        let net = aws_py(&ours, &["network"]);
        let vars = var_file(dir.path(), example, &net);
        let file = root().join("examples").join(example);
        let before = moto_requests(&ours);
        let start = Instant::now();
        let (out, calls) = run(&ours, "apply", &file, &vars, &["--auto-approve"]);
        let svc_time = start.elapsed();
        assert_eq!(code(&out), 0, "{}", text(&out));
        let svc_requests = moto_requests(&ours) - before;
        // A second apply changes nothing and only reads.
        let start = Instant::now();
        let (out, noop) = run(&ours, "apply", &file, &vars, &["--auto-approve"]);
        let noop_time = start.elapsed();
        assert_eq!(code(&out), 0, "{}", text(&out));
        assert_eq!(noop["mutating"], 0, "{noop:#}");

        // ...terraform apply of the compiled module on another, with the
        // same network ids (moto's ids are deterministic per server).
        let theirs = Moto::start();
        let net2 = aws_py(&theirs, &["network"]);
        let module = dir.path().join("module");
        let compiled = Command::new(env!("CARGO_BIN_EXE_svc"))
            .args([
                "compile",
                file.to_str().unwrap(),
                "-o",
                module.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(compiled.status.success(), "{}", text(&compiled));
        let stack = dir.path().join("stack");
        std::fs::create_dir(&stack).unwrap();
        let tfvars: Value = serde_json::from_str(
            &std::fs::read_to_string(var_file(dir.path(), example, &net2)).unwrap(),
        )
        .unwrap();
        let mut main = format!(
            "{}\nmodule \"svc\" {{\n  source = {:?}\n",
            theirs.provider_hcl(),
            module.display().to_string()
        );
        for (k, v) in tfvars.as_object().unwrap() {
            main.push_str(&format!("  {k} = {v}\n"));
        }
        main.push_str("}\n");
        std::fs::write(stack.join("main.tf"), main).unwrap();
        terraform_ok(&stack, &["init"]);
        let before = moto_requests(&theirs);
        let start = Instant::now();
        terraform_ok(&stack, &["apply", "-auto-approve"]);
        let tf_time = start.elapsed();
        let tf_requests = moto_requests(&theirs) - before;

        let a = normalised_state(&ours);
        let b = normalised_state(&theirs);
        // Network ids differ per server only if moto's ids are random:
        // compare with each server's own ids replaced by names.
        let replace = |state: &Value, net: &Value| -> Value {
            let mut text = state.to_string();
            text = text.replace(net["vpc_id"].as_str().unwrap(), "VPC");
            text = text.replace(net["security_group_id"].as_str().unwrap(), "SG");
            for (i, s) in net["subnet_ids"].as_array().unwrap().iter().enumerate() {
                text = text.replace(s.as_str().unwrap(), &format!("SUBNET{i}"));
            }
            let mut state: Value = serde_json::from_str(&text).unwrap();
            // Subnets are a set: compare them sorted by the replaced names.
            for service in state["ecs_services"].as_array_mut().unwrap() {
                if let Some(subnets) = service["subnets"].as_array_mut() {
                    subnets.sort_by_key(|v| v.to_string());
                }
            }
            state
        };
        let (a, b) = (replace(&a, &net), replace(&b, &net2));
        assert_eq!(
            a, b,
            "{example}: svc (left) and terraform (right) differ\nsvc: {a:#}\nterraform: {b:#}"
        );
        assert!(!a["ecs_services"].as_array().unwrap().is_empty());
        // The same tags on the same resources, apart from svc's ownership tags.
        let user_tags = |moto: &Moto| -> std::collections::BTreeMap<String, Value> {
            let mut tags = all_tags(moto);
            for t in tags.values_mut() {
                let t = t.as_object_mut().unwrap();
                t.remove("managed-by");
                t.remove("svc:stack");
            }
            tags
        };
        let (a, b) = (user_tags(&ours), user_tags(&theirs));
        assert_eq!(
            a, b,
            "{example}: tags of svc (left) and terraform (right) differ"
        );
        if example == "two_services.svc" {
            assert_eq!(a["cluster apps"], json!({"team": "platform"}), "{a:#?}");
            assert_eq!(
                a["ecs-service service_b"],
                json!({"service": "b"}),
                "{a:#?}"
            );
        }
        eprintln!(
            "MEASURE {example}: svc apply {:.2}s, {svc_requests} requests ({} by svc's counter, {} mutating); no-op svc apply {:.2}s, {} requests; terraform apply {:.2}s, {tf_requests} requests",
            svc_time.as_secs_f64(),
            calls["total"],
            calls["mutating"],
            noop_time.as_secs_f64(),
            noop["total"],
            tf_time.as_secs_f64(),
        );
    }
}

/// A network for `tests/cases/valid/calls_apply.svc`: its input values, and
/// the security groups of web, extra and api (without rules).
fn calls_network(moto: &Moto) -> (Value, [String; 3]) {
    let net = aws_py(moto, &["network"]);
    let vpc = net["vpc_id"].as_str().unwrap();
    let group = |name: &str| {
        aws_py(moto, &["security-group", vpc, name])
            .as_str()
            .unwrap()
            .to_string()
    };
    let groups = [group("web"), group("extra"), group("api")];
    let values = json!({
        "vpc_id": vpc,
        "subnet_ids": net["subnet_ids"],
        "web_sg": groups[0],
        "extra_sg": groups[1],
        "api_sg": groups[2],
    });
    (values, groups)
}

/// `calls_apply.svc` set up on `moto`: its network, a temporary directory
/// with the input values in `vars.json`, the path of a copy of the file
/// (written by the test), and the file's text.
struct CallsProject {
    _dir: tempfile::TempDir,
    vars: PathBuf,
    file: PathBuf,
    source: String,
    /// The security groups of web, extra and api.
    groups: [String; 3],
}

fn calls_project(moto: &Moto) -> CallsProject {
    let (values, groups) = calls_network(moto);
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("vars.json");
    std::fs::write(&vars, values.to_string()).unwrap();
    CallsProject {
        vars,
        file: dir.path().join("calls_apply.svc"),
        source: std::fs::read_to_string(root().join("tests/cases/valid/calls_apply.svc")).unwrap(),
        groups,
        _dir: dir,
    }
}

/// The environment of the first container of the active `family`.
fn container_environment(moto: &Moto, family: &str) -> Value {
    let tds = aws_py(moto, &["describe-task-definitions"]);
    tds.as_array()
        .unwrap()
        .iter()
        .filter(|t| t["taskDefinition"]["family"] == family)
        .filter(|t| t["taskDefinition"]["status"] == "ACTIVE")
        .map(|t| t["taskDefinition"]["containerDefinitions"][0]["environment"].clone())
        .next_back()
        .unwrap_or_else(|| panic!("no task definition of {family}: {tds:#}"))
}

/// `calls = [api]` through Terraform: `terraform apply` of the compiled
/// module creates the same ingress rules and `API_ADDR` as `svc apply`.
#[test]
fn terraform_apply_of_calls_creates_the_rules_and_the_variable() {
    let _g = support::serial();
    let moto = Moto::start();
    let (values, [web_sg, extra_sg, api_sg]) = calls_network(&moto);
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let file = root().join("tests/cases/valid/calls_apply.svc");
    let compiled = svc(
        &moto,
        &[
            "compile",
            file.to_str().unwrap(),
            "-o",
            module.to_str().unwrap(),
        ],
    );
    assert!(compiled.status.success(), "{}", text(&compiled));
    let mut main = format!(
        "{}\nmodule \"svc\" {{\n  source = {:?}\n",
        moto.provider_hcl(),
        module.display().to_string()
    );
    for (k, v) in values.as_object().unwrap() {
        main.push_str(&format!("  {k} = {v}\n"));
    }
    main.push_str("}\n");
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    terraform_ok(dir.path(), &["init"]);
    terraform_ok(dir.path(), &["apply", "-auto-approve"]);
    let mut want = vec![
        (web_sg.clone(), 8080, "tcp".to_string(), false),
        (extra_sg.clone(), 8080, "tcp".to_string(), false),
    ];
    want.sort();
    assert_eq!(support::ingress_rules(&moto, &api_sg), want);
    assert_eq!(
        container_environment(&moto, "web"),
        json!([{"name": "API_ADDR", "value": "api.internal.local:8080"}])
    );
}

/// `calls = [api]`: apply gives web's task definition `API_ADDR` and adds
/// the ingress rules on api's group; an identical rule made by hand is used,
/// not duplicated; re-apply changes nothing; destroy removes only the rule
/// svc created.
#[test]
fn calls_add_the_address_variable_and_the_ingress_rules() {
    let _g = support::serial();
    let moto = Moto::start();
    let project = calls_project(&moto);
    let [web_sg, extra_sg, api_sg] = project.groups.clone();
    // By hand, before svc: the same rule as svc's for `extra`, and another.
    support::python(
        &moto,
        &format!(
            "ec2 = c('ec2')\nfor src, port in [('{extra_sg}', 8080), ('{web_sg}', 9999)]:\n    ec2.authorize_security_group_ingress(GroupId='{api_sg}', IpPermissions=[{{'IpProtocol': 'tcp', 'FromPort': port, 'ToPort': port, 'UserIdGroupPairs': [{{'GroupId': src}}]}}])\nprint('null')"
        ),
    );
    let (file, vars) = (project.file.clone(), project.vars.clone());
    std::fs::write(&file, &project.source).unwrap();

    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        plan.contains(&format!(
            "+ ingress-rule {api_sg} ← {web_sg} 8080/tcp: create"
        )),
        "{plan}"
    );
    assert!(
        plan.contains(&format!(
            "= ingress-rule {api_sg} ← {extra_sg} 8080/tcp: present, not owned"
        )),
        "{plan}"
    );

    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(support::ingress_rules(&moto, &api_sg), {
        let mut want = vec![
            (web_sg.clone(), 8080, "tcp".to_string(), true),
            (extra_sg.clone(), 8080, "tcp".to_string(), false),
            (web_sg.clone(), 9999, "tcp".to_string(), false),
        ];
        want.sort();
        want
    });
    assert_eq!(
        container_environment(&moto, "web"),
        json!([{"name": "API_ADDR", "value": "api.internal.local:8080"}])
    );

    let (out, calls) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(calls["mutating"], 0, "second apply mutated: {calls:#}");

    let (out, _) = run(&moto, "destroy", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(support::ingress_rules(&moto, &api_sg), {
        let mut want = vec![
            (extra_sg.clone(), 8080, "tcp".to_string(), false),
            (web_sg.clone(), 9999, "tcp".to_string(), false),
        ];
        want.sort();
        want
    });
}

/// Every tag of every resource in moto that svc tags: `KIND NAME` → tags.
fn all_tags(moto: &Moto) -> std::collections::BTreeMap<String, Value> {
    let got = support::python(
        moto,
        r#"def kv(ts, k='Key', v='Value'): return {t[k]: t[v] for t in ts}
out = {}
sd = c('servicediscovery')
for n in sd.list_namespaces()['Namespaces']:
    out['namespace ' + n['Name']] = kv(sd.list_tags_for_resource(ResourceARN=n['Arn']).get('Tags', []))
for s in sd.list_services()['Services']:
    out['discovery-service ' + s['Name']] = kv(sd.list_tags_for_resource(ResourceARN=s['Arn']).get('Tags', []))
ecs = c('ecs')
for arn in ecs.list_clusters()['clusterArns']:
    out['cluster ' + arn.split('/')[-1]] = kv(ecs.list_tags_for_resource(resourceArn=arn).get('tags', []), 'key', 'value')
    for s in ecs.describe_services(cluster=arn, services=ecs.list_services(cluster=arn)['serviceArns'], include=['TAGS'])['services']:
        if s['status'] == 'ACTIVE':
            out['ecs-service ' + s['serviceName']] = kv(s.get('tags', []), 'key', 'value')
for fam in ecs.list_task_definition_families(status='ACTIVE')['families']:
    td = ecs.describe_task_definition(taskDefinition=fam, include=['TAGS'])
    out['task-definition ' + fam] = kv(td.get('tags', []), 'key', 'value')
logs = c('logs')
for g in logs.describe_log_groups()['logGroups']:
    out['log-group ' + g['logGroupName']] = logs.list_tags_for_resource(resourceArn=g['arn'].removesuffix(':*')).get('tags', {})
iam = c('iam')
for r in iam.list_roles()['Roles']:
    out['iam-role ' + r['RoleName']] = kv(iam.list_role_tags(RoleName=r['RoleName']).get('Tags', []))
for r in c('ec2').describe_security_group_rules()['SecurityGroupRules']:
    if not r['IsEgress'] and r.get('ReferencedGroupInfo'):
        out['ingress-rule %s <- %s %d' % (r['GroupId'], r['ReferencedGroupInfo']['GroupId'], r['FromPort'])] = kv(r.get('Tags', []))
print(json.dumps(out))"#,
    );
    serde_json::from_value(got).expect("tags by resource")
}

/// The resources whose tag `key` is `value`.
fn tagged(tags: &std::collections::BTreeMap<String, Value>, key: &str, value: &str) -> Vec<String> {
    tags.iter()
        .filter(|(_, t)| t[key] == value)
        .map(|(r, _)| r.clone())
        .collect()
}

/// Tags added to and removed from the file are set and removed in place on
/// every resource that carries them (as `terraform apply` does), a tag added
/// by hand on an owned resource is removed, ownership tags stay, and the
/// next plan is empty.
#[test]
fn tag_changes_are_applied_in_place() {
    let _g = support::serial();
    let moto = Moto::start();
    let project = calls_project(&moto);
    let [web_sg, extra_sg, api_sg] = project.groups.clone();
    let (file, vars, original) = (
        project.file.clone(),
        project.vars.clone(),
        project.source.clone(),
    );
    std::fs::write(&file, &original).unwrap();
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let before = all_tags(&moto);
    assert!(
        tagged(&before, "owner", "payments").is_empty(),
        "{before:#?}"
    );
    // By hand, on a cluster svc created.
    support::python(
        &moto,
        "ecs = c('ecs')\narn = [a for a in ecs.list_clusters()['clusterArns'] if a.endswith('/api')][0]\necs.tag_resource(resourceArn=arn, tags=[{'key': 'hand', 'value': 'made'}])",
    );

    let edited = original
        .replace(
            "  calls = [api]\n",
            "  calls = [api]\n  tags { owner = \"payments\" }\n",
        )
        .replace(
            "  vpc    = input.vpc_id\n",
            "  vpc    = input.vpc_id\n  tags { owner = \"platform\" }\n",
        );
    std::fs::write(&file, &edited).unwrap();
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout).to_string();
    for line in [
        "~ namespace internal.local: update\n    tags[owner]: (none) → \"platform\"\n",
        "~ cluster api: update\n    tags[hand]: \"made\" → (none)\n",
        "~ ecs-service web: update\n    tags[owner]: (none) → \"payments\"\n",
        "Plan: 0 to create, 8 to update, 0 to delete",
    ] {
        assert!(plan.contains(line), "missing `{line}` in\n{plan}");
    }
    let (out, calls) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    // Tags only: no new task-definition revision, no service update.
    let calls = calls["calls"].to_string();
    assert!(!calls.contains("RegisterTaskDefinition"), "{calls}");
    assert!(!calls.contains("UpdateService"), "{calls}");

    let after = all_tags(&moto);
    let mut want = vec![
        "ecs-service web".to_string(),
        "iam-role web-execution".into(),
        format!("ingress-rule {api_sg} <- {extra_sg} 8080"),
        format!("ingress-rule {api_sg} <- {web_sg} 8080"),
        "log-group /ecs/web".into(),
        "task-definition web".into(),
    ];
    want.sort();
    assert_eq!(tagged(&after, "owner", "payments"), want, "{after:#?}");
    assert_eq!(
        tagged(&after, "owner", "platform"),
        ["namespace internal.local"],
        "{after:#?}"
    );
    assert_eq!(after["cluster api"].get("hand"), None, "{after:#?}");
    // Ownership tags are untouched everywhere.
    for (resource, tags) in &after {
        assert_eq!(tags["managed-by"], "svc", "{resource}: {tags}");
    }
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    // And removed again.
    std::fs::write(&file, &original).unwrap();
    let (out, _) = run(&moto, "apply", &file, &vars, &["--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let again = all_tags(&moto);
    assert_eq!(again, before);
    let (out, _) = run(&moto, "plan", &file, &vars, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// The actions of the first statement of the policy in docs/apply.md.
fn documented_actions() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/apply.md")).unwrap();
    let section = &doc[doc.find("## Permissions").expect("Permissions section")..];
    let start = section.find("```json\n").expect("policy block") + "```json\n".len();
    let end = start + section[start..].find("```").expect("end of block");
    let policy: Value = serde_json::from_str(&section[start..end]).expect("policy JSON");
    policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// A whole life cycle (create, update, retag, status, prune, destroy) makes
/// only calls that the IAM policy in docs/apply.md allows.
#[test]
fn the_documented_policy_allows_every_call_svc_makes() {
    let _g = support::serial();
    let moto = Moto::start();
    let project = calls_project(&moto);
    let (file, vars, original) = (
        project.file.clone(),
        project.vars.clone(),
        project.source.clone(),
    );
    let updated = original
        .replace(
            "  vpc    = input.vpc_id\n",
            "  vpc    = input.vpc_id\n  description = \"updated\"\n",
        )
        .replace(
            "  calls = [api]\n",
            "  calls = [api]\n  replicas = 2\n  tags { owner = \"payments\" }\n",
        )
        .replace(
            "    port  = 80/tcp\n",
            "    port  = 80/tcp\n    logs { retention = 7d }\n",
        )
        .replace(
            "  discovery {}\n}\n\nservice api",
            "  discovery { ttl = 30s }\n}\n\nservice api",
        );
    let web_only =
        original[..original.find("service api").unwrap()].replace("  calls = [api]\n", "");
    let steps: [(&str, &str, &[&str]); 6] = [
        (&original, "apply", &["--auto-approve"]),
        (&updated, "apply", &["--auto-approve"]),
        (&updated, "status", &[]),
        (&original, "apply", &["--auto-approve"]),
        (&web_only, "apply", &["--auto-approve", "--prune"]),
        (&web_only, "destroy", &["--auto-approve"]),
    ];
    let mut made = std::collections::BTreeSet::new();
    for (i, (source, verb, extra)) in steps.iter().enumerate() {
        std::fs::write(&file, source).unwrap();
        let (out, calls) = run(&moto, verb, &file, &vars, extra);
        assert_eq!(code(&out), 0, "step {i}: {verb}\n{}", text(&out));
        let calls = calls["calls"].as_object().expect("call log").clone();
        assert!(!calls.is_empty(), "step {i}: no calls logged");
        made.extend(calls.keys().cloned());
    }
    let documented = documented_actions();
    let mut missing = Vec::new();
    for call in &made {
        let (service, op) = call.split_once('.').expect("Service.Operation");
        let prefix = match service.to_ascii_lowercase().as_str() {
            "cloudwatch logs" => "logs".to_string(),
            other => other.to_string(),
        };
        let action = format!("{prefix}:{op}");
        if !documented.contains(&action) {
            missing.push(action);
        }
    }
    assert!(
        missing.is_empty(),
        "calls not in the policy of docs/apply.md: {missing:?}"
    );
    // The life cycle reached the update, tag and delete paths.
    for call in [
        "ECS.TagResource",
        "ECS.DeleteService",
        "ServiceDiscovery.UpdateService",
        "ServiceDiscovery.UpdatePrivateDnsNamespace",
        "EC2.RevokeSecurityGroupIngress",
        "IAM.DeleteRole",
    ] {
        assert!(made.contains(call), "{call} not made: {made:?}");
    }
}

/// The other direction: the policy in docs/apply.md lists nothing svc does
/// not call. Each action's SDK method (`ecs:TagResource` →
/// `.tag_resource()`) is called in src/apply/aws.rs, or its EC2 Query
/// action in src/apply/ec2.rs.
#[test]
fn the_documented_policy_lists_only_calls_svc_makes() {
    let aws = std::fs::read_to_string(root().join("src/apply/aws.rs")).unwrap();
    let ec2 = std::fs::read_to_string(root().join("src/apply/ec2.rs")).unwrap();
    let snake = |op: &str| {
        let mut out = String::new();
        for (i, c) in op.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    };
    let unused: Vec<String> = documented_actions()
        .into_iter()
        .filter(|action| {
            let (prefix, op) = action.split_once(':').expect("prefix:Action");
            if prefix == "ec2" {
                !ec2.contains(&format!("\"{op}\""))
            } else {
                !aws.contains(&format!(".{}()", snake(op)))
            }
        })
        .collect();
    assert!(
        unused.is_empty(),
        "in the policy of docs/apply.md but never called: {unused:?}"
    );
}
