//! Shared helpers for svc's integration tests: a throw-away `moto_server`,
//! a `terraform` runner that honours the offline provider mirror, and a
//! bridge to `tests/support/aws.py` (boto3) for inspecting what got created.
//!
//! Use from a test file with `mod support;`. See `tests/support/NOTES.md`.
#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub const REGION: &str = "ap-northeast-1";
const MOTO_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A `moto_server` listening on 127.0.0.1 on a free port; killed on drop.
pub struct Moto {
    pub endpoint: String,
    pub port: u16,
    child: Child,
    log_dir: tempfile::TempDir,
}

impl Moto {
    /// Spawn `moto_server` and wait (up to 30 s) until it answers HTTP.
    pub fn start() -> Moto {
        let port = free_port();
        let log_dir = tempfile::tempdir().expect("create moto log dir");
        let log = fs::File::create(log_dir.path().join("moto.log")).expect("create moto log");
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // AWS-managed IAM policies (e.g. AmazonECSTaskExecutionRolePolicy)
            // are not loaded by moto unless asked; attaching them 404s otherwise.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot spawn moto_server ({e}); install it with `pip install 'moto[server]'` (scripts/test does)")
            });
        let mut moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            child,
            log_dir,
        };
        let deadline = Instant::now() + MOTO_READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited early ({status}); log:\n{}", moto.log());
            }
            if http_request(port, "GET", "/moto-api/").is_some() {
                return moto;
            }
            if Instant::now() > deadline {
                panic!(
                    "moto_server not ready on port {port} after {MOTO_READY_TIMEOUT:?}; log:\n{}",
                    moto.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Environment for AWS SDKs/CLIs (boto3 reads `AWS_ENDPOINT_URL`).
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", &self.endpoint),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// A root `provider "aws"` block pointing every service svc uses at this moto.
    pub fn provider_hcl(&self) -> String {
        let e = &self.endpoint;
        format!(
            r#"provider "aws" {{
  region                      = "{REGION}"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {{
    ecs              = "{e}"
    servicediscovery = "{e}"
    ec2              = "{e}"
    iam              = "{e}"
    logs             = "{e}"
    sts              = "{e}"
  }}
}}
"#
        )
    }

    /// Wipe all state in moto (cheaper than starting a new server). A reset
    /// of a full server can take several seconds on a loaded machine, so it
    /// gets a long timeout and a second try.
    pub fn reset(&self) {
        let ok = (0..3).any(|_| {
            http_request_within(
                self.port,
                "POST",
                "/moto-api/reset",
                Duration::from_secs(60),
            )
            .is_some_and(|r| r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200"))
        });
        assert!(ok, "moto reset failed; log:\n{}", self.log());
    }

    /// Everything moto_server has printed so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_dir.path().join("moto.log")).unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Minimal HTTP/1.0 request over std::net; returns the raw response, if any.
fn http_request(port: u16, method: &str, path: &str) -> Option<String> {
    http_request_within(port, method, path, Duration::from_secs(5))
}

/// [`http_request`] waiting up to `timeout` for the response.
fn http_request_within(port: u16, method: &str, path: &str, timeout: Duration) -> Option<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.starts_with("HTTP/").then_some(response)
}

/// A `terraform` command in `dir`, non-interactive, colourless, and, when
/// `SVC_TF_MIRROR` is set (scripts/test sets it), installing hashicorp/*
/// providers only from that filesystem mirror.
pub fn terraform_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("terraform");
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1");
    for sub in [
        "init", "validate", "plan", "apply", "destroy", "show", "output", "refresh",
    ] {
        cmd.env(format!("TF_CLI_ARGS_{sub}"), "-no-color");
    }
    if let Some(config) = cli_config() {
        cmd.env("TF_CLI_CONFIG_FILE", config);
    }
    cmd
}

pub fn terraform(dir: &Path, args: &[&str]) -> Output {
    terraform_cmd(dir, args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run terraform ({e}); is it on PATH?"))
}

/// Like [`terraform`], but panics with full output unless it exits 0; returns stdout.
pub fn terraform_ok(dir: &Path, args: &[&str]) -> String {
    let out = terraform(dir, args);
    assert!(
        out.status.success(),
        "`terraform {}` in {} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes (once per content) a CLI config selecting the mirror in $SVC_TF_MIRROR.
/// It lives in cargo's per-target scratch dir, so nothing leaks into /tmp.
fn cli_config() -> Option<PathBuf> {
    let mirror = std::env::var("SVC_TF_MIRROR")
        .ok()
        .filter(|m| !m.is_empty())?;
    let text = format!(
        r#"provider_installation {{
  filesystem_mirror {{
    path    = {mirror:?}
    include = ["registry.terraform.io/hashicorp/*"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/*"]
  }}
}}
"#
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("svc-terraform-cli.tfrc");
    if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        // Write-then-rename so parallel tests never see a half-written file.
        let tmp = tempfile::NamedTempFile::new_in(dir).expect("temp CLI config");
        fs::write(tmp.path(), &text).expect("write CLI config");
        tmp.persist(&path).expect("persist CLI config");
    }
    Some(path)
}

/// Runs `python3 tests/support/aws.py ARGS` against `moto` and parses its JSON.
pub fn aws_py(moto: &Moto, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/aws.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .envs(moto.env())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e})"));
    assert!(
        out.status.success(),
        "aws.py {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "aws.py {} printed invalid JSON ({e}):\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs Python code with boto3 against moto: `c(NAME)` is a client of
/// service NAME; what the code prints as JSON is returned (`Null` if it
/// prints nothing).
pub fn python(moto: &Moto, code: &str) -> serde_json::Value {
    let script = format!(
        "import boto3, json, os\nE=os.environ['AWS_ENDPOINT_URL']\ndef c(n): return boto3.client(n, endpoint_url=E, region_name='{REGION}')\n{code}"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .envs(moto.env())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// The ECS services in moto that are not deleted.
pub fn active_ecs_services(moto: &Moto) -> Vec<serde_json::Value> {
    aws_py(moto, &["describe-ecs-services"])
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s["status"] == "ACTIVE")
        .collect()
}

/// The ingress rules of a security group in moto, sorted: (source group,
/// port, protocol, whether svc owns it by its `managed-by` tag).
pub fn ingress_rules(moto: &Moto, group: &str) -> Vec<(String, i64, String, bool)> {
    let rules = aws_py(moto, &["describe-security-group-rules", group]);
    let mut out: Vec<(String, i64, String, bool)> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let owned = r["Tags"].as_array().is_some_and(|t| {
                t.contains(&serde_json::json!({"Key": "managed-by", "Value": "svc"}))
            });
            (
                r["ReferencedGroupInfo"]["GroupId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                r["FromPort"].as_i64().unwrap_or(-1),
                r["IpProtocol"].as_str().unwrap_or("").to_string(),
                owned,
            )
        })
        .collect();
    out.sort();
    out
}

/// Serialises heavy tests (a terraform apply loads a ~700 MB provider; two
/// cores don't like several at once). Hold the guard for the test's duration.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
