//! Planning: a pure function from the desired and the observed state to
//! the list of resources with what would happen to each.

use std::fmt::Write as _;

use serde_json::Value;

use super::desired::*;
use super::observed::*;

/// Resource kinds, in the order they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Cloud Map private DNS namespace.
    Namespace,
    /// ECS cluster.
    Cluster,
    /// CloudWatch log group.
    LogGroup,
    /// IAM execution role.
    Role,
    /// Cloud Map service.
    Discovery,
    /// ECS task definition.
    TaskDef,
    /// ECS service.
    Service,
    /// Security group ingress rule from a caller to a callee.
    IngressRule,
}

impl Kind {
    /// How the kind is printed.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Namespace => "namespace",
            Kind::Cluster => "cluster",
            Kind::LogGroup => "log-group",
            Kind::Role => "iam-role",
            Kind::Discovery => "discovery-service",
            Kind::TaskDef => "task-definition",
            Kind::Service => "ecs-service",
            Kind::IngressRule => "ingress-rule",
        }
    }

    /// Creation/update wave: a resource only depends on resources of
    /// earlier waves. Deletions run the waves backwards.
    pub fn wave(self) -> u8 {
        match self {
            Kind::Namespace | Kind::Cluster | Kind::LogGroup | Kind::Role => 0,
            Kind::Discovery | Kind::TaskDef => 1,
            Kind::Service | Kind::IngressRule => 2,
        }
    }
}

/// What happens to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Created.
    Create,
    /// Changed in place (the changes say what).
    Update,
    /// Already as desired.
    Unchanged,
    /// Removed (destroy, or prune of a resource that left the file).
    Delete,
    /// A resource with this name exists but svc (this stack) does not own
    /// it: left alone, and apply refuses.
    NotOwned(String),
    /// A change AWS cannot make in place: apply refuses.
    Blocked(String),
    /// What the file asks for exists already, created outside this stack:
    /// svc relies on it, never changes or deletes it, and does not refuse.
    Present(String),
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Field path, e.g. `desired_count`.
    pub field: String,
    /// Current value.
    pub before: String,
    /// Desired value.
    pub after: String,
}

/// What to do for one resource, with the data the executor needs.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // a few per plan
pub enum Op {
    /// Nothing.
    None,
    /// Create a namespace.
    CreateNamespace(DNamespace),
    /// Update a namespace's description.
    UpdateNamespace {
        /// Namespace id.
        id: String,
        /// Desired state.
        desired: DNamespace,
    },
    /// Delete a namespace.
    DeleteNamespace {
        /// Namespace id.
        id: String,
    },
    /// Create a cluster.
    CreateCluster(DCluster),
    /// Update cluster settings.
    UpdateCluster(DCluster),
    /// Delete a cluster.
    DeleteCluster {
        /// Cluster ARN.
        arn: String,
    },
    /// Create a log group.
    CreateLogGroup(DLogGroup),
    /// Change retention.
    UpdateLogGroup(DLogGroup),
    /// Delete a log group.
    DeleteLogGroup {
        /// Name.
        name: String,
    },
    /// Create a role with its policies.
    CreateRole(DRole),
    /// Bring a role's policies in line.
    UpdateRole {
        /// Desired state.
        desired: DRole,
        /// Observed state.
        observed: ORole,
    },
    /// Delete a role and its policies.
    DeleteRole(ORole),
    /// Create a discovery service.
    CreateDiscovery(DDiscovery),
    /// Update a discovery service's TTL.
    UpdateDiscovery {
        /// Service id.
        id: String,
        /// Desired state.
        desired: DDiscovery,
    },
    /// Delete a discovery service.
    DeleteDiscovery {
        /// Service id.
        id: String,
    },
    /// Register a task-definition revision.
    RegisterTaskDef(DTaskDef),
    /// Deregister revisions.
    DeregisterTaskDefs {
        /// Revision ARNs.
        arns: Vec<String>,
    },
    /// Create an ECS service.
    CreateService(DService),
    /// Update an ECS service.
    UpdateService {
        /// Desired state.
        desired: DService,
        /// Observed state.
        observed: OService,
    },
    /// Scale an ECS service to 0 and delete it.
    DeleteService {
        /// Cluster ARN.
        cluster: String,
        /// Service name.
        name: String,
    },
    /// Add an ingress rule.
    AuthorizeIngress(DIngressRule),
    /// Remove an ingress rule.
    RevokeIngress {
        /// The security group.
        group: String,
        /// The rule id.
        id: String,
    },
}

/// One resource of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Kind.
    pub kind: Kind,
    /// Name shown.
    pub name: String,
    /// What happens.
    pub action: Action,
    /// For updates: the changed fields.
    pub changes: Vec<Change>,
    /// For the executor.
    pub op: Op,
    /// Tags to set and remove on the existing resource, after `op`.
    pub retag: Option<Retag>,
}

/// Where tags are changed: each API tags its resources its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagTarget {
    /// A Cloud Map namespace or service, by ARN.
    CloudMap(String),
    /// An ECS cluster, service or task definition, by ARN.
    Ecs(String),
    /// A CloudWatch log group, by ARN (without `:*`).
    LogGroup(String),
    /// An IAM role, by name.
    Role(String),
    /// An EC2 security group rule, by id.
    Ec2(String),
}

/// A tag change on an existing resource, as `terraform apply` makes it in
/// place: the desired tags are set, tags no longer asked for are removed
/// (`aws:` tags are AWS's own and are left alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retag {
    /// The resource.
    pub target: TagTarget,
    /// Tags added or changed.
    pub set: Tags,
    /// Tag keys removed.
    pub remove: Vec<String>,
}

impl Entry {
    fn new(kind: Kind, name: impl Into<String>, action: Action, op: Op) -> Entry {
        Entry {
            kind,
            name: name.into(),
            action,
            changes: Vec::new(),
            op,
            retag: None,
        }
    }

    /// Adds the tag changes that bring `have` to `want` on `target`: a
    /// `tags[KEY]` change each, and an update if nothing else changed.
    fn retag(mut self, target: TagTarget, have: &Tags, want: &Tags) -> Entry {
        let set: Tags = want
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let remove: Vec<String> = have
            .keys()
            .filter(|k| !want.contains_key(*k) && !k.starts_with("aws:"))
            .cloned()
            .collect();
        if set.is_empty() && remove.is_empty() {
            return self;
        }
        for (k, v) in &set {
            let before = have
                .get(k)
                .map_or("(none)".to_string(), |v| format!("{v:?}"));
            self.changes
                .push(change(&format!("tags[{k}]"), before, format!("{v:?}")));
        }
        for k in &remove {
            self.changes.push(change(
                &format!("tags[{k}]"),
                format!("{:?}", have[k]),
                "(none)",
            ));
        }
        if self.action == Action::Unchanged {
            self.action = Action::Update;
        }
        self.retag = Some(Retag {
            target,
            set,
            remove,
        });
        self
    }

    /// The wave this entry runs in: creations and updates 0..=2, deletions
    /// 3..=5 in reverse dependency order.
    pub fn wave(&self) -> u8 {
        match self.action {
            Action::Delete => 5 - self.kind.wave(),
            _ => self.kind.wave(),
        }
    }
}

/// What `plan` should consider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Create and update what the file declares.
    Apply,
    /// Also delete owned resources that are not in the file.
    Prune,
    /// Delete every owned resource (the desired state is empty).
    Destroy,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// One entry per resource.
    pub entries: Vec<Entry>,
}

impl Plan {
    /// Whether anything would be created, updated or deleted.
    pub fn has_changes(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.action, Action::Create | Action::Update | Action::Delete))
    }

    /// Entries that make apply refuse.
    pub fn refusals(&self) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.action, Action::NotOwned(_) | Action::Blocked(_)))
            .collect()
    }

    /// Counts: (create, update, delete, unchanged).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let count = |f: fn(&Action) -> bool| self.entries.iter().filter(|e| f(&e.action)).count();
        (
            count(|a| *a == Action::Create),
            count(|a| *a == Action::Update),
            count(|a| *a == Action::Delete),
            count(|a| matches!(a, Action::Unchanged | Action::Present(_))),
        )
    }

    /// The plan as text, one line per resource and one per changed field.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let (sign, what) = match &e.action {
                Action::Create => ("+", "create".to_string()),
                Action::Update => ("~", "update".to_string()),
                Action::Unchanged => ("=", "unchanged".to_string()),
                Action::Delete => ("-", "delete".to_string()),
                Action::NotOwned(why) => ("!", format!("not owned: {why}")),
                Action::Blocked(why) => ("!", format!("cannot apply: {why}")),
                Action::Present(why) => ("=", format!("present, not owned: {why}")),
            };
            let _ = writeln!(out, "{sign} {} {}: {what}", e.kind.label(), e.name);
            for c in &e.changes {
                let _ = writeln!(out, "    {}: {} → {}", c.field, c.before, c.after);
            }
        }
        let (c, u, d, n) = self.counts();
        if self.has_changes() {
            let _ = writeln!(
                out,
                "Plan: {c} to create, {u} to update, {d} to delete, {n} unchanged."
            );
        } else {
            let _ = writeln!(out, "No changes: {n} resource(s) up to date.");
        }
        let refusals = self.refusals().len();
        if refusals > 0 {
            let _ = writeln!(
                out,
                "{refusals} resource(s) cannot be applied (marked `!`); apply refuses until they are resolved."
            );
        }
        out
    }
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "(none)".to_string(), |v| v.to_string())
}

fn change(field: &str, before: impl Into<String>, after: impl Into<String>) -> Change {
    Change {
        field: field.to_string(),
        before: before.into(),
        after: after.into(),
    }
}

fn not_owned(owner: &Owner, stack: &str) -> Action {
    Action::NotOwned(match owner {
        Owner::Foreign => format!(
            "exists without svc's tags ({TAG_MANAGED_BY} = {MANAGED_BY}, {TAG_STACK} = {stack}); svc leaves it untouched. Rename it in the file, or delete or import it by hand"
        ),
        Owner::Stack(other) => format!(
            "belongs to svc stack `{other}`, not `{stack}`; use --stack {other} or rename it"
        ),
        Owner::Us => String::new(),
    })
}

fn finish(mut entry: Entry, changes: Vec<Change>) -> Entry {
    if changes.is_empty() {
        entry.action = Action::Unchanged;
        entry.op = Op::None;
    } else {
        entry.changes = changes;
    }
    entry
}

/// Compares the desired with the observed state.
pub fn plan(desired: &Desired, observed: &Observed, mode: Mode) -> Plan {
    let stack = desired.stack.as_str();
    let mut entries: Vec<Entry> = Vec::new();
    let ours = |tags: &Tags| owner(tags, stack) == Owner::Us;

    // Namespaces.
    let mut kept_namespaces: Vec<&str> = Vec::new();
    for d in &desired.namespaces {
        let found: Vec<&ONamespace> = observed
            .namespaces
            .iter()
            .filter(|n| n.name == d.name && n.kind == "DNS_PRIVATE")
            .collect();
        let found = found
            .iter()
            .find(|n| ours(&n.tags))
            .or(found.first())
            .copied();
        let entry = match found {
            None => Entry::new(
                Kind::Namespace,
                &d.name,
                Action::Create,
                Op::CreateNamespace(d.clone()),
            ),
            Some(o) => {
                kept_namespaces.push(&o.id);
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    Entry::new(Kind::Namespace, &d.name, not_owned(&who, stack), Op::None)
                } else {
                    let mut changes = Vec::new();
                    if o.description != d.description {
                        changes.push(change(
                            "description",
                            opt(&o.description),
                            opt(&d.description),
                        ));
                    }
                    finish(
                        Entry::new(
                            Kind::Namespace,
                            &d.name,
                            Action::Update,
                            Op::UpdateNamespace {
                                id: o.id.clone(),
                                desired: d.clone(),
                            },
                        ),
                        changes,
                    )
                    .retag(
                        TagTarget::CloudMap(o.arn.clone()),
                        &o.tags,
                        &d.tags,
                    )
                }
            }
        };
        entries.push(entry);
    }

    // Clusters.
    let mut kept_clusters: Vec<&str> = Vec::new();
    for d in &desired.clusters {
        let found = observed
            .clusters
            .iter()
            .find(|c| c.name == d.name && c.status == "ACTIVE");
        let entry = match found {
            None => Entry::new(
                Kind::Cluster,
                &d.name,
                Action::Create,
                Op::CreateCluster(d.clone()),
            ),
            Some(o) => {
                kept_clusters.push(&o.arn);
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    Entry::new(Kind::Cluster, &d.name, not_owned(&who, stack), Op::None)
                } else {
                    let mut changes = Vec::new();
                    if o.container_insights != d.container_insights {
                        changes.push(change(
                            "container_insights",
                            o.container_insights.to_string(),
                            d.container_insights.to_string(),
                        ));
                    }
                    finish(
                        Entry::new(
                            Kind::Cluster,
                            &d.name,
                            Action::Update,
                            Op::UpdateCluster(d.clone()),
                        ),
                        changes,
                    )
                    .retag(TagTarget::Ecs(o.arn.clone()), &o.tags, &d.tags)
                }
            }
        };
        entries.push(entry);
    }

    // Log groups.
    let mut kept_groups: Vec<&str> = Vec::new();
    for d in &desired.log_groups {
        let entry = match observed.log_groups.iter().find(|g| g.name == d.name) {
            None => Entry::new(
                Kind::LogGroup,
                &d.name,
                Action::Create,
                Op::CreateLogGroup(d.clone()),
            ),
            Some(o) => {
                kept_groups.push(&o.name);
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    Entry::new(Kind::LogGroup, &d.name, not_owned(&who, stack), Op::None)
                } else {
                    let mut changes = Vec::new();
                    let want = d.retention_days.map(|d| d as i32);
                    if o.retention_days != want {
                        changes.push(change("retention_days", opt(&o.retention_days), opt(&want)));
                    }
                    finish(
                        Entry::new(
                            Kind::LogGroup,
                            &d.name,
                            Action::Update,
                            Op::UpdateLogGroup(d.clone()),
                        ),
                        changes,
                    )
                    .retag(
                        TagTarget::LogGroup(o.arn.clone()),
                        &o.tags,
                        &d.tags,
                    )
                }
            }
        };
        entries.push(entry);
    }

    // Roles.
    let mut kept_roles: Vec<&str> = Vec::new();
    for d in &desired.roles {
        let entry = match observed.roles.iter().find(|r| r.name == d.name) {
            None => Entry::new(
                Kind::Role,
                &d.name,
                Action::Create,
                Op::CreateRole(d.clone()),
            ),
            Some(o) => {
                kept_roles.push(&o.name);
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    Entry::new(Kind::Role, &d.name, not_owned(&who, stack), Op::None)
                } else {
                    let mut changes = Vec::new();
                    if o.assume_policy != d.assume_policy {
                        changes.push(change(
                            "assume_role_policy",
                            o.assume_policy.to_string(),
                            d.assume_policy.to_string(),
                        ));
                    }
                    for p in &d.managed_policies {
                        if !o.managed_policies.contains(p) {
                            changes.push(change("attached_policy", "(none)", p.as_str()));
                        }
                    }
                    for (name, doc) in &d.inline_policies {
                        match o.inline_policies.get(name) {
                            Some(have) if have == doc => {}
                            have => changes.push(change(
                                &format!("inline_policy[{name}]"),
                                have.map_or("(none)".to_string(), |v| v.to_string()),
                                doc.to_string(),
                            )),
                        }
                    }
                    for name in o.inline_policies.keys() {
                        if name == crate::model::SECRETS_POLICY_NAME
                            && !d.inline_policies.contains_key(name)
                        {
                            changes.push(change(
                                &format!("inline_policy[{name}]"),
                                "(present)",
                                "(none)",
                            ));
                        }
                    }
                    finish(
                        Entry::new(
                            Kind::Role,
                            &d.name,
                            Action::Update,
                            Op::UpdateRole {
                                desired: d.clone(),
                                observed: o.clone(),
                            },
                        ),
                        changes,
                    )
                    .retag(TagTarget::Role(o.name.clone()), &o.tags, &d.tags)
                }
            }
        };
        entries.push(entry);
    }

    // Discovery services.
    let namespace_id = |domain: &str| -> Option<&ONamespace> {
        observed
            .namespaces
            .iter()
            .filter(|n| n.name == domain && n.kind == "DNS_PRIVATE")
            .min_by_key(|n| !ours(&n.tags))
    };
    let mut kept_discovery: Vec<&str> = Vec::new();
    // Discovery service ARN per (namespace, name): `None` if it is created.
    let mut registry_arns: Vec<((String, String), Option<String>)> = Vec::new();
    for d in &desired.discovery {
        let label = format!("{}.{}", d.name, d.namespace);
        let ns = namespace_id(&d.namespace);
        let found = ns.and_then(|ns| {
            observed
                .discovery
                .iter()
                .find(|s| s.name == d.name && s.namespace_id == ns.id)
        });
        let elsewhere = observed.discovery.iter().find(|s| {
            s.name == d.name && ours(&s.tags) && ns.is_none_or(|ns| ns.id != s.namespace_id)
        });
        let entry = match (found, elsewhere) {
            (None, Some(o)) if mode != Mode::Destroy => {
                kept_discovery.push(&o.id);
                let from = observed
                    .namespaces
                    .iter()
                    .find(|n| n.id == o.namespace_id)
                    .map_or(o.namespace_id.as_str(), |n| n.name.as_str());
                Entry::new(
                    Kind::Discovery,
                    &label,
                    Action::Blocked(format!(
                        "it exists in namespace {from}; AWS cannot move a discovery service to {} in place. Remove the `discovery` block, apply, then add it back with the new namespace (or `svc destroy` and apply)",
                        d.namespace
                    )),
                    Op::None,
                )
            }
            (None, _) => {
                registry_arns.push(((d.namespace.clone(), d.name.clone()), None));
                Entry::new(
                    Kind::Discovery,
                    &label,
                    Action::Create,
                    Op::CreateDiscovery(d.clone()),
                )
            }
            (Some(o), _) => {
                kept_discovery.push(&o.id);
                registry_arns.push(((d.namespace.clone(), d.name.clone()), Some(o.arn.clone())));
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    Entry::new(Kind::Discovery, &label, not_owned(&who, stack), Op::None)
                } else {
                    let mut have_types: Vec<&str> =
                        o.records.iter().map(|(t, _)| t.as_str()).collect();
                    have_types.sort();
                    let mut want_types: Vec<&str> = d.records.iter().map(String::as_str).collect();
                    want_types.sort();
                    let mut blocked = Vec::new();
                    if have_types != want_types {
                        blocked.push(format!(
                            "record types {} → {}",
                            have_types.join(", "),
                            want_types.join(", ")
                        ));
                    }
                    if o.routing.as_deref() != Some(d.routing.as_str()) {
                        blocked.push(format!("routing {} → {}", opt(&o.routing), d.routing));
                    }
                    if o.custom_health != d.custom_health.is_some() {
                        blocked.push(format!(
                            "custom health check {} → {}",
                            if o.custom_health { "on" } else { "off" },
                            if d.custom_health.is_some() {
                                "on"
                            } else {
                                "off"
                            }
                        ));
                    }
                    if !blocked.is_empty() {
                        Entry::new(
                            Kind::Discovery,
                            &label,
                            Action::Blocked(format!(
                                "{}: AWS cannot change this on an existing Cloud Map service. Remove the `discovery` block, apply, then add it back (or rename the discovery service)",
                                blocked.join("; ")
                            )),
                            Op::None,
                        )
                    } else {
                        let mut changes = Vec::new();
                        let have_ttl: Vec<i64> = o.records.iter().map(|(_, t)| *t).collect();
                        if have_ttl.iter().any(|t| *t != d.ttl) {
                            let before = have_ttl
                                .iter()
                                .map(|t| t.to_string())
                                .collect::<Vec<_>>()
                                .join(", ");
                            changes.push(change("ttl", before, d.ttl.to_string()));
                        }
                        finish(
                            Entry::new(
                                Kind::Discovery,
                                &label,
                                Action::Update,
                                Op::UpdateDiscovery {
                                    id: o.id.clone(),
                                    desired: d.clone(),
                                },
                            ),
                            changes,
                        )
                        .retag(
                            TagTarget::CloudMap(o.arn.clone()),
                            &o.tags,
                            &d.tags,
                        )
                    }
                }
            }
        };
        entries.push(entry);
    }

    // Task definitions.
    let mut kept_families: Vec<&str> = Vec::new();
    // The revision a service should run: `None` if a new one is registered.
    let mut revisions: Vec<(String, Option<String>)> = Vec::new();
    for d in &desired.task_defs {
        kept_families.push(&d.family);
        let entry = match observed.task_defs.iter().find(|t| t.family == d.family) {
            None => {
                revisions.push((d.family.clone(), None));
                Entry::new(
                    Kind::TaskDef,
                    &d.family,
                    Action::Create,
                    Op::RegisterTaskDef(d.clone()),
                )
            }
            Some(o) => {
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    revisions.push((d.family.clone(), Some(o.arn.clone())));
                    Entry::new(Kind::TaskDef, &d.family, not_owned(&who, stack), Op::None)
                } else {
                    let mut changes = Vec::new();
                    json_diff("", &normalise(&o.content), &d.content, &mut changes);
                    revisions.push((d.family.clone(), changes.is_empty().then(|| o.arn.clone())));
                    let mut e = finish(
                        Entry::new(
                            Kind::TaskDef,
                            &d.family,
                            Action::Update,
                            Op::RegisterTaskDef(d.clone()),
                        ),
                        changes,
                    );
                    if e.action == Action::Update {
                        e.changes.insert(
                            0,
                            change(
                                "revision",
                                o.revision.to_string(),
                                "(new revision; the old one stays registered)",
                            ),
                        );
                    } else {
                        // A new revision carries the desired tags; the
                        // current one is tagged in place.
                        e = e.retag(TagTarget::Ecs(o.arn.clone()), &o.tags, &d.tags);
                    }
                    e
                }
            }
        };
        entries.push(entry);
    }

    // ECS services.
    let mut kept_services: Vec<&str> = Vec::new();
    for d in &desired.services {
        let in_cluster = |s: &&OService| {
            s.name == d.name
                && (arn_name(&s.cluster_arn) == d.cluster || s.cluster_arn == d.cluster)
        };
        let active = observed
            .services
            .iter()
            .filter(in_cluster)
            .find(|s| s.status == "ACTIVE");
        let draining = observed
            .services
            .iter()
            .filter(in_cluster)
            .find(|s| s.status == "DRAINING");
        let want_td = revisions
            .iter()
            .find(|(f, _)| *f == d.family)
            .and_then(|(_, arn)| arn.clone());
        let want_registry = d.registry.as_ref().map(|r| {
            registry_arns
                .iter()
                .find(|(k, _)| k.0 == r.namespace && k.1 == r.name)
                .and_then(|(_, arn)| arn.clone())
        });
        let entry = match (active, draining) {
            (None, Some(_)) => Entry::new(
                Kind::Service,
                &d.name,
                Action::Blocked(
                    "a service with this name is still draining after a delete; wait until it is INACTIVE and run again".into(),
                ),
                Op::None,
            ),
            (None, None) => Entry::new(
                Kind::Service,
                &d.name,
                Action::Create,
                Op::CreateService(d.clone()),
            ),
            (Some(o), _) => {
                kept_services.push(&o.arn);
                let who = owner(&o.tags, stack);
                if who != Owner::Us {
                    Entry::new(Kind::Service, &d.name, not_owned(&who, stack), Op::None)
                } else if o.launch_type.as_deref() != Some(d.launch_type.as_str()) {
                    Entry::new(
                        Kind::Service,
                        &d.name,
                        Action::Blocked(format!(
                            "launch type {} → {} cannot change in place; delete the service (remove it from the file and apply --prune) and apply again",
                            opt(&o.launch_type),
                            d.launch_type
                        )),
                        Op::None,
                    )
                } else {
                    let mut changes = Vec::new();
                    let short = |arn: &str| arn_name(arn).to_string();
                    match &want_td {
                        Some(arn) if *arn == o.task_definition => {}
                        Some(arn) => changes.push(change(
                            "task_definition",
                            short(&o.task_definition),
                            short(arn),
                        )),
                        None => changes.push(change(
                            "task_definition",
                            short(&o.task_definition),
                            format!("{}:(new revision)", d.family),
                        )),
                    }
                    if o.desired_count != d.desired_count {
                        changes.push(change(
                            "desired_count",
                            o.desired_count.to_string(),
                            d.desired_count.to_string(),
                        ));
                    }
                    if o.subnets != d.subnets {
                        changes.push(change(
                            "subnets",
                            o.subnets.join(", "),
                            d.subnets.join(", "),
                        ));
                    }
                    if o.security_groups != d.security_groups {
                        changes.push(change(
                            "security_groups",
                            o.security_groups.join(", "),
                            d.security_groups.join(", "),
                        ));
                    }
                    if o.public_ip != d.public_ip {
                        changes.push(change(
                            "public_ip",
                            o.public_ip.to_string(),
                            d.public_ip.to_string(),
                        ));
                    }
                    if let Some(v) = &d.platform_version {
                        if o.platform_version.as_deref() != Some(v.as_str()) {
                            changes.push(change(
                                "platform_version",
                                opt(&o.platform_version),
                                v.as_str(),
                            ));
                        }
                    }
                    let have: Vec<String> = o.registries.iter().map(|r| r.arn.clone()).collect();
                    let registry_ok = match (&d.registry, &want_registry) {
                        (None, _) => o.registries.is_empty(),
                        (Some(r), Some(Some(arn))) => {
                            o.registries.len() == 1
                                && o.registries[0].arn == *arn
                                && o.registries[0].container_name
                                    == r.container.as_ref().map(|c| c.0.clone())
                                && o.registries[0].container_port
                                    == r.container.as_ref().map(|c| c.1)
                        }
                        (Some(_), _) => false,
                    };
                    if !registry_ok {
                        let after = match (&d.registry, &want_registry) {
                            (None, _) => "(none)".to_string(),
                            (Some(_), Some(Some(arn))) => arn.clone(),
                            (Some(r), _) => format!("{}.{} (new)", r.name, r.namespace),
                        };
                        let before = if have.is_empty() {
                            "(none)".to_string()
                        } else {
                            have.join(", ")
                        };
                        changes.push(change("service_registries", before, after));
                    }
                    finish(
                        Entry::new(
                            Kind::Service,
                            &d.name,
                            Action::Update,
                            Op::UpdateService {
                                desired: d.clone(),
                                observed: o.clone(),
                            },
                        ),
                        changes,
                    )
                    .retag(TagTarget::Ecs(o.arn.clone()), &o.tags, &d.tags)
                }
            }
        };
        entries.push(entry);
    }

    // Ingress rules: created when missing; one that exists without this
    // stack's tags is used as it is and never deleted.
    let mut kept_rules: Vec<&str> = Vec::new();
    for d in &desired.ingress_rules {
        let matching: Vec<&OIngressRule> = observed
            .ingress_rules
            .iter()
            .filter(|o| o.admits(d))
            .collect();
        let found = matching
            .iter()
            .find(|o| ours(&o.tags))
            .or(matching.first())
            .copied();
        let action = match found.map(|o| (o, owner(&o.tags, stack))) {
            None => Action::Create,
            Some((o, Owner::Us)) => {
                kept_rules.push(&o.id);
                Action::Unchanged
            }
            Some((o, Owner::Stack(other))) => Action::Present(format!(
                "{} belongs to svc stack `{other}`; svc uses it and leaves it alone",
                o.id
            )),
            Some((o, Owner::Foreign)) => Action::Present(format!(
                "{} exists without svc's tags; svc uses it and leaves it alone",
                o.id
            )),
        };
        let op = match action {
            Action::Create => Op::AuthorizeIngress(d.clone()),
            _ => Op::None,
        };
        let mut entry = Entry::new(Kind::IngressRule, d.label(), action, op);
        if let Some(o) = found.filter(|o| ours(&o.tags)) {
            entry = entry.retag(TagTarget::Ec2(o.id.clone()), &o.tags, &d.tags);
        }
        entries.push(entry);
    }

    if mode != Mode::Apply {
        for r in &observed.ingress_rules {
            if ours(&r.tags) && !kept_rules.contains(&r.id.as_str()) {
                entries.push(Entry::new(
                    Kind::IngressRule,
                    r.label(),
                    Action::Delete,
                    Op::RevokeIngress {
                        group: r.group.clone(),
                        id: r.id.clone(),
                    },
                ));
            }
        }
        for s in &observed.services {
            if s.status == "ACTIVE" && ours(&s.tags) && !kept_services.contains(&s.arn.as_str()) {
                entries.push(Entry::new(
                    Kind::Service,
                    &s.name,
                    Action::Delete,
                    Op::DeleteService {
                        cluster: s.cluster_arn.clone(),
                        name: s.name.clone(),
                    },
                ));
            }
        }
        for s in &observed.discovery {
            if ours(&s.tags) && !kept_discovery.contains(&s.id.as_str()) {
                let ns = observed
                    .namespaces
                    .iter()
                    .find(|n| n.id == s.namespace_id)
                    .map_or(s.namespace_id.as_str(), |n| n.name.as_str());
                entries.push(Entry::new(
                    Kind::Discovery,
                    format!("{}.{ns}", s.name),
                    Action::Delete,
                    Op::DeleteDiscovery { id: s.id.clone() },
                ));
            }
        }
        let mut families: Vec<&str> = Vec::new();
        for t in observed.task_defs.iter().chain(&observed.old_task_defs) {
            if ours(&t.tags)
                && !kept_families.contains(&t.family.as_str())
                && !families.contains(&t.family.as_str())
            {
                families.push(&t.family);
            }
        }
        for family in families {
            let arns: Vec<String> = observed
                .task_defs
                .iter()
                .chain(&observed.old_task_defs)
                .filter(|t| t.family == family && ours(&t.tags))
                .map(|t| t.arn.clone())
                .collect();
            entries.push(Entry::new(
                Kind::TaskDef,
                family,
                Action::Delete,
                Op::DeregisterTaskDefs { arns },
            ));
        }
        for n in &observed.namespaces {
            if ours(&n.tags) && !kept_namespaces.contains(&n.id.as_str()) {
                entries.push(Entry::new(
                    Kind::Namespace,
                    &n.name,
                    Action::Delete,
                    Op::DeleteNamespace { id: n.id.clone() },
                ));
            }
        }
        for g in &observed.log_groups {
            if ours(&g.tags) && !kept_groups.contains(&g.name.as_str()) {
                entries.push(Entry::new(
                    Kind::LogGroup,
                    &g.name,
                    Action::Delete,
                    Op::DeleteLogGroup {
                        name: g.name.clone(),
                    },
                ));
            }
        }
        for r in &observed.roles {
            if ours(&r.tags) && !kept_roles.contains(&r.name.as_str()) {
                entries.push(Entry::new(
                    Kind::Role,
                    &r.name,
                    Action::Delete,
                    Op::DeleteRole(r.clone()),
                ));
            }
        }
        for c in &observed.clusters {
            if c.status == "ACTIVE" && ours(&c.tags) && !kept_clusters.contains(&c.arn.as_str()) {
                entries.push(Entry::new(
                    Kind::Cluster,
                    &c.name,
                    Action::Delete,
                    Op::DeleteCluster { arn: c.arn.clone() },
                ));
            }
        }
    }
    Plan { entries }
}

/// Compact text of a JSON value: strings bare, the rest as JSON.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The name an array element is shown by: its `name` field if it has one.
fn element_key(v: &Value, index: usize) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .map_or_else(|| index.to_string(), str::to_string)
}

/// Field-by-field differences between two JSON values.
pub fn json_diff(path: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    if before == after {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = b.keys().collect();
            keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
            for k in keys {
                json_diff(
                    &join(k),
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b))
            if a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| x.is_object() && y.is_object())
                && a.iter()
                    .zip(b)
                    .enumerate()
                    .all(|(i, (x, y))| element_key(x, i) == element_key(y, i)) =>
        {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(&format!("{path}[{}]", element_key(y, i)), x, y, out);
            }
        }
        _ => out.push(change(path, show(before), show(after))),
    }
}
