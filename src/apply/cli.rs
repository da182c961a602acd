//! The `plan`, `apply`, `destroy` and `status` commands.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::diagnostic::{Diagnostics, Source};

use super::aws::{Aws, Options};
use super::desired::{missing_inputs, stack_from_path};
use super::exec::{self, Progress};
use super::plan::Mode;
use super::progress::{Lines, Spinners};

/// Command-line arguments shared by the commands.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// The .svc file.
    pub file: PathBuf,
    /// `--var NAME=VALUE`.
    pub vars: Vec<String>,
    /// `--var-file FILE`.
    pub var_files: Vec<PathBuf>,
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--stack`.
    pub stack: Option<String>,
    /// `--env`: the environment to deploy.
    pub env: Option<String>,
    /// Where to write the request counts.
    pub call_log: Option<PathBuf>,
    /// Colours in diagnostics.
    pub color: bool,
}

/// Which command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Show the plan; exit 0 / 2 / 1.
    Plan,
    /// Show the plan, confirm, apply.
    Apply,
    /// Show the status of the services.
    Status,
}

const EXIT_ERROR: u8 = 1;
const EXIT_CHANGES: u8 = 2;
const EXIT_INTERRUPTED: u8 = 130;

/// Runs a command; every error is a message on standard error and a
/// non-zero exit code.
pub fn run(args: &Args, verb: Verb, mode: Mode, auto_approve: bool) -> ExitCode {
    // Everything that needs no AWS call first.
    let source = match Source::read(&args.file) {
        Ok(source) => source,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut diags = Diagnostics::new();
    let model = crate::compile_env(source, args.env.as_deref(), &mut diags);
    if !diags.is_empty() {
        eprint!("{}", diags.render(args.color));
    }
    let Some(model) = model else {
        eprintln!("{}", diags.summary());
        return ExitCode::from(EXIT_ERROR);
    };
    let vars = match crate::vars::collect(&model, &args.var_files, &args.vars) {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let missing = missing_inputs(&model, &vars);
    if !missing.is_empty() && mode != Mode::Destroy {
        eprintln!(
            "error: no value for input(s) {}: pass --var NAME=VALUE or --var-file FILE (the JSON tfvars file Terraform reads)",
            missing.join(", ")
        );
        return ExitCode::from(EXIT_ERROR);
    }
    let stack = args.stack.clone().unwrap_or_else(|| match &args.env {
        // Environments side by side are separate stacks.
        Some(env) => format!("{}-{env}", stack_from_path(&args.file)),
        None => stack_from_path(&args.file),
    });
    if stack.is_empty()
        || stack.len() > 128
        || !stack
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        eprintln!(
            "error: stack name `{stack}` must be 1 to 128 letters, digits, `_`, `-` or `.` (set it with --stack)"
        );
        return ExitCode::from(EXIT_ERROR);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let options = Options {
        region: args.region.clone(),
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
    };
    runtime.block_on(async {
        let aws = match Aws::connect(&options).await {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        };
        let started = Instant::now();
        let work = execute(&aws, &model, &vars, &stack, verb, mode, auto_approve);
        let code = tokio::select! {
            code = work => code,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("\ninterrupted: resources finished so far are in place; run the same command again to converge");
                ExitCode::from(EXIT_INTERRUPTED)
            }
        };
        if let Some(path) = &args.call_log {
            let log = serde_json::json!({
                "total": aws.counter.total(),
                "mutating": aws.counter.mutating(),
                "seconds": started.elapsed().as_secs_f64(),
                "calls": aws.counter.snapshot(),
            });
            if let Err(e) = std::fs::write(path, format!("{log:#}\n")) {
                eprintln!("warning: cannot write {}: {e}", path.display());
            }
        }
        code
    })
}

async fn execute(
    aws: &Aws,
    model: &crate::model::Model,
    vars: &std::collections::BTreeMap<String, serde_json::Value>,
    stack: &str,
    verb: Verb,
    mode: Mode,
    auto_approve: bool,
) -> ExitCode {
    let prepared = match super::prepare(aws, model, vars, stack, mode).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    if verb == Verb::Status {
        return match super::status::report(aws, &prepared.desired, &prepared.observed).await {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_ERROR)
            }
        };
    }
    let plan = &prepared.plan;
    println!("stack {stack}:");
    print!("{}", plan.render());
    let refusals = plan.refusals();
    if verb == Verb::Plan {
        return if !refusals.is_empty() {
            ExitCode::from(EXIT_ERROR)
        } else if plan.has_changes() {
            ExitCode::from(EXIT_CHANGES)
        } else {
            ExitCode::SUCCESS
        };
    }
    if !refusals.is_empty() {
        eprintln!(
            "error: apply refused, nothing was changed: {} resource(s) are not owned by stack `{stack}` or cannot be changed in place (see `!` above)",
            refusals.len()
        );
        return ExitCode::from(EXIT_ERROR);
    }
    if !plan.has_changes() {
        return ExitCode::SUCCESS;
    }
    if !auto_approve {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: not applying without confirmation: standard input is not a terminal; pass --auto-approve");
            return ExitCode::from(EXIT_ERROR);
        }
        eprint!("Apply these changes to stack `{stack}`? Type `yes` to go on: ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != "yes" {
            eprintln!("cancelled; nothing was changed");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(Spinners::new())
    } else {
        Box::new(Lines)
    };
    let start = Instant::now();
    let outcome = exec::apply(aws, plan, &prepared.observed, stack, progress.as_ref()).await;
    if outcome.failed.is_empty() {
        println!(
            "Applied: {} resource(s) changed in {:.1}s.",
            outcome.done,
            start.elapsed().as_secs_f64()
        );
        ExitCode::SUCCESS
    } else {
        for (what, e) in &outcome.failed {
            eprintln!("error: {what}: {e}");
        }
        eprintln!(
            "error: {} resource(s) failed, {} changed, {} not attempted; fix the cause and run again (svc converges from where it stopped)",
            outcome.failed.len(),
            outcome.done,
            outcome.skipped
        );
        ExitCode::from(EXIT_ERROR)
    }
}
