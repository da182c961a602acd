//! Emitters: the checked model to a Terraform module and to ECS
//! task-definition JSON. Both read the same [`taskdef::TaskDefinition`], so
//! the two outputs cannot disagree on a container setting.

mod hclfmt;
pub mod taskdef;
pub mod terraform;

use std::collections::BTreeMap;

/// A rendered output file: its path relative to the output directory and
/// its content.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// Relative path, e.g. `main.tf` or `taskdefs/service_b.json`.
    pub path: String,
    /// File content.
    pub content: String,
}

/// Values known at compile time for what the model leaves to deploy time
/// (inputs given with `--var`, the region, the account id).
#[derive(Debug, Clone, Default)]
pub struct DeployValues {
    /// Input values by name.
    pub vars: BTreeMap<String, serde_json::Value>,
    /// The AWS region, if known.
    pub region: Option<String>,
    /// The AWS account id, if known.
    pub account_id: Option<String>,
}
