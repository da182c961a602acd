//! `svc plan`, `apply`, `destroy` and `status`: converging AWS to the model.
//!
//! All side effects live behind [`cloud::Cloud`]; [`plan::plan`] is a pure
//! function of the desired state ([`desired::desired`], derived from the
//! same [`Model`] and task definitions as the Terraform output) and the
//! observed state ([`observe::observe`]).

pub mod aws;
pub mod cli;
pub mod cloud;
pub mod desired;
pub mod ec2;
pub mod exec;
pub mod observe;
pub mod observed;
pub mod plan;
pub mod progress;
pub mod status;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::Model;
use cloud::Cloud;
use desired::Desired;
use observed::Observed;
use plan::{Mode, Plan};

/// Everything `prepare` found out.
#[derive(Debug)]
pub struct Prepared {
    /// The desired state.
    pub desired: Desired,
    /// The observed state.
    pub observed: Observed,
    /// The plan.
    pub plan: Plan,
}

/// The desired state for `mode`: for `destroy` only the stack and the
/// existing clusters to look in.
fn desired_for(
    model: &Model,
    vars: &BTreeMap<String, Value>,
    stack: &str,
    identity: &desired::Identity,
    mode: Mode,
) -> Result<Desired, String> {
    let full = desired::desired(model, vars, stack, identity);
    match mode {
        Mode::Destroy => Ok(Desired {
            stack: stack.to_string(),
            external_clusters: full.map(|d| d.external_clusters).unwrap_or_default(),
            ..Default::default()
        }),
        _ => full,
    }
}

/// Reads the identity and the observed state, and plans.
pub async fn prepare<C: Cloud>(
    cloud: &C,
    model: &Model,
    vars: &BTreeMap<String, Value>,
    stack: &str,
    mode: Mode,
) -> Result<Prepared, String> {
    let identity = cloud.identity().await?;
    let desired = desired_for(model, vars, stack, &identity, mode)?;
    let observed = observe::observe(cloud, &desired, mode != Mode::Apply).await?;
    let plan = plan::plan(&desired, &observed, mode);
    Ok(Prepared {
        desired,
        observed,
        plan,
    })
}
