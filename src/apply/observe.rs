//! Reading what exists: the resources the desired state names, and, for
//! `--prune` and `destroy`, everything the stack owns.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::cloud::{Cloud, CloudResult};
use super::desired::Desired;
use super::observed::*;

/// How many read calls run at once.
const READ_CONCURRENCY: usize = 8;

/// Observes the resources `desired` names; with `scan`, also every
/// resource tagged as owned by the stack.
pub async fn observe<C: Cloud>(cloud: &C, desired: &Desired, scan: bool) -> CloudResult<Observed> {
    let stack = desired.stack.as_str();
    let ours = |tags: &super::desired::Tags| owner(tags, stack) == Owner::Us;

    let namespaces_and_discovery = async {
        let (n, d) = tokio::join!(cloud.list_namespaces(), cloud.list_discovery_services());
        Ok::<_, String>((n?, d?))
    };

    let clusters = async {
        let mut names: Vec<String> = desired.clusters.iter().map(|c| c.name.clone()).collect();
        names.extend(desired.external_clusters.iter().cloned());
        if scan {
            names.extend(cloud.list_clusters().await?);
        }
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        cloud.describe_clusters(&names).await
    };

    let log_groups = async {
        if scan {
            return cloud.list_log_groups().await;
        }
        let found: Vec<Option<OLogGroup>> = stream::iter(&desired.log_groups)
            .map(|g| cloud.get_log_group(&g.name))
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    };

    let roles = async {
        let mut names: Vec<String> = desired.roles.iter().map(|r| r.name.clone()).collect();
        if scan {
            // svc names every role it creates `<service>-execution`.
            names.extend(
                cloud
                    .list_role_names()
                    .await?
                    .into_iter()
                    .filter(|n| n.ends_with("-execution")),
            );
        }
        names.sort();
        names.dedup();
        let found: Vec<Option<ORole>> = stream::iter(&names)
            .map(|n| cloud.get_role(n))
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        Ok::<_, String>(
            found
                .into_iter()
                .flatten()
                .filter(|r| {
                    !scan || ours(&r.tags) || desired.roles.iter().any(|d| d.name == r.name)
                })
                .collect::<Vec<_>>(),
        )
    };

    let (nd, clusters, log_groups, roles) =
        tokio::join!(namespaces_and_discovery, clusters, log_groups, roles);
    let (namespaces, discovery) = nd?;
    let clusters: Vec<OCluster> = clusters?;
    let log_groups = log_groups?;
    let roles = roles?;

    // ECS services: in the clusters the services name, and when scanning
    // in every cluster the stack owns.
    let mut by_cluster: Vec<(String, Vec<String>)> = Vec::new();
    for s in &desired.services {
        match by_cluster.iter_mut().find(|(c, _)| *c == s.cluster) {
            Some((_, names)) => names.push(s.name.clone()),
            None => by_cluster.push((s.cluster.clone(), vec![s.name.clone()])),
        }
    }
    if scan {
        for c in &clusters {
            if c.status == "ACTIVE"
                && (ours(&c.tags)
                    || desired.external_clusters.contains(&c.name)
                    || desired.external_clusters.contains(&c.arn))
                && !by_cluster.iter().any(|(n, _)| *n == c.name || *n == c.arn)
            {
                by_cluster.push((c.name.clone(), Vec::new()));
            }
        }
    }
    let existing = |name: &str| {
        clusters
            .iter()
            .any(|c| c.status == "ACTIVE" && (c.name == name || c.arn == name))
    };
    let service_lists: Vec<Vec<OService>> = stream::iter(by_cluster)
        .filter(|(cluster, _)| std::future::ready(existing(cluster)))
        .map(|(cluster, mut names)| async move {
            if scan {
                names.extend(cloud.list_services(&cluster).await?);
                names.sort();
                names.dedup();
            }
            if names.is_empty() {
                return Ok(Vec::new());
            }
            cloud.describe_services(&cluster, &names).await
        })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let services: Vec<OService> = service_lists.into_iter().flatten().collect();

    // Task definitions: the families of the desired services and, when
    // scanning, of the owned services.
    let mut families: Vec<String> = desired.task_defs.iter().map(|t| t.family.clone()).collect();
    if scan {
        families.extend(services.iter().filter(|s| ours(&s.tags)).map(|s| {
            arn_name(&s.task_definition)
                .split(':')
                .next()
                .unwrap_or("")
                .to_string()
        }));
    }
    families.sort();
    families.dedup();
    families.retain(|f| !f.is_empty());
    let latest: Vec<Option<OTaskDef>> = stream::iter(&families)
        .map(|f| cloud.latest_task_def(f))
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let task_defs: Vec<OTaskDef> = latest.into_iter().flatten().collect();
    let mut old_task_defs = Vec::new();
    if scan {
        let owned: Vec<&OTaskDef> = task_defs.iter().filter(|t| ours(&t.tags)).collect();
        let revisions: Vec<Vec<OTaskDef>> = stream::iter(owned)
            .map(|t| cloud.task_def_revisions(&t.family))
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        old_task_defs = revisions
            .into_iter()
            .flatten()
            .filter(|r| !task_defs.iter().any(|t| t.arn == r.arn))
            .collect();
    }

    // Security group rules: those of the callees' groups, and when
    // scanning every rule tagged with the stack.
    let mut groups: Vec<String> = desired
        .ingress_rules
        .iter()
        .map(|r| r.group.clone())
        .collect();
    groups.sort();
    groups.dedup();
    let ingress_rules = if groups.is_empty() && !scan {
        Vec::new()
    } else {
        cloud
            .describe_ingress_rules(&groups, scan.then_some(stack))
            .await?
    };

    Ok(Observed {
        namespaces,
        discovery,
        clusters,
        log_groups,
        roles,
        task_defs,
        old_task_defs,
        services,
        ingress_rules,
    })
}
