//! The side effects: every AWS call svc makes goes through [`Cloud`]. The
//! real implementation is [`super::aws::Aws`]; tests can use a fake.

use std::future::Future;

use serde_json::Value;

use super::desired::{
    DCluster, DDiscovery, DIngressRule, DLogGroup, DNamespace, DRole, DService, Identity,
};
use super::observed::*;
use super::plan::Retag;

/// An error from a cloud call, already phrased for the user.
pub type CloudResult<T> = Result<T, String>;

/// Network settings and registrations sent with an ECS service update;
/// `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceUpdate {
    /// New task definition ARN.
    pub task_definition: Option<String>,
    /// New desired count.
    pub desired_count: Option<i32>,
    /// New network configuration (from the desired service).
    pub network: bool,
    /// New registry: `Some(None)` removes registrations.
    pub registry: Option<Option<String>>,
    /// New platform version.
    pub platform_version: Option<String>,
}

/// A Cloud Map instance (for `svc status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Instance id.
    pub id: String,
    /// IPv4 address, if registered.
    pub ip: Option<String>,
    /// `HEALTHY`, `UNHEALTHY` or `UNKNOWN`.
    pub health: String,
}

/// The AWS operations svc uses.
pub trait Cloud: Send + Sync + 'static {
    /// Account, partition and region of the credentials.
    fn identity(&self) -> impl Future<Output = CloudResult<Identity>> + Send;

    /// Every private DNS namespace, with tags.
    fn list_namespaces(&self) -> impl Future<Output = CloudResult<Vec<ONamespace>>> + Send;
    /// Every Cloud Map service, with tags.
    fn list_discovery_services(&self) -> impl Future<Output = CloudResult<Vec<ODiscovery>>> + Send;
    /// The instances registered in a Cloud Map service, with health.
    fn list_instances(
        &self,
        service_id: &str,
    ) -> impl Future<Output = CloudResult<Vec<Instance>>> + Send;
    /// Clusters by name or ARN (missing ones are left out).
    fn describe_clusters(
        &self,
        names: &[String],
    ) -> impl Future<Output = CloudResult<Vec<OCluster>>> + Send;
    /// ARNs of every cluster.
    fn list_clusters(&self) -> impl Future<Output = CloudResult<Vec<String>>> + Send;
    /// A log group by name.
    fn get_log_group(
        &self,
        name: &str,
    ) -> impl Future<Output = CloudResult<Option<OLogGroup>>> + Send;
    /// Every log group, with tags.
    fn list_log_groups(&self) -> impl Future<Output = CloudResult<Vec<OLogGroup>>> + Send;
    /// A role by name, with its policies.
    fn get_role(&self, name: &str) -> impl Future<Output = CloudResult<Option<ORole>>> + Send;
    /// Names of every role.
    fn list_role_names(&self) -> impl Future<Output = CloudResult<Vec<String>>> + Send;
    /// The latest active revision of a family.
    fn latest_task_def(
        &self,
        family: &str,
    ) -> impl Future<Output = CloudResult<Option<OTaskDef>>> + Send;
    /// Every active revision of a family, with tags.
    fn task_def_revisions(
        &self,
        family: &str,
    ) -> impl Future<Output = CloudResult<Vec<OTaskDef>>> + Send;
    /// Services of a cluster by name (missing ones are left out).
    fn describe_services(
        &self,
        cluster: &str,
        names: &[String],
    ) -> impl Future<Output = CloudResult<Vec<OService>>> + Send;
    /// Names of every service in a cluster.
    fn list_services(&self, cluster: &str)
        -> impl Future<Output = CloudResult<Vec<String>>> + Send;

    /// Creates a namespace and waits until the operation has finished;
    /// returns its id.
    fn create_namespace(&self, d: &DNamespace) -> impl Future<Output = CloudResult<String>> + Send;
    /// Updates a namespace's description and waits.
    fn update_namespace(
        &self,
        id: &str,
        d: &DNamespace,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Deletes a namespace and waits.
    fn delete_namespace(&self, id: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates a discovery service; returns its ARN.
    fn create_discovery(
        &self,
        d: &DDiscovery,
        namespace_id: &str,
    ) -> impl Future<Output = CloudResult<String>> + Send;
    /// Updates a discovery service's records (TTL).
    fn update_discovery(
        &self,
        id: &str,
        d: &DDiscovery,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Deletes a discovery service (waiting for ECS to deregister its
    /// instances).
    fn delete_discovery(&self, id: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates a cluster.
    fn create_cluster(&self, d: &DCluster) -> impl Future<Output = CloudResult<()>> + Send;
    /// Updates cluster settings.
    fn update_cluster(&self, d: &DCluster) -> impl Future<Output = CloudResult<()>> + Send;
    /// Deletes a cluster.
    fn delete_cluster(&self, arn: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates a log group with its retention.
    fn create_log_group(&self, d: &DLogGroup) -> impl Future<Output = CloudResult<()>> + Send;
    /// Sets a log group's retention.
    fn set_retention(
        &self,
        name: &str,
        days: Option<u32>,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Deletes a log group.
    fn delete_log_group(&self, name: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates a role (trust policy and tags only).
    fn create_role(&self, d: &DRole) -> impl Future<Output = CloudResult<()>> + Send;
    /// Replaces a role's trust policy.
    fn update_assume_role_policy(
        &self,
        role: &str,
        policy: &Value,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Attaches a managed policy.
    fn attach_role_policy(
        &self,
        role: &str,
        arn: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Detaches a managed policy.
    fn detach_role_policy(
        &self,
        role: &str,
        arn: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates or replaces an inline policy.
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        policy: &Value,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Deletes an inline policy.
    fn delete_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Deletes a role (its policies must be gone).
    fn delete_role(&self, role: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Registers a task definition from its `RegisterTaskDefinition` JSON;
    /// returns the revision's ARN.
    fn register_task_def(&self, input: &Value) -> impl Future<Output = CloudResult<String>> + Send;
    /// Deregisters a revision.
    fn deregister_task_def(&self, arn: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates an ECS service.
    fn create_service(
        &self,
        d: &DService,
        task_definition: &str,
        registry: Option<&str>,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Updates an ECS service.
    fn update_service(
        &self,
        d: &DService,
        update: &ServiceUpdate,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// The rules of the given security groups, and with `stack` also
    /// every rule tagged `svc:stack = stack`.
    fn describe_ingress_rules(
        &self,
        groups: &[String],
        stack: Option<&str>,
    ) -> impl Future<Output = CloudResult<Vec<OIngressRule>>> + Send;
    /// Adds an ingress rule with its tags; returns the rule id.
    fn authorize_ingress(
        &self,
        d: &DIngressRule,
    ) -> impl Future<Output = CloudResult<String>> + Send;
    /// Removes a security group rule by id.
    fn revoke_ingress(
        &self,
        group: &str,
        rule_id: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Sets and removes tags on an existing resource.
    fn retag(&self, retag: &Retag) -> impl Future<Output = CloudResult<()>> + Send;
    /// Scales an ECS service to 0 and deletes it.
    fn delete_service(
        &self,
        cluster: &str,
        name: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
}
