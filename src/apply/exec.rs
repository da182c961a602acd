//! Carrying out a plan: wave by wave (dependencies first; deletions in
//! reverse), the resources of a wave concurrently up to a bound.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};

use super::cloud::{Cloud, CloudResult, ServiceUpdate};
use super::observed::Observed;
use super::plan::{Action, Entry, Op, Plan};

/// How many resources of a wave are changed at once.
pub const APPLY_CONCURRENCY: usize = 4;

/// Values that later resources need from earlier ones.
#[derive(Debug, Default)]
struct Refs {
    /// Namespace id by domain.
    namespaces: BTreeMap<String, String>,
    /// Discovery service ARN by (domain, name).
    discovery: BTreeMap<(String, String), String>,
    /// Task-definition ARN to run, by family.
    task_defs: BTreeMap<String, String>,
}

impl Refs {
    fn from_observed(observed: &Observed, stack: &str) -> Refs {
        use super::observed::{owner, Owner};
        let mut refs = Refs::default();
        // Prefer the stack's own namespace when several share a name.
        let mut namespaces: Vec<_> = observed
            .namespaces
            .iter()
            .filter(|n| n.kind == "DNS_PRIVATE")
            .collect();
        namespaces.sort_by_key(|n| owner(&n.tags, stack) == Owner::Us);
        for n in namespaces {
            refs.namespaces.insert(n.name.clone(), n.id.clone());
        }
        for d in &observed.discovery {
            if let Some(ns) = observed.namespaces.iter().find(|n| n.id == d.namespace_id) {
                let key = (ns.name.clone(), d.name.clone());
                let is_ours = owner(&d.tags, stack) == Owner::Us;
                if is_ours || !refs.discovery.contains_key(&key) {
                    refs.discovery.insert(key, d.arn.clone());
                }
            }
        }
        for t in &observed.task_defs {
            refs.task_defs.insert(t.family.clone(), t.arn.clone());
        }
        refs
    }
}

/// Progress events, shown by the command line.
pub trait Progress: Send + Sync {
    /// Work on `entry` started.
    fn started(&self, entry: &Entry);
    /// Work on `entry` ended.
    fn finished(&self, entry: &Entry, result: &CloudResult<()>, elapsed: Duration);
}

/// Progress that shows nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn started(&self, _: &Entry) {}
    fn finished(&self, _: &Entry, _: &CloudResult<()>, _: Duration) {}
}

/// The outcome of an apply.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Resources changed successfully.
    pub done: usize,
    /// Failures: resource and message.
    pub failed: Vec<(String, String)>,
    /// Resources not attempted because an earlier wave failed.
    pub skipped: usize,
}

/// Carries out `plan`. Stops after the first wave with a failure (later
/// waves depend on it); a re-run converges from wherever it stopped.
pub async fn apply<C: Cloud>(
    cloud: &C,
    plan: &Plan,
    observed: &Observed,
    stack: &str,
    progress: &dyn Progress,
) -> Outcome {
    let refs = Mutex::new(Refs::from_observed(observed, stack));
    let mut outcome = Outcome::default();
    let work: Vec<&Entry> = plan
        .entries
        .iter()
        .filter(|e| matches!(e.action, Action::Create | Action::Update | Action::Delete))
        .collect();
    // A pause between waves, for tests that interrupt an apply midway.
    let pause = std::env::var("SVC_APPLY_WAVE_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let mut first = true;
    for wave in 0..=5u8 {
        let entries: Vec<&Entry> = work.iter().copied().filter(|e| e.wave() == wave).collect();
        if entries.is_empty() {
            continue;
        }
        if !outcome.failed.is_empty() {
            outcome.skipped += entries.len();
            continue;
        }
        if let (Some(pause), false) = (pause, first) {
            tokio::time::sleep(pause).await;
        }
        first = false;
        let results: Vec<(&Entry, CloudResult<()>)> = stream::iter(entries)
            .map(|entry| {
                let refs = &refs;
                async move {
                    progress.started(entry);
                    let start = Instant::now();
                    let mut result = run(cloud, entry, refs).await;
                    if let (Ok(()), Some(retag)) = (&result, &entry.retag) {
                        result = cloud.retag(retag).await;
                    }
                    progress.finished(entry, &result, start.elapsed());
                    (entry, result)
                }
            })
            .buffer_unordered(APPLY_CONCURRENCY)
            .collect()
            .await;
        for (entry, result) in results {
            match result {
                Ok(()) => outcome.done += 1,
                Err(e) => outcome
                    .failed
                    .push((format!("{} {}", entry.kind.label(), entry.name), e)),
            }
        }
    }
    outcome
}

fn lookup<T: Clone>(
    refs: &Mutex<Refs>,
    f: impl FnOnce(&Refs) -> Option<T>,
    what: impl FnOnce() -> String,
) -> CloudResult<T> {
    let refs = refs.lock().unwrap_or_else(|p| p.into_inner());
    f(&refs).ok_or_else(|| format!("{} is not known (was it created?)", what()))
}

fn store(refs: &Mutex<Refs>, f: impl FnOnce(&mut Refs)) {
    let mut refs = refs.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut refs)
}

async fn run<C: Cloud>(cloud: &C, entry: &Entry, refs: &Mutex<Refs>) -> CloudResult<()> {
    match &entry.op {
        Op::None => Ok(()),
        Op::CreateNamespace(d) => {
            let id = cloud.create_namespace(d).await?;
            store(refs, |r| {
                r.namespaces.insert(d.name.clone(), id);
            });
            Ok(())
        }
        Op::UpdateNamespace { id, desired } => cloud.update_namespace(id, desired).await,
        Op::DeleteNamespace { id } => cloud.delete_namespace(id).await,
        Op::CreateCluster(d) => cloud.create_cluster(d).await,
        Op::UpdateCluster(d) => cloud.update_cluster(d).await,
        Op::DeleteCluster { arn } => cloud.delete_cluster(arn).await,
        Op::CreateLogGroup(d) => cloud.create_log_group(d).await,
        Op::UpdateLogGroup(d) => cloud.set_retention(&d.name, d.retention_days).await,
        Op::DeleteLogGroup { name } => cloud.delete_log_group(name).await,
        Op::CreateRole(d) => {
            cloud.create_role(d).await?;
            for arn in &d.managed_policies {
                cloud.attach_role_policy(&d.name, arn).await?;
            }
            for (name, doc) in &d.inline_policies {
                cloud.put_role_policy(&d.name, name, doc).await?;
            }
            Ok(())
        }
        Op::UpdateRole { desired, observed } => {
            if desired.assume_policy != observed.assume_policy {
                cloud
                    .update_assume_role_policy(&desired.name, &desired.assume_policy)
                    .await?;
            }
            for arn in &desired.managed_policies {
                if !observed.managed_policies.contains(arn) {
                    cloud.attach_role_policy(&desired.name, arn).await?;
                }
            }
            for (name, doc) in &desired.inline_policies {
                if observed.inline_policies.get(name) != Some(doc) {
                    cloud.put_role_policy(&desired.name, name, doc).await?;
                }
            }
            for name in observed.inline_policies.keys() {
                if name == crate::model::SECRETS_POLICY_NAME
                    && !desired.inline_policies.contains_key(name)
                {
                    cloud.delete_role_policy(&desired.name, name).await?;
                }
            }
            Ok(())
        }
        Op::DeleteRole(o) => {
            for arn in &o.managed_policies {
                cloud.detach_role_policy(&o.name, arn).await?;
            }
            for name in o.inline_policies.keys() {
                cloud.delete_role_policy(&o.name, name).await?;
            }
            cloud.delete_role(&o.name).await
        }
        Op::CreateDiscovery(d) => {
            let ns = lookup(
                refs,
                |r| r.namespaces.get(&d.namespace).cloned(),
                || format!("the id of namespace {}", d.namespace),
            )?;
            let arn = cloud.create_discovery(d, &ns).await?;
            store(refs, |r| {
                r.discovery
                    .insert((d.namespace.clone(), d.name.clone()), arn);
            });
            Ok(())
        }
        Op::UpdateDiscovery { id, desired } => cloud.update_discovery(id, desired).await,
        Op::DeleteDiscovery { id } => cloud.delete_discovery(id).await,
        Op::RegisterTaskDef(d) => {
            let arn = cloud.register_task_def(&d.input).await?;
            store(refs, |r| {
                r.task_defs.insert(d.family.clone(), arn);
            });
            Ok(())
        }
        Op::DeregisterTaskDefs { arns } => {
            for arn in arns {
                cloud.deregister_task_def(arn).await?;
            }
            Ok(())
        }
        Op::CreateService(d) => {
            let td = lookup(
                refs,
                |r| r.task_defs.get(&d.family).cloned(),
                || format!("the task definition of {}", d.family),
            )?;
            let registry = match &d.registry {
                Some(reg) => Some(lookup(
                    refs,
                    |r| {
                        r.discovery
                            .get(&(reg.namespace.clone(), reg.name.clone()))
                            .cloned()
                    },
                    || format!("discovery service {}.{}", reg.name, reg.namespace),
                )?),
                None => None,
            };
            cloud.create_service(d, &td, registry.as_deref()).await
        }
        Op::UpdateService { desired, observed } => {
            let td = lookup(
                refs,
                |r| r.task_defs.get(&desired.family).cloned(),
                || format!("the task definition of {}", desired.family),
            )?;
            let registry = match &desired.registry {
                Some(reg) => Some(lookup(
                    refs,
                    |r| {
                        r.discovery
                            .get(&(reg.namespace.clone(), reg.name.clone()))
                            .cloned()
                    },
                    || format!("discovery service {}.{}", reg.name, reg.namespace),
                )?),
                None => None,
            };
            let registry_same = match (&registry, &desired.registry) {
                (None, _) => observed.registries.is_empty(),
                (Some(arn), Some(reg)) => {
                    observed.registries.len() == 1
                        && observed.registries[0].arn == *arn
                        && observed.registries[0].container_name
                            == reg.container.as_ref().map(|c| c.0.clone())
                        && observed.registries[0].container_port
                            == reg.container.as_ref().map(|c| c.1)
                }
                (Some(_), None) => false,
            };
            let update = ServiceUpdate {
                task_definition: (td != observed.task_definition).then_some(td),
                desired_count: (desired.desired_count != observed.desired_count)
                    .then_some(desired.desired_count),
                network: desired.subnets != observed.subnets
                    || desired.security_groups != observed.security_groups
                    || desired.public_ip != observed.public_ip,
                registry: (!registry_same).then_some(registry),
                platform_version: desired
                    .platform_version
                    .clone()
                    .filter(|v| observed.platform_version.as_ref() != Some(v)),
            };
            if update == ServiceUpdate::default() {
                return Ok(());
            }
            cloud.update_service(desired, &update).await
        }
        Op::DeleteService { cluster, name } => cloud.delete_service(cluster, name).await,
        Op::AuthorizeIngress(d) => cloud.authorize_ingress(d).await.map(|_| ()),
        Op::RevokeIngress { group, id } => cloud.revoke_ingress(group, id).await,
    }
}
