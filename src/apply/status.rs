//! `svc status`: per service the desired and running task counts, the
//! deployments, and the Cloud Map instances with their health.

use std::fmt::Write as _;

use super::cloud::{Cloud, CloudResult, Instance};
use super::desired::Desired;
use super::observed::{arn_name, Observed};

/// The status report of every service in `desired`.
pub async fn report<C: Cloud>(
    cloud: &C,
    desired: &Desired,
    observed: &Observed,
) -> CloudResult<String> {
    let mut out = String::new();
    for d in &desired.services {
        let service = observed.services.iter().find(|s| {
            s.name == d.name
                && s.status == "ACTIVE"
                && (arn_name(&s.cluster_arn) == d.cluster || s.cluster_arn == d.cluster)
        });
        let _ = writeln!(out, "service {} (cluster {})", d.name, d.cluster);
        let Some(s) = service else {
            let _ = writeln!(out, "  not created (run `svc apply`)");
            continue;
        };
        let _ = writeln!(
            out,
            "  tasks: {} desired, {} running, {} pending",
            s.desired_count, s.running_count, s.pending_count
        );
        let _ = writeln!(out, "  task definition: {}", arn_name(&s.task_definition));
        for dep in &s.deployments {
            let _ = writeln!(
                out,
                "  deployment {}: {} ({} of {} running, {})",
                dep.status,
                dep.rollout_state.as_deref().unwrap_or("-"),
                dep.running,
                dep.desired,
                arn_name(&dep.task_definition)
            );
        }
        if let Some(reg) = &d.registry {
            let found = observed.discovery.iter().find(|x| {
                x.name == reg.name
                    && observed
                        .namespaces
                        .iter()
                        .any(|n| n.id == x.namespace_id && n.name == reg.namespace)
            });
            match found {
                None => {
                    let _ = writeln!(
                        out,
                        "  discovery {}.{}: not created",
                        reg.name, reg.namespace
                    );
                }
                Some(x) => {
                    let instances: Vec<Instance> = cloud.list_instances(&x.id).await?;
                    let healthy = instances.iter().filter(|i| i.health == "HEALTHY").count();
                    let _ = writeln!(
                        out,
                        "  discovery {}.{}: {} instance(s), {} healthy",
                        reg.name,
                        reg.namespace,
                        instances.len(),
                        healthy
                    );
                    for i in instances {
                        let _ = writeln!(
                            out,
                            "    {} {} {}",
                            i.id,
                            i.ip.as_deref().unwrap_or("-"),
                            i.health
                        );
                    }
                }
            }
        }
    }
    if desired.services.is_empty() {
        let _ = writeln!(out, "no services declared");
    }
    Ok(out)
}
