//! The `svc` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[cfg(feature = "apply")]
use svc::apply::cli as apply_cli;
use svc::diagnostic::{Diagnostics, Source};
use svc::emit::{taskdef, terraform, DeployValues, OutputFile};
use svc::model::Model;

/// `println!` that ends quietly instead of panicking when standard output
/// is closed early (`svc explain | head -1`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// svc: ECS Fargate services with Cloud Map service discovery, compiled to
/// Terraform and task-definition JSON.
#[derive(Parser)]
#[command(name = "svc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check files; print every problem found.
    Check {
        /// The .svc files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compile a file to a Terraform module and task-definition JSON.
    Compile {
        /// The .svc file to compile.
        file: PathBuf,
        /// Output directory (replaced as a whole on success).
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// What to produce: the full module (default), or the checked model
        /// as JSON on standard output.
        #[arg(long, value_enum, default_value_t = Emit::Module)]
        emit: Emit,
        /// An input value for the task-definition JSON: NAME=VALUE.
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// A JSON tfvars file with input values.
        #[arg(long = "var-file", value_name = "FILE")]
        var_files: Vec<PathBuf>,
        /// Region written into the task-definition JSON where the model
        /// leaves it to the deployment (otherwise `${AWS_REGION}`).
        #[arg(long)]
        region: Option<String>,
        /// Account id for role ARNs in the task-definition JSON (otherwise
        /// `${AWS_ACCOUNT_ID}`).
        #[arg(long)]
        account_id: Option<String>,
        /// The environment to build, for a project that declares environments.
        #[arg(long)]
        env: Option<String>,
        /// Diagnostics format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail (exit 1, nothing written) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Format files in the canonical layout, keeping comments.
    ///
    /// Files are rewritten in place (atomically). A directory stands for
    /// every .svc file under it; files found that way which do not parse are
    /// skipped with a note, while a named file that does not parse is an
    /// error. `-` formats standard input to standard output.
    Fmt {
        /// The .svc files or directories to format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; list the files that are not formatted and exit
        /// with 1 if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Print the services and their calls (`calls = [...]`) as a graph on
    /// standard output: services grouped by namespace, calls labelled with
    /// the callee's port.
    Graph {
        /// The .svc file.
        file: PathBuf,
        /// Graph language.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// The environment to draw, for a project that declares environments.
        #[arg(long)]
        env: Option<String>,
    },
    #[cfg(feature = "apply")]
    /// Show what `svc apply` would change in AWS.
    ///
    /// Exit code 0: nothing would change; 2: changes are pending; 1: errors
    /// (including resources svc does not own or cannot change in place).
    Plan {
        #[command(flatten)]
        deploy: DeployArgs,
        /// Also plan the deletion of owned resources that left the file.
        #[arg(long)]
        prune: bool,
    },
    #[cfg(feature = "apply")]
    /// Converge AWS to the file: show the plan, confirm, and apply it.
    Apply {
        #[command(flatten)]
        deploy: DeployArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Also delete owned resources that left the file.
        #[arg(long)]
        prune: bool,
    },
    #[cfg(feature = "apply")]
    /// Delete every resource the stack owns, in reverse dependency order.
    Destroy {
        #[command(flatten)]
        deploy: DeployArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
    #[cfg(feature = "apply")]
    /// Show each service's task counts, deployments and Cloud Map instances.
    Status {
        #[command(flatten)]
        deploy: DeployArgs,
    },
    /// Explain a diagnostic code, e.g. `svc explain svc::fargate::size`.
    Explain {
        /// The code; without an argument, list all codes.
        code: Option<String>,
    },
}

/// What `plan`, `apply`, `destroy` and `status` share.
#[cfg(feature = "apply")]
#[derive(clap::Args)]
struct DeployArgs {
    /// The .svc file.
    file: PathBuf,
    /// An input value: NAME=VALUE (lists as JSON).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A JSON tfvars file with input values (the one Terraform reads).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// AWS region (default: the aws-config chain, e.g. AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// AWS profile (default: AWS_PROFILE or `default`).
    #[arg(long)]
    profile: Option<String>,
    /// AWS endpoint, e.g. a local moto or LocalStack.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Stack name in the ownership tags (default: the file name without
    /// `.svc`, plus `-ENV` with `--env`).
    #[arg(long)]
    stack: Option<String>,
    /// The environment to deploy, for a project that declares environments.
    #[arg(long)]
    env: Option<String>,
    /// Write the AWS requests made, by operation, as JSON to FILE.
    #[arg(long, value_name = "FILE", hide = true)]
    call_log: Option<PathBuf>,
}

#[cfg(feature = "apply")]
impl From<DeployArgs> for apply_cli::Args {
    fn from(a: DeployArgs) -> Self {
        apply_cli::Args {
            file: a.file,
            vars: a.vars,
            var_files: a.var_files,
            region: a.region,
            profile: a.profile,
            endpoint_url: a.endpoint_url,
            stack: a.stack,
            env: a.env,
            call_log: a.call_log,
            color: use_color(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Emit {
    /// Terraform module and task-definition JSON into the output directory.
    Module,
    /// The checked model as JSON on standard output.
    Model,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum GraphFormat {
    /// Graphviz DOT (`svc graph FILE | dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Exit code for diagnostics with errors.
const EXIT_DIAGNOSTICS: u8 = 1;
/// Exit code for usage and I/O problems.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check {
            files,
            format,
            deny_warnings,
        } => check(&files, format, deny_warnings),
        Command::Compile {
            file,
            out,
            emit,
            vars,
            var_files,
            region,
            account_id,
            env,
            format,
            deny_warnings,
        } => compile(
            &file,
            &out,
            emit,
            &vars,
            &var_files,
            DeployValues {
                vars: Default::default(),
                region,
                account_id,
            },
            env.as_deref(),
            format,
            deny_warnings,
        ),
        Command::Fmt { files, check } => fmt(&files, check),
        Command::Graph { file, format, env } => graph(&file, format, env.as_deref()),
        #[cfg(feature = "apply")]
        Command::Plan { deploy, prune } => apply_cli::run(
            &deploy.into(),
            apply_cli::Verb::Plan,
            if prune {
                svc::apply::plan::Mode::Prune
            } else {
                svc::apply::plan::Mode::Apply
            },
            false,
        ),
        #[cfg(feature = "apply")]
        Command::Apply {
            deploy,
            auto_approve,
            prune,
        } => apply_cli::run(
            &deploy.into(),
            apply_cli::Verb::Apply,
            if prune {
                svc::apply::plan::Mode::Prune
            } else {
                svc::apply::plan::Mode::Apply
            },
            auto_approve,
        ),
        #[cfg(feature = "apply")]
        Command::Destroy {
            deploy,
            auto_approve,
        } => apply_cli::run(
            &deploy.into(),
            apply_cli::Verb::Apply,
            svc::apply::plan::Mode::Destroy,
            auto_approve,
        ),
        #[cfg(feature = "apply")]
        Command::Status { deploy } => apply_cli::run(
            &deploy.into(),
            apply_cli::Verb::Status,
            svc::apply::plan::Mode::Apply,
            false,
        ),
        Command::Explain { code } => explain(code.as_deref()),
    }
}

fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Reads a source file; `Err` carries a message for exit code 2.
fn read_source(path: &Path) -> Result<Source, String> {
    Source::read(path)
}

fn report(diags: &Diagnostics, format: Format) {
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&diags.to_json()).unwrap_or_default()
        ),
        Format::Human => {
            if !diags.is_empty() {
                eprint!("{}", diags.render(use_color()));
                eprintln!("{}", diags.summary());
            }
        }
    }
}

fn check(files: &[PathBuf], format: Format, deny_warnings: bool) -> ExitCode {
    let mut diags = Diagnostics::new();
    let mut io_error = false;
    for path in files {
        match read_source(path) {
            Ok(source) => {
                svc::check_source(source, &mut diags);
            }
            Err(msg) => {
                eprintln!("error: {msg}");
                io_error = true;
            }
        }
    }
    report(&diags, format);
    if io_error {
        ExitCode::from(EXIT_USAGE)
    } else if diags.has_errors() || (deny_warnings && !diags.is_empty()) {
        ExitCode::from(EXIT_DIAGNOSTICS)
    } else {
        if format == Format::Human {
            eprintln!("ok: {} file(s) checked, {}", files.len(), diags.summary());
        }
        ExitCode::SUCCESS
    }
}

/// Reads, checks and reports a project for one environment; `Err` is the
/// exit code when there is no model.
fn checked_model(
    file: &Path,
    env: Option<&str>,
    format: Format,
) -> Result<(Model, Diagnostics), ExitCode> {
    let source = read_source(file).map_err(|msg| {
        eprintln!("error: {msg}");
        ExitCode::from(EXIT_USAGE)
    })?;
    let mut diags = Diagnostics::new();
    let model = svc::compile_env(source, env, &mut diags);
    report(&diags, format);
    match model {
        Some(model) => Ok((model, diags)),
        None => Err(ExitCode::from(EXIT_DIAGNOSTICS)),
    }
}

fn graph(file: &Path, format: GraphFormat, env: Option<&str>) -> ExitCode {
    let model = match checked_model(file, env, Format::Human) {
        Ok((model, _)) => model,
        Err(code) => return code,
    };
    let graph = svc::graph::Graph::new(&model);
    let text = match format {
        GraphFormat::Dot => graph.dot(),
        GraphFormat::Mermaid => graph.mermaid(),
    };
    outln!("{}", text.trim_end());
    ExitCode::SUCCESS
}

#[allow(clippy::too_many_arguments)]
fn compile(
    file: &Path,
    out: &Path,
    emit: Emit,
    vars: &[String],
    var_files: &[PathBuf],
    mut values: DeployValues,
    env: Option<&str>,
    format: Format,
    deny_warnings: bool,
) -> ExitCode {
    let (model, diags) = match checked_model(file, env, format) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    if deny_warnings && !diags.is_empty() {
        eprintln!("error: warnings are denied (--deny-warnings); nothing was written");
        return ExitCode::from(EXIT_DIAGNOSTICS);
    }
    if emit == Emit::Model {
        outln!(
            "{}",
            serde_json::to_string_pretty(&model).unwrap_or_default()
        );
        return ExitCode::SUCCESS;
    }
    match svc::vars::collect(&model, var_files, vars) {
        Ok(vars) => values.vars = vars,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (files, placeholders) = render(&model, &values);
    if let Err(e) = svc::output::write_dir(out, &files) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    for f in &files {
        eprintln!("wrote {}", out.join(&f.path).display());
    }
    if !placeholders.is_empty() {
        eprintln!(
            "note: the task-definition JSON uses placeholders for values known at deploy time: {}",
            placeholders
                .iter()
                .map(|p| format!("${{{p}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        eprintln!("      pass --region / --account-id / --var, or fill them in with `envsubst`");
    }
    ExitCode::SUCCESS
}

/// All output files: the Terraform module and one JSON file per service.
fn render(model: &Model, values: &DeployValues) -> (Vec<OutputFile>, Vec<String>) {
    let mut files = terraform::emit(model);
    let mut placeholders: Vec<String> = Vec::new();
    for service in &model.services {
        let (json, used) = taskdef::to_json(model, service, values);
        for p in used {
            if !placeholders.contains(&p) {
                placeholders.push(p);
            }
        }
        files.push(OutputFile {
            path: format!("taskdefs/{}.json", service.family()),
            content: json,
        });
    }
    (files, placeholders)
}

fn explain(code: Option<&str>) -> ExitCode {
    match code {
        None => {
            for (code, text) in svc::explain::CODES {
                let title = text
                    .lines()
                    .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
                    .unwrap_or_default();
                outln!("{code:28} {title}");
            }
            ExitCode::SUCCESS
        }
        Some(code) => match svc::explain::explain(code) {
            Some(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown diagnostic code `{code}`; `svc explain` lists them all");
                ExitCode::from(EXIT_USAGE)
            }
        },
    }
}

/// Every .svc file under a directory, sorted, recursively.
fn svc_files_in(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            svc_files_in(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "svc") {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes `content` to `path` through a temporary file in the same
/// directory, keeping the file's permissions.
fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let permissions = std::fs::metadata(path)?.permissions();
    let mut tmp = tempfile::Builder::new()
        .prefix(".svc-fmt-")
        .tempfile_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    tmp.as_file().sync_all()?;
    std::fs::set_permissions(tmp.path(), permissions)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn fmt(args: &[PathBuf], check: bool) -> ExitCode {
    let mut io_error = false;
    let mut failed = false;
    // (path, named on the command line)
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            files.push((arg.clone(), true));
        } else if arg.is_dir() {
            let mut found = Vec::new();
            if let Err(e) = svc_files_in(arg, &mut found) {
                eprintln!("error: cannot read {}: {e}", arg.display());
                io_error = true;
            }
            files.extend(found.into_iter().map(|p| (p, false)));
        } else {
            files.push((arg.clone(), true));
        }
    }
    let (mut unchanged, mut changed, mut skipped) = (0usize, 0usize, 0usize);
    for (path, named) in &files {
        let source = if path.as_os_str() == "-" {
            match Source::from_reader("<stdin>".into(), std::io::stdin()) {
                Ok(s) => s,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    io_error = true;
                    continue;
                }
            }
        } else {
            match read_source(path) {
                Ok(s) => s,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    io_error = true;
                    continue;
                }
            }
        };
        let original = source.text.clone();
        let formatted = match svc::fmt::format_source(source) {
            Ok(text) => text,
            Err(diags) if *named => {
                report(&diags, Format::Human);
                failed = true;
                continue;
            }
            Err(_) => {
                eprintln!(
                    "skipped {}: does not parse (`svc check` shows why)",
                    path.display()
                );
                skipped += 1;
                continue;
            }
        };
        if path.as_os_str() == "-" {
            if check {
                if formatted != *original {
                    eprintln!("<stdin> is not formatted");
                    failed = true;
                }
            } else {
                print!("{formatted}");
            }
            continue;
        }
        if formatted == *original {
            unchanged += 1;
        } else if check {
            outln!("would reformat {}", path.display());
            changed += 1;
            failed = true;
        } else {
            match write_atomically(path, &formatted) {
                Ok(()) => {
                    outln!("formatted {}", path.display());
                    changed += 1;
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    io_error = true;
                }
            }
        }
    }
    let total = unchanged + changed;
    if total + skipped > 0 {
        let verb = if check {
            "would be reformatted"
        } else {
            "reformatted"
        };
        let mut summary = format!("{total} file(s) checked, {changed} {verb}");
        if skipped > 0 {
            summary.push_str(&format!(", {skipped} skipped"));
        }
        eprintln!("{summary}");
    }
    if io_error {
        ExitCode::from(EXIT_USAGE)
    } else if failed {
        ExitCode::from(EXIT_DIAGNOSTICS)
    } else {
        ExitCode::SUCCESS
    }
}
