//! Planning without AWS: `plan(desired, observed)` is a pure function, fed
//! here with observed states written by hand.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};
use svc::apply::desired::{self, ownership_tags, Desired, Identity, Tags};
use svc::apply::observed::*;
use svc::apply::plan::{plan, Action, Kind, Mode, Plan};
use svc::diagnostic::{Diagnostics, Source};
use svc::model::Model;

fn model_of(text: &str) -> Model {
    let mut diags = Diagnostics::new();
    let model = svc::compile_source(Source::new("test.svc", text.to_string()), &mut diags);
    model.unwrap_or_else(|| panic!("does not compile:\n{}", diags.render(false)))
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
    )
    .expect("example")
}

fn identity() -> Identity {
    Identity {
        account: "123456789012".into(),
        partition: "aws".into(),
        region: "ap-northeast-1".into(),
    }
}

/// Values for every input an example declares.
fn vars(model: &Model) -> BTreeMap<String, Value> {
    model
        .inputs
        .iter()
        .filter(|i| i.default.is_none())
        .map(|i| {
            let v = match &i.ty {
                svc::model::InputType::List(_) => json!(["subnet-b", "subnet-a"]),
                _ => json!(format!("{}-value", i.name)),
            };
            (i.name.clone(), v)
        })
        .collect()
}

fn desired_of(text: &str) -> Desired {
    let model = model_of(text);
    desired::desired(&model, &vars(&model), "test", &identity()).expect("desired")
}

/// What AWS would hold after a perfect apply of `d` (with moto's extra
/// task-definition fields).
fn as_observed(d: &Desired) -> Observed {
    let mut o = Observed::default();
    for n in &d.namespaces {
        o.namespaces.push(ONamespace {
            id: format!("ns-{}", n.name),
            arn: format!(
                "arn:aws:servicediscovery:ap-northeast-1:123456789012:namespace/ns-{}",
                n.name
            ),
            name: n.name.clone(),
            kind: "DNS_PRIVATE".into(),
            description: n.description.clone(),
            tags: n.tags.clone(),
        });
    }
    for s in &d.discovery {
        o.discovery.push(ODiscovery {
            id: format!("srv-{}", s.name),
            arn: format!(
                "arn:aws:servicediscovery:ap-northeast-1:123456789012:service/srv-{}",
                s.name
            ),
            name: s.name.clone(),
            namespace_id: format!("ns-{}", s.namespace),
            records: s.records.iter().map(|r| (r.clone(), s.ttl)).collect(),
            routing: Some(s.routing.clone()),
            custom_health: s.custom_health.is_some(),
            instance_count: None,
            tags: s.tags.clone(),
        });
    }
    for c in &d.clusters {
        o.clusters.push(OCluster {
            arn: format!("arn:aws:ecs:ap-northeast-1:123456789012:cluster/{}", c.name),
            name: c.name.clone(),
            status: "ACTIVE".into(),
            container_insights: c.container_insights,
            tags: c.tags.clone(),
        });
    }
    for g in &d.log_groups {
        o.log_groups.push(OLogGroup {
            name: g.name.clone(),
            arn: format!(
                "arn:aws:logs:ap-northeast-1:123456789012:log-group:{}",
                g.name
            ),
            retention_days: g.retention_days.map(|d| d as i32),
            tags: g.tags.clone(),
        });
    }
    for r in &d.roles {
        o.roles.push(ORole {
            name: r.name.clone(),
            arn: format!("arn:aws:iam::123456789012:role/{}", r.name),
            assume_policy: r.assume_policy.clone(),
            managed_policies: r.managed_policies.clone(),
            inline_policies: r.inline_policies.clone(),
            tags: r.tags.clone(),
        });
    }
    for t in &d.task_defs {
        let mut content = t.input.clone();
        content.as_object_mut().unwrap().remove("tags");
        content["compatibilities"] = json!(["EC2", "FARGATE"]);
        content["volumes"] = json!([]);
        content["revision"] = json!(1);
        for c in content["containerDefinitions"].as_array_mut().unwrap() {
            c["mountPoints"] = json!([]);
            c["volumesFrom"] = json!([]);
            if c.get("cpu").is_none() {
                c["cpu"] = json!(0);
            }
        }
        o.task_defs.push(OTaskDef {
            arn: format!(
                "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/{}:1",
                t.family
            ),
            family: t.family.clone(),
            revision: 1,
            content,
            tags: t.tags.clone(),
        });
    }
    for s in &d.services {
        let registries = s
            .registry
            .iter()
            .map(|r| ORegistry {
                arn: format!(
                    "arn:aws:servicediscovery:ap-northeast-1:123456789012:service/srv-{}",
                    r.name
                ),
                container_name: r.container.as_ref().map(|c| c.0.clone()),
                container_port: r.container.as_ref().map(|c| c.1),
            })
            .collect();
        o.services.push(OService {
            arn: format!(
                "arn:aws:ecs:ap-northeast-1:123456789012:service/{}/{}",
                s.cluster, s.name
            ),
            name: s.name.clone(),
            cluster_arn: format!(
                "arn:aws:ecs:ap-northeast-1:123456789012:cluster/{}",
                s.cluster
            ),
            status: "ACTIVE".into(),
            task_definition: format!(
                "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/{}:1",
                s.family
            ),
            desired_count: s.desired_count,
            running_count: 0,
            pending_count: s.desired_count,
            launch_type: Some(s.launch_type.clone()),
            platform_version: Some("LATEST".into()),
            subnets: s.subnets.clone(),
            security_groups: s.security_groups.clone(),
            public_ip: s.public_ip,
            registries,
            deployments: Vec::new(),
            tags: s.tags.clone(),
        });
    }
    for (i, r) in d.ingress_rules.iter().enumerate() {
        o.ingress_rules
            .push(rule(&format!("sgr-{i}"), r, r.tags.clone()));
    }
    o
}

/// The observed form of an ingress rule, with the given tags.
fn rule(id: &str, d: &desired::DIngressRule, tags: Tags) -> OIngressRule {
    OIngressRule {
        id: id.into(),
        group: d.group.clone(),
        is_egress: false,
        source: Some(d.source.clone()),
        protocol: d.protocol.clone(),
        from_port: d.port,
        to_port: d.port,
        tags,
    }
}

fn entry<'p>(plan: &'p Plan, kind: Kind, name: &str) -> &'p svc::apply::plan::Entry {
    plan.entries
        .iter()
        .find(|e| e.kind == kind && e.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} {name} in\n{}", plan.render()))
}

/// Every changed field as `KIND NAME: FIELD`, sorted.
fn fields(plan: &Plan) -> Vec<String> {
    let mut fields: Vec<String> = plan
        .entries
        .iter()
        .flat_map(|e| {
            e.changes
                .iter()
                .map(move |c| format!("{} {}: {}", e.kind.label(), e.name, c.field))
        })
        .collect();
    fields.sort();
    fields
}

#[test]
fn every_example_plans_only_creates_from_empty() {
    for name in ["service_discovery.svc", "two_services.svc"] {
        let d = desired_of(&example(name));
        let p = plan(&d, &Observed::default(), Mode::Apply);
        assert!(p.has_changes());
        assert!(
            p.entries.iter().all(|e| e.action == Action::Create),
            "{}",
            p.render()
        );
        // namespace, cluster, log group, role, discovery, task definition, service
        if name == "service_discovery.svc" {
            assert_eq!(p.entries.len(), 7, "{}", p.render());
        }
    }
}

#[test]
fn what_a_perfect_apply_leaves_plans_no_changes() {
    for name in ["service_discovery.svc", "two_services.svc"] {
        let d = desired_of(&example(name));
        let p = plan(&d, &as_observed(&d), Mode::Prune);
        assert!(!p.has_changes(), "{name}:\n{}", p.render());
        assert!(p.refusals().is_empty());
        assert!(p.render().contains("No changes"));
    }
}

#[test]
fn updates_show_exactly_the_changed_fields() {
    let before = desired_of(&example("service_discovery.svc"));
    let observed = as_observed(&before);
    let text = example("service_discovery.svc")
        .replace("replicas = 2", "replicas = 3")
        .replace("\"nginx:latest\"", "\"nginx:1.27\"")
        .replace("ttl               = 10s", "ttl               = 30s")
        .replace("retries      = 3", "retries      = 5");
    let after = desired_of(&text);
    let p = plan(&after, &observed, Mode::Apply);
    assert_eq!(
        fields(&p),
        [
            "discovery-service service-b.internal.local: ttl",
            "ecs-service service_b: desired_count",
            "ecs-service service_b: task_definition",
            "task-definition service_b: containerDefinitions[service_b].healthCheck.retries",
            "task-definition service_b: containerDefinitions[service_b].image",
            "task-definition service_b: revision",
        ],
        "{}",
        p.render()
    );
    let td = entry(&p, Kind::TaskDef, "service_b");
    let image = td
        .changes
        .iter()
        .find(|c| c.field.ends_with(".image"))
        .unwrap();
    assert_eq!(
        (image.before.as_str(), image.after.as_str()),
        ("nginx:latest", "nginx:1.27")
    );
    let svc = entry(&p, Kind::Service, "service_b");
    let count = svc
        .changes
        .iter()
        .find(|c| c.field == "desired_count")
        .unwrap();
    assert_eq!((count.before.as_str(), count.after.as_str()), ("2", "3"));
    assert!(p.render().contains("ttl: 10 → 30"), "{}", p.render());
}

#[test]
fn an_untagged_resource_with_the_same_name_is_not_owned() {
    let d = desired_of(&example("service_discovery.svc"));
    let mut o = Observed::default();
    o.namespaces.push(ONamespace {
        id: "ns-foreign".into(),
        arn: "arn:ns-foreign".into(),
        name: "internal.local".into(),
        kind: "DNS_PRIVATE".into(),
        description: None,
        tags: Tags::new(),
    });
    let p = plan(&d, &o, Mode::Apply);
    let ns = entry(&p, Kind::Namespace, "internal.local");
    assert!(
        matches!(&ns.action, Action::NotOwned(why) if why.contains("without svc's tags")),
        "{:?}",
        ns.action
    );
    assert_eq!(p.refusals().len(), 1);
    // Another stack's resource is not ours either.
    o.namespaces[0].tags = ownership_tags("other");
    let p = plan(&d, &o, Mode::Apply);
    assert!(
        matches!(&entry(&p, Kind::Namespace, "internal.local").action, Action::NotOwned(why) if why.contains("`other`"))
    );
}

#[test]
fn record_type_and_routing_changes_are_refused_with_advice() {
    let d = desired_of(&example("service_discovery.svc"));
    let mut o = as_observed(&d);
    o.discovery[0].records = vec![("SRV".into(), 10)];
    let p = plan(&d, &o, Mode::Apply);
    let e = entry(&p, Kind::Discovery, "service-b.internal.local");
    match &e.action {
        Action::Blocked(why) => {
            assert!(why.contains("record types SRV → A"), "{why}");
            assert!(why.contains("Remove the `discovery` block"), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn prune_deletes_only_owned_resources_that_left_the_file() {
    let two = desired_of(&example("two_services.svc"));
    let mut observed = as_observed(&two);
    // A foreign service in the same cluster is never touched.
    let mut foreign = observed.services[0].clone();
    foreign.name = "someone_else".into();
    foreign.arn = "arn:aws:ecs:ap-northeast-1:123456789012:service/apps/someone_else".into();
    foreign.tags = Tags::new();
    observed.services.push(foreign);
    let text = example("two_services.svc");
    let cut = text.find("service service_b").unwrap();
    let one =
        desired_of(&text[..cut].replace("service_b.dns_name", "\"service-b.internal.local\""));
    let p = plan(&one, &observed, Mode::Prune);
    let deleted: Vec<String> = p
        .entries
        .iter()
        .filter(|e| e.action == Action::Delete)
        .map(|e| format!("{} {}", e.kind.label(), e.name))
        .collect();
    assert_eq!(
        deleted,
        [
            "ecs-service service_b",
            "discovery-service service-b.internal.local",
            "task-definition service_b",
            "log-group /ecs/service_b",
            "iam-role service_b-execution",
        ],
        "{}",
        p.render()
    );
    // Without --prune nothing is deleted.
    let p = plan(&one, &observed, Mode::Apply);
    assert!(p.entries.iter().all(|e| e.action != Action::Delete));
}

#[test]
fn destroy_deletes_every_owned_resource_in_reverse_order() {
    let d = desired_of(&example("service_discovery.svc"));
    let observed = as_observed(&d);
    let empty = Desired {
        stack: "test".into(),
        ..Default::default()
    };
    let p = plan(&empty, &observed, Mode::Destroy);
    assert_eq!(p.entries.len(), 7, "{}", p.render());
    assert!(p.entries.iter().all(|e| e.action == Action::Delete));
    let wave = |k: Kind| p.entries.iter().find(|e| e.kind == k).unwrap().wave();
    assert!(wave(Kind::Service) < wave(Kind::Discovery));
    assert!(wave(Kind::Discovery) < wave(Kind::Namespace));
    assert!(wave(Kind::TaskDef) < wave(Kind::Role));
    // Another stack's destroy touches nothing.
    let other = Desired {
        stack: "other".into(),
        ..Default::default()
    };
    assert!(plan(&other, &observed, Mode::Destroy).entries.is_empty());
}

#[test]
fn missing_inputs_are_reported_before_anything_else() {
    let model = model_of(&example("service_discovery.svc"));
    let missing = desired::missing_inputs(&model, &BTreeMap::new());
    assert_eq!(missing, ["vpc_id", "subnet_ids", "security_group_id"]);
    let err = desired::desired(&model, &BTreeMap::new(), "s", &identity()).unwrap_err();
    assert!(err.contains("vpc_id"), "{err}");
}

#[test]
fn the_desired_task_definition_is_the_compiled_json() {
    let model = model_of(&example("service_discovery.svc"));
    let v = vars(&model);
    let d = desired::desired(&model, &v, "test", &identity()).unwrap();
    let values = svc::emit::DeployValues {
        vars: v,
        region: Some("ap-northeast-1".into()),
        account_id: Some("123456789012".into()),
    };
    let (json, _) = svc::emit::taskdef::to_json(&model, &model.services[0], &values);
    let mut compiled: Value = serde_json::from_str(&json).unwrap();
    let mut ours = d.task_defs[0].input.clone();
    ours.as_object_mut().unwrap().remove("tags");
    compiled.as_object_mut().unwrap().remove("tags");
    assert_eq!(ours, compiled);
    assert_eq!(
        d.task_defs[0].tags.get("svc:stack").map(String::as_str),
        Some("test")
    );
    assert_eq!(d.roles[0].name, "service_b-execution");
    assert_eq!(d.services[0].subnets, ["subnet-a", "subnet-b"]);
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases/valid")
            .join(name),
    )
    .expect("fixture")
}

/// `calls`: one rule per (callee group, caller group), tagged as owned,
/// and the caller's task definition has the callee's address.
#[test]
fn calls_ask_for_ingress_rules_and_the_address_variable() {
    let d = desired_of(&fixture("calls_apply.svc"));
    let rules: Vec<String> = d.ingress_rules.iter().map(|r| r.label()).collect();
    assert_eq!(
        rules,
        [
            "api_sg-value ← web_sg-value 8080/tcp",
            "api_sg-value ← extra_sg-value 8080/tcp"
        ]
    );
    assert_eq!(
        d.ingress_rules[0].description,
        "svc: web calls api on 8080/tcp"
    );
    assert_eq!(d.ingress_rules[0].tags, ownership_tags("test"));
    let web = d.task_defs.iter().find(|t| t.family == "web").unwrap();
    assert_eq!(
        web.content["containerDefinitions"][0]["environment"],
        json!([{"name": "API_ADDR", "value": "api.internal.local:8080"}])
    );
    let p = plan(&d, &Observed::default(), Mode::Apply);
    let created: Vec<&str> = p
        .entries
        .iter()
        .filter(|e| e.kind == Kind::IngressRule && e.action == Action::Create)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(created, rules);
    // A list input on both sides: every pair.
    let d = desired_of(&fixture("calls.svc"));
    let api_to_worker: Vec<String> = d
        .ingress_rules
        .iter()
        .filter(|r| r.description.starts_with("svc: api calls worker"))
        .map(|r| r.label())
        .collect();
    assert_eq!(
        api_to_worker,
        [
            "sg-0aaa1111 ← subnet-b 53/udp",
            "sg-0aaa1111 ← subnet-a 53/udp",
            "sg-0bbb2222 ← subnet-b 53/udp",
            "sg-0bbb2222 ← subnet-a 53/udp",
        ]
    );
}

/// An identical rule made outside svc is used and not duplicated, never
/// refused and never deleted; svc's own rule is unchanged, and deleted on
/// destroy and when the call leaves the file (prune).
#[test]
fn ingress_rules_are_owned_by_tags() {
    let d = desired_of(&fixture("calls_apply.svc"));
    let mut o = as_observed(&d);
    o.ingress_rules[1].tags = Tags::new();
    // An unrelated rule of the same group, made by hand.
    let mut other = rule("sgr-hand", &d.ingress_rules[0], Tags::new());
    other.from_port = 9999;
    other.to_port = 9999;
    o.ingress_rules.push(other);

    let p = plan(&d, &o, Mode::Prune);
    assert!(!p.has_changes(), "{}", p.render());
    assert!(p.refusals().is_empty());
    assert_eq!(
        entry(
            &p,
            Kind::IngressRule,
            "api_sg-value ← web_sg-value 8080/tcp"
        )
        .action,
        Action::Unchanged
    );
    let foreign = &entry(
        &p,
        Kind::IngressRule,
        "api_sg-value ← extra_sg-value 8080/tcp",
    )
    .action;
    assert!(
        matches!(foreign, Action::Present(why) if why.contains("sgr-1") && why.contains("without svc's tags")),
        "{foreign:?}"
    );
    assert!(p.render().contains("present, not owned"), "{}", p.render());

    let empty = Desired {
        stack: "test".into(),
        ..Default::default()
    };
    let p = plan(&empty, &o, Mode::Destroy);
    let deleted: Vec<&svc::apply::plan::Op> = p
        .entries
        .iter()
        .filter(|e| e.kind == Kind::IngressRule)
        .map(|e| &e.op)
        .collect();
    assert_eq!(
        deleted,
        [&svc::apply::plan::Op::RevokeIngress {
            group: "api_sg-value".into(),
            id: "sgr-0".into()
        }]
    );

    // The call leaves the file: prune revokes svc's rule only.
    let without = desired_of(&fixture("calls_apply.svc").replace("  calls = [api]\n", ""));
    assert!(without.ingress_rules.is_empty());
    let p = plan(&without, &o, Mode::Prune);
    let rules: Vec<(&str, &Action)> = p
        .entries
        .iter()
        .filter(|e| e.kind == Kind::IngressRule)
        .map(|e| (e.name.as_str(), &e.action))
        .collect();
    assert_eq!(
        rules,
        [("api_sg-value ← web_sg-value 8080/tcp", &Action::Delete)]
    );
}

#[test]
fn tag_changes_are_made_in_place_on_every_tagged_resource() {
    use svc::apply::plan::{Op, TagTarget};
    let before = desired_of(&example("two_services.svc"));
    let mut observed = as_observed(&before);
    // A tag AWS itself put on the cluster is never removed.
    observed.clusters[0]
        .tags
        .insert("aws:cloudformation:stack-name".into(), "x".into());
    let text = example("two_services.svc")
        .replace(
            "tags { service = \"b\" }",
            "tags {\n    service = \"b\"\n    owner   = \"payments\"\n  }",
        )
        .replace("  tags { team = \"platform\" }\n", "");
    let after = desired_of(&text);
    let p = plan(&after, &observed, Mode::Apply);
    assert_eq!(
        fields(&p),
        [
            "cluster apps: tags[team]",
            "ecs-service service_b: tags[owner]",
            "iam-role service_b-execution: tags[owner]",
            "log-group /ecs/service_b: tags[owner]",
            "task-definition service_b: tags[owner]",
        ],
        "{}",
        p.render()
    );
    assert!(
        p.render().contains(
            "~ task-definition service_b: update\n    tags[owner]: (none) → \"payments\"\n"
        ),
        "{}",
        p.render()
    );
    // Tags alone change no other setting: no new revision, no service update.
    let td = entry(&p, Kind::TaskDef, "service_b");
    assert_eq!((&td.action, &td.op), (&Action::Update, &Op::None));
    let retag = td.retag.as_ref().expect("retag");
    assert_eq!(
        retag.target,
        TagTarget::Ecs(
            observed
                .task_defs
                .iter()
                .find(|t| t.family == "service_b")
                .unwrap()
                .arn
                .clone()
        )
    );
    assert_eq!(retag.set, Tags::from([("owner".into(), "payments".into())]));
    let cluster = entry(&p, Kind::Cluster, "apps")
        .retag
        .as_ref()
        .expect("retag");
    assert!(cluster.set.is_empty());
    assert_eq!(cluster.remove, ["team"]);
    assert_eq!(p.counts(), (0, 5, 0, p.entries.len() - 5));

    // Once applied, nothing is left to change.
    let mut applied = as_observed(&after);
    applied.clusters[0]
        .tags
        .insert("aws:cloudformation:stack-name".into(), "x".into());
    let again = plan(&after, &applied, Mode::Apply);
    assert!(!again.has_changes(), "{}", again.render());
}
