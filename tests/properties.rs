//! Property tests: valid files built from random valid parameters compile
//! without a diagnostic, the emitted HCL parses back with hcl-rs holding
//! what was asked for, and the task-definition JSON round-trips: through
//! serde_json, and (with the `apply` feature) through the aws-sdk-ecs types
//! `svc apply` sends and reads back.

use std::collections::BTreeMap;

use proptest::prelude::*;
use svc::check::rules;
use svc::diagnostic::{Diagnostics, Source};
use svc::emit::{taskdef, terraform, DeployValues};

/// The parameters of one generated service.
#[derive(Debug, Clone)]
struct Params {
    replicas: u64,
    cpu: u64,
    memory: u64,
    port: u16,
    udp: bool,
    interval: u64,
    timeout: u64,
    retries: u64,
    start_period: u64,
    ttl: u64,
    weighted: bool,
    read_only_root: bool,
    env: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    /// `Some(words)`: `shell = "words"`; `None`: `exec = ["true"]`.
    shell: Option<String>,
    /// A second, non-essential container with its own limits and command.
    sidecar: Option<Vec<String>>,
}

fn size() -> impl Strategy<Value = (u64, u64)> {
    prop::sample::select(rules::FARGATE_CPU.to_vec()).prop_flat_map(|cpu| {
        let options = rules::fargate_memory_options(cpu).expect("Fargate cpu");
        (Just(cpu), prop::sample::select(options))
    })
}

fn health() -> impl Strategy<Value = (u64, u64, u64, u64)> {
    let (i, t, r, s) = (
        rules::HEALTH_INTERVAL,
        rules::HEALTH_TIMEOUT,
        rules::HEALTH_RETRIES,
        rules::HEALTH_START_PERIOD,
    );
    // The timeout stays below the interval (else svc::health::timeout warns).
    (i.min..=i.max).prop_flat_map(move |interval| {
        (
            Just(interval),
            t.min..=t.max.min(interval - 1),
            r.min..=r.max,
            s.min..=s.max,
        )
    })
}

fn params() -> impl Strategy<Value = Params> {
    (
        (0u64..=8, size(), 1u16..=65535, any::<bool>()),
        (health(), 0u64..=2_147_483_647, any::<bool>(), any::<bool>()),
        prop::collection::btree_map("E_[A-D0-9_]{0,10}", "[a-zA-Z0-9 ./:=-]{0,24}", 0..5),
        prop::collection::btree_map("S_[A-Z0-9_]{0,10}", "(/[a-z0-9_.-]{1,12}){1,3}", 0..3),
        (
            prop::option::of("[a-z][a-z0-9 ./:=-]{0,30}"),
            prop::option::of(prop::collection::vec("[a-zA-Z0-9./:=-]{1,12}", 1..4)),
        ),
    )
        .prop_map(
            |(
                (replicas, (cpu, memory), port, udp),
                ((interval, timeout, retries, start_period), ttl, weighted, read_only_root),
                env,
                secrets,
                (shell, sidecar),
            )| Params {
                replicas,
                cpu,
                memory,
                port,
                udp,
                interval,
                timeout,
                retries,
                start_period,
                ttl,
                weighted,
                read_only_root,
                env,
                secrets,
                shell,
                sidecar,
            },
        )
}

fn source(p: &Params) -> String {
    let map = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("      {k} = \"{v}\"\n"))
            .collect::<String>()
    };
    format!(
        r#"input vpc_id: string
input subnet_ids: list(string)

namespace internal {{
  domain = "internal.local"
  vpc    = input.vpc_id
}}

service web {{
  allow    = ["svc::container::writable_root"]
  replicas = {replicas}
  size     = {{ cpu = {cpu}, memory = {memory}MiB }}
  network {{ subnets = input.subnet_ids, egress = nat }}
  container app {{
    image          = "public.ecr.aws/docker/library/busybox:stable"
    port           = {port}/{proto}
    read_only_root = {read_only_root}
    env {{
{env}    }}
    secrets {{
{secrets}    }}
    health {{
      {command}
      interval     = {interval}s
      timeout      = {timeout}s
      retries      = {retries}
      start_period = {start_period}s
    }}
  }}
{sidecar}  discovery {{
    namespace = internal
    ttl       = {ttl}s
    routing   = {routing}
  }}
}}
"#,
        replicas = p.replicas,
        cpu = p.cpu,
        memory = p.memory,
        port = p.port,
        proto = if p.udp { "udp" } else { "tcp" },
        read_only_root = p.read_only_root,
        env = map(&p.env),
        secrets = map(&p.secrets),
        interval = p.interval,
        timeout = p.timeout,
        retries = p.retries,
        start_period = p.start_period,
        ttl = p.ttl,
        routing = if p.weighted { "weighted" } else { "multivalue" },
        command = match &p.shell {
            Some(words) => format!("shell        = \"{words}\""),
            None => "exec         = [\"true\"]".to_string(),
        },
        sidecar = p.sidecar.as_ref().map_or_else(String::new, |words| {
            let (cpu, memory) = sidecar_limits(p);
            format!(
                r#"  container sidecar {{
    image              = "public.ecr.aws/docker/library/busybox:stable"
    essential          = false
    cpu                = {cpu}
    memory             = {memory}MiB
    memory_reservation = {reservation}MiB
    command            = [{command}]
  }}
"#,
                reservation = memory / 2,
                command = words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }),
    )
}

/// The sidecar's share of the task: a quarter of the CPU, half the memory.
fn sidecar_limits(p: &Params) -> (u64, u64) {
    (p.cpu / 4, p.memory / 2)
}

fn pairs(v: &serde_json::Value, value_key: &str) -> BTreeMap<String, String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_string(),
                e[value_key].as_str().expect("value").to_string(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn valid_models_emit_hcl_and_json_that_read_back(p in params()) {
        let text = source(&p);
        let mut diags = Diagnostics::new();
        let model = svc::compile_source(Source::new("gen.svc", text.clone()), &mut diags);
        prop_assert!(diags.is_empty(), "{}\n{}", text, diags.render(false));
        let model = model.expect("model");

        let mut main = None;
        for file in terraform::emit(&model) {
            let value: serde_json::Value = hcl::from_str(&file.content)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{}", file.path, file.content)))?;
            if file.path == "main.tf" {
                main = Some(value);
            }
        }
        let main = main.expect("main.tf");
        let resource = &main["resource"];
        prop_assert_eq!(&resource["aws_ecs_service"]["web"]["desired_count"], &serde_json::json!(p.replicas));
        let task = &resource["aws_ecs_task_definition"]["web"];
        prop_assert_eq!(&task["cpu"], &serde_json::json!(p.cpu.to_string()));
        prop_assert_eq!(&task["memory"], &serde_json::json!(p.memory.to_string()));
        let dns = &resource["aws_service_discovery_service"]["web"]["dns_config"];
        prop_assert_eq!(&dns["dns_records"]["ttl"], &serde_json::json!(p.ttl));

        let service = &model.services[0];
        let (json, _) = taskdef::to_json(&model, service, &DeployValues::default());
        let def: serde_json::Value = serde_json::from_str(&json).expect("task JSON");
        // Round trip: the parsed JSON serialises to the same text.
        prop_assert_eq!(serde_json::to_string_pretty(&def).expect("JSON") + "\n", json.clone());
        prop_assert_eq!(&def["cpu"], &serde_json::json!(p.cpu.to_string()));
        prop_assert_eq!(&def["memory"], &serde_json::json!(p.memory.to_string()));
        let c = &def["containerDefinitions"][0];
        for key in c.as_object().expect("container").keys() {
            prop_assert!(taskdef::CONTAINER_KEYS.contains(&key.as_str()), "{key} not in CONTAINER_KEYS");
        }
        prop_assert_eq!(&c["portMappings"][0]["containerPort"], &serde_json::json!(p.port));
        prop_assert_eq!(&c["portMappings"][0]["protocol"], &serde_json::json!(if p.udp { "udp" } else { "tcp" }));
        prop_assert_eq!(c.get("readonlyRootFilesystem").is_some(), p.read_only_root);
        let h = &c["healthCheck"];
        prop_assert_eq!(&h["interval"], &serde_json::json!(p.interval));
        prop_assert_eq!(&h["timeout"], &serde_json::json!(p.timeout));
        prop_assert_eq!(&h["retries"], &serde_json::json!(p.retries));
        prop_assert_eq!(&h["startPeriod"], &serde_json::json!(p.start_period));
        prop_assert_eq!(pairs(&c["environment"], "value"), p.env.clone());
        prop_assert_eq!(pairs(&c["secrets"], "valueFrom"), p.secrets.clone());
        let command: Vec<String> = match &p.shell {
            Some(words) => vec!["CMD-SHELL".into(), words.clone()],
            None => vec!["CMD".into(), "true".into()],
        };
        prop_assert_eq!(&h["command"], &serde_json::json!(command));
        let containers = def["containerDefinitions"].as_array().expect("containers");
        prop_assert_eq!(containers.len(), 1 + usize::from(p.sidecar.is_some()));
        if let Some(words) = &p.sidecar {
            let (cpu, memory) = sidecar_limits(&p);
            let s = &containers[1];
            prop_assert_eq!(&s["essential"], &serde_json::json!(false));
            prop_assert_eq!(&s["cpu"], &serde_json::json!(cpu));
            prop_assert_eq!(&s["memory"], &serde_json::json!(memory));
            prop_assert_eq!(&s["memoryReservation"], &serde_json::json!(memory / 2));
            prop_assert_eq!(&s["command"], &serde_json::json!(words));
        }

        #[cfg(feature = "apply")]
        ecs_round_trip(&p, &def)?;
    }
}

/// The task JSON through the ECS API's own types, as `svc apply` sends it
/// (`RegisterTaskDefinition`) and reads it back (`DescribeTaskDefinition`):
/// the typed values are the generated ones, and converting back gives the
/// JSON `svc plan` compares against, so a fresh apply plans no change.
#[cfg(feature = "apply")]
fn ecs_round_trip(p: &Params, def: &serde_json::Value) -> Result<(), TestCaseError> {
    use svc::apply::{aws, desired::normalise};
    let (typed, _tags) = aws::task_definition_from_json(def).map_err(TestCaseError::fail)?;
    prop_assert_eq!(typed.cpu().map(str::to_string), Some(p.cpu.to_string()));
    prop_assert_eq!(
        typed.memory().map(str::to_string),
        Some(p.memory.to_string())
    );
    let c = &typed.container_definitions()[0];
    let port = &c.port_mappings()[0];
    prop_assert_eq!(port.container_port(), Some(i32::from(p.port)));
    prop_assert_eq!(port.host_port(), Some(i32::from(p.port)));
    prop_assert_eq!(
        port.protocol().map(|p| p.as_str()),
        Some(if p.udp { "udp" } else { "tcp" })
    );
    let h = c.health_check().expect("health check");
    let int = |n: u64| Some(i32::try_from(n).expect("in range"));
    prop_assert_eq!(h.interval(), int(p.interval));
    prop_assert_eq!(h.timeout(), int(p.timeout));
    prop_assert_eq!(h.retries(), int(p.retries));
    prop_assert_eq!(h.start_period(), int(p.start_period));
    let secrets: BTreeMap<String, String> = c
        .secrets()
        .iter()
        .map(|s| (s.name().to_string(), s.value_from().to_string()))
        .collect();
    prop_assert_eq!(&secrets, &p.secrets);
    if p.sidecar.is_some() {
        let (cpu, memory) = sidecar_limits(p);
        let s = &typed.container_definitions()[1];
        prop_assert_eq!(Some(s.cpu()), int(cpu));
        prop_assert_eq!(s.memory(), int(memory));
        prop_assert_eq!(s.essential(), Some(false));
    }
    prop_assert_eq!(normalise(&aws::task_def_json(&typed)), normalise(def));
    Ok(())
}

/// What the ECS types cannot hold is an error, never a truncated or dropped
/// value: a number past 32 bits, a key the conversion does not know.
#[cfg(feature = "apply")]
#[test]
fn ecs_conversion_refuses_what_it_cannot_send() {
    use svc::apply::aws::task_definition_from_json;
    let container = |extra: serde_json::Value| {
        let mut c = serde_json::json!({"name": "app", "image": "busybox"});
        c.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        serde_json::json!({"family": "web", "containerDefinitions": [c]})
    };
    let err =
        task_definition_from_json(&container(serde_json::json!({"memory": 4_294_967_808u64})))
            .expect_err("memory past 32 bits");
    assert!(
        err.contains("`memory` = 4294967808 is not a 32-bit integer"),
        "{err}"
    );
    let err = task_definition_from_json(&container(serde_json::json!({"linuxParameters": {}})))
        .expect_err("unknown key");
    assert!(err.contains("`linuxParameters`"), "{err}");
    let (ok, _) =
        task_definition_from_json(&container(serde_json::json!({"memory": 512}))).expect("fits");
    assert_eq!(ok.container_definitions()[0].memory(), Some(512));
}
