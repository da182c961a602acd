//! Input values given on the command line: `--var NAME=VALUE` and
//! `--var-file FILE` (Terraform's JSON tfvars format), checked against the
//! declared inputs.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::model::{InputType, Model};

/// Reads `--var-file`s then `--var`s (later ones win, as in Terraform) and
/// checks each value against its input's declared type.
pub fn collect(
    model: &Model,
    files: &[impl AsRef<Path>],
    vars: &[String],
) -> Result<BTreeMap<String, Value>, String> {
    let mut out = BTreeMap::new();
    for file in files {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a JSON tfvars file: {e}", file.display()))?;
        let Value::Object(map) = value else {
            return Err(format!(
                "{} must hold a JSON object of input values",
                file.display()
            ));
        };
        for (name, value) in map {
            let ty = input_type(model, &name)?;
            check_type(&name, &value, ty)?;
            out.insert(name, value);
        }
    }
    for var in vars {
        let Some((name, raw)) = var.split_once('=') else {
            return Err(format!("`--var {var}` must be NAME=VALUE"));
        };
        let ty = input_type(model, name)?;
        let value = match ty {
            InputType::String => Value::String(raw.to_string()),
            _ => serde_json::from_str(raw).map_err(|_| {
                format!("`--var {name}=...`: `{raw}` is not a valid {ty} (lists are written as JSON: [\"a\",\"b\"])")
            })?,
        };
        check_type(name, &value, ty)?;
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

fn input_type<'m>(model: &'m Model, name: &str) -> Result<&'m InputType, String> {
    model.input(name).map(|i| &i.ty).ok_or_else(|| {
        let declared: Vec<&str> = model.inputs.iter().map(|i| i.name.as_str()).collect();
        format!(
            "no input named `{name}` is declared (declared: {})",
            if declared.is_empty() {
                "none".to_string()
            } else {
                declared.join(", ")
            }
        )
    })
}

fn matches(value: &Value, ty: &InputType) -> bool {
    match (ty, value) {
        (InputType::String, Value::String(_)) => true,
        (InputType::Number, Value::Number(_)) => true,
        (InputType::Bool, Value::Bool(_)) => true,
        (InputType::List(inner), Value::Array(items)) => items.iter().all(|v| matches(v, inner)),
        _ => false,
    }
}

fn check_type(name: &str, value: &Value, ty: &InputType) -> Result<(), String> {
    if matches(value, ty) {
        Ok(())
    } else {
        Err(format!(
            "input `{name}` is a {ty}, but the value given is {value}"
        ))
    }
}
