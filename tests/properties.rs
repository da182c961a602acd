//! Property tests: valid files built from random valid parameters compile
//! without a diagnostic, the emitted HCL parses back with hcl-rs holding
//! what was asked for, and the task-definition JSON round-trips.

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
    )
        .prop_map(
            |(
                (replicas, (cpu, memory), port, udp),
                ((interval, timeout, retries, start_period), ttl, weighted, read_only_root),
                env,
                secrets,
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
      exec         = ["true"]
      interval     = {interval}s
      timeout      = {timeout}s
      retries      = {retries}
      start_period = {start_period}s
    }}
  }}
  discovery {{
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
    )
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
    }
}
