//! The composition example `examples/shop/` (two files, stdlib presets, two
//! environments): each environment's module validates with the real AWS
//! provider, and both environments apply side by side on one moto server,
//! through `svc apply` and through `terraform apply`, without colliding.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};
use support::{aws_py, terraform_ok, Moto};

const ENVS: [&str; 2] = ["dev", "prod"];
const SERVICES: [&str; 3] = ["frontend", "cart", "catalog"];

fn entry() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/shop/shop.svc")
}

fn svc(args: &[&str], envs: Vec<(String, String)>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(args)
        .envs(envs)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("svc runs")
}

fn show(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn compile(env: &str, out: &Path) {
    let result = svc(
        &[
            "compile",
            entry().to_str().unwrap(),
            "--env",
            env,
            "-o",
            out.to_str().unwrap(),
        ],
        Vec::new(),
    );
    assert!(result.status.success(), "{}", show(&result));
}

/// The shop's inputs for one environment: a VPC with its subnets, and a
/// security group per service.
///
/// Each environment gets its own VPC: moto refuses a second private DNS
/// namespace in a VPC that has one (`ConflictingDomainExists`), whatever
/// its name, where AWS accepts namespaces of different names. (svc's own
/// check, `svc::env::collision`, reports two environments' namespaces of
/// the same name in the same VPC.)
fn inputs(moto: &Moto, env: &str) -> Value {
    let net = aws_py(moto, &["network"]);
    let mut vars = json!({
        "vpc_id": net["vpc_id"],
        "subnet_ids": net["subnet_ids"],
    });
    for service in SERVICES {
        let sg = support::python(
            moto,
            &format!(
                "print(json.dumps(c('ec2').create_security_group(GroupName='{service}-{env}', Description='{service} {env}', VpcId='{}')['GroupId']))",
                net["vpc_id"].as_str().unwrap()
            ),
        );
        vars[format!("{service}_sg")] = sg;
    }
    vars
}

/// The ingress rules of a security group: (source group, port, protocol).
fn ingress(moto: &Moto, group: &Value) -> Vec<(String, i64, String)> {
    support::ingress_rules(moto, group.as_str().unwrap())
        .into_iter()
        .map(|(from, port, protocol, _)| (from, port, protocol))
        .collect()
}

/// What both deploy paths must leave in AWS for the two environments,
/// given each environment's inputs.
fn assert_side_by_side(moto: &Moto, inputs: &[(&str, Value)]) {
    let namespaces = aws_py(moto, &["describe-namespaces"]);
    let mut names: Vec<&str> = namespaces
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["Name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["dev.shop.local", "prod.shop.local"],
        "{namespaces:#}"
    );

    let discovery = aws_py(moto, &["describe-discovery-services"]);
    assert_eq!(
        discovery.as_array().unwrap().len(),
        6,
        "three discovery services per environment: {discovery:#}"
    );
    for sd in discovery.as_array().unwrap() {
        assert_eq!(sd["DnsConfig"]["RoutingPolicy"], "MULTIVALUE", "{sd:#}");
        assert_eq!(
            sd["DnsConfig"]["DnsRecords"],
            json!([{"Type": "A", "TTL": 10}])
        );
    }

    let services = support::active_ecs_services(moto);
    assert_eq!(services.len(), 6, "{services:#?}");
    let desired = |cluster: &str, name: &str| {
        services
            .iter()
            .find(|s| {
                s["serviceName"] == name
                    && s["clusterArn"]
                        .as_str()
                        .is_some_and(|a| a.ends_with(&format!("/{cluster}")))
            })
            .unwrap_or_else(|| panic!("no service {name} in {cluster}: {services:#?}"))
            ["desiredCount"]
            .clone()
    };
    assert_eq!(desired("shop-dev", "frontend"), 1);
    assert_eq!(desired("shop-prod", "frontend"), 4);
    assert_eq!(desired("shop-prod", "catalog"), 3);
    assert_eq!(desired("shop-prod", "cart"), 2);

    let taskdefs = aws_py(moto, &["describe-task-definitions"]);
    let family = |f: &str| {
        taskdefs
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["taskDefinition"])
            .find(|t| t["family"] == f)
            .unwrap_or_else(|| panic!("no family {f}: {taskdefs:#}"))
            .clone()
    };
    for env in ENVS {
        for service in SERVICES {
            let td = family(&format!("{service}-{env}"));
            let logs = &td["containerDefinitions"][0]["logConfiguration"]["options"];
            assert_eq!(logs["awslogs-group"], format!("/ecs/{env}/{service}"));
        }
    }
    let image = |f: &str| family(f)["containerDefinitions"][0]["image"].clone();
    assert_eq!(image("frontend-dev"), "public.ecr.aws/nginx/nginx:1.27");
    assert_eq!(image("frontend-prod"), "public.ecr.aws/nginx/nginx:1.27.3");
    assert_eq!(
        family("catalog-prod")["cpu"],
        "1024",
        "prod's catalog is `medium`"
    );
    assert_eq!(
        family("catalog-dev")["containerDefinitions"][0]["healthCheck"]["command"],
        json!(["CMD-SHELL", "nc -z localhost 8081 || exit 1"])
    );

    // Wiring: the callers' address variables and the callees' ingress rules.
    for (env, vars) in inputs {
        let variables = |f: &str| {
            let mut vars: Vec<(String, String)> = family(f)["containerDefinitions"][0]
                ["environment"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        v["name"].as_str().unwrap().to_string(),
                        v["value"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            vars.sort();
            vars
        };
        assert_eq!(
            variables(&format!("frontend-{env}")),
            [
                ("CART_ADDR".into(), format!("cart.{env}.shop.local:8080")),
                (
                    "CATALOG_ADDR".into(),
                    format!("catalog.{env}.shop.local:8081")
                ),
            ]
        );
        assert_eq!(
            variables(&format!("cart-{env}")),
            [(
                "CATALOG_ADDR".into(),
                format!("catalog.{env}.shop.local:8081")
            )]
        );
        let sg = |s: &str| vars[format!("{s}_sg")].as_str().unwrap().to_string();
        assert_eq!(
            ingress(moto, &vars["cart_sg"]),
            [(sg("frontend"), 8080, "tcp".into())],
            "{env}"
        );
        let mut expected = vec![
            (sg("frontend"), 8081, "tcp".to_string()),
            (sg("cart"), 8081, "tcp".into()),
        ];
        expected.sort();
        assert_eq!(ingress(moto, &vars["catalog_sg"]), expected, "{env}");
        assert!(ingress(moto, &vars["frontend_sg"]).is_empty(), "{env}");
    }
}

#[test]
fn each_environment_validates_with_the_real_provider() {
    let _g = support::serial();
    for env in ENVS {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("module");
        compile(env, &out);
        let listed = terraform_ok(&out, &["fmt", "-check", "-recursive"]);
        assert!(listed.trim().is_empty(), "{env}: not fmt-clean: {listed}");
        terraform_ok(&out, &["init", "-backend=false"]);
        let validated = support::terraform(&out, &["validate", "-json"]);
        let report: Value = serde_json::from_slice(&validated.stdout).expect("json");
        assert_eq!(report["valid"], true, "{env}: {report:#}");
        assert_eq!(report["warning_count"], 0, "{env}: {report:#}");
    }
}

#[test]
fn both_environments_apply_side_by_side_with_svc_apply() {
    let _g = support::serial();
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let file = entry();
    let deploy = |verb: &str, env: &str, vars: &Path, extra: &[&str]| {
        let mut args = vec![
            verb,
            file.to_str().unwrap(),
            "--env",
            env,
            "--var-file",
            vars.to_str().unwrap(),
            "--endpoint-url",
            &moto.endpoint,
        ];
        args.extend_from_slice(extra);
        svc(&args, moto.env())
    };
    let mut var_files = Vec::new();
    let mut all_inputs = Vec::new();
    for env in ENVS {
        let path = dir.path().join(format!("{env}.tfvars.json"));
        let vars = inputs(&moto, env);
        std::fs::write(&path, vars.to_string()).unwrap();
        all_inputs.push((env, vars));
        let out = deploy("apply", env, &path, &["--auto-approve"]);
        assert_eq!(out.status.code(), Some(0), "{env}: apply\n{}", show(&out));
        var_files.push(path);
    }
    // Applying prod did not touch dev, nor the other way round.
    for (env, vars) in ENVS.iter().zip(&var_files) {
        let out = deploy("plan", env, vars, &[]);
        assert_eq!(out.status.code(), Some(0), "{env}: plan\n{}", show(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("No changes"));
    }
    assert_side_by_side(&moto, &all_inputs);

    // `svc graph` draws the same calls.
    let out = svc(
        &[
            "graph",
            file.to_str().unwrap(),
            "--env",
            "prod",
            "--format",
            "mermaid",
        ],
        Vec::new(),
    );
    assert!(out.status.success(), "{}", show(&out));
    let mermaid = String::from_utf8_lossy(&out.stdout);
    for edge in [
        "s0 -->|\"8080/tcp\"| s1",
        "s0 -->|\"8081/tcp\"| s2",
        "s1 -->|\"8081/tcp\"| s2",
    ] {
        assert!(mermaid.contains(edge), "{edge} in\n{mermaid}");
    }

    // Destroying dev leaves prod as it was.
    let out = deploy("destroy", "dev", &var_files[0], &["--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "destroy dev\n{}", show(&out));
    let out = deploy("plan", "prod", &var_files[1], &[]);
    assert_eq!(out.status.code(), Some(0), "plan prod\n{}", show(&out));
    let namespaces = aws_py(&moto, &["describe-namespaces"]);
    assert_eq!(namespaces.as_array().unwrap().len(), 1, "{namespaces:#}");
    assert_eq!(namespaces[0]["Name"], "prod.shop.local");
}

#[test]
fn both_environments_apply_side_by_side_with_terraform() {
    let _g = support::serial();
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut root = moto.provider_hcl();
    let mut all_inputs = Vec::new();
    for env in ENVS {
        let module = dir.path().join(env);
        compile(env, &module);
        let vars = inputs(&moto, env);
        root.push_str(&format!(
            "\nmodule \"{env}\" {{\n  source = {:?}\n",
            module.display().to_string()
        ));
        for (name, value) in vars.as_object().unwrap() {
            root.push_str(&format!("  {name} = {value}\n"));
        }
        root.push_str("}\n");
        all_inputs.push((env, vars));
    }
    let stack = dir.path().join("stack");
    std::fs::create_dir(&stack).unwrap();
    std::fs::write(stack.join("main.tf"), root).unwrap();
    terraform_ok(&stack, &["init"]);
    terraform_ok(&stack, &["apply", "-auto-approve"]);
    assert_side_by_side(&moto, &all_inputs);
}
