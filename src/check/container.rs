//! Checking `container` blocks: image, ports, environment, logs, health.

use std::collections::HashMap;

use crate::model::*;
use crate::syntax::ast::{Block, Entry, ExprKind, Span};

use super::errors::*;
use super::fields::{object, Fields, Val};
use super::rules::{self, HealthLimit};
use super::Checker;

/// Where a container's settings were written, for rules that compare
/// containers of one task.
pub(super) struct ContainerSpans {
    /// `cpu = ...`
    pub cpu: Option<Span>,
    /// `memory = ...`
    pub memory: Option<Span>,
    /// `memory_reservation = ...`
    pub reservation: Option<Span>,
    /// Each port, in order.
    pub ports: Vec<Span>,
}

impl<'d> Checker<'d> {
    pub(super) fn container(
        &mut self,
        service: &str,
        block: &'d Block,
    ) -> Option<(Container, ContainerSpans)> {
        let label = block.label.as_ref()?;
        let mut f = Fields::new(format!("container {}", label.name), label.span, &block.body);
        let name = self.container_name(label);
        let image = f
            .required(self, "image", "image = \"nginx:latest\"")
            .and_then(|v| self.image(v));
        let cpu_val = f.optional(self, "cpu");
        let cpu = match cpu_val {
            Some(v) => self.cpu_units(v, "container cpu").map(|n| Some(n as u32)),
            None => Some(None),
        };
        let memory_val = f.optional(self, "memory");
        let memory_mib = match memory_val {
            Some(v) => self.size_mib(v, "container memory").map(|n| Some(n as u32)),
            None => Some(None),
        };
        let reservation_val = f.optional(self, "memory_reservation");
        let memory_reservation_mib = match reservation_val {
            Some(v) => self
                .size_mib(v, "container memory reservation")
                .map(|n| Some(n as u32)),
            None => Some(None),
        };
        if let (Some(Some(limit)), Some(Some(reservation)), Some(lv), Some(rv)) = (
            memory_mib,
            memory_reservation_mib,
            memory_val,
            reservation_val,
        ) {
            if reservation >= limit {
                self.diags.push(ContainerMemory {
                    reservation_span: rv.span().into(),
                    memory_span: lv.span().into(),
                    reservation: rules::format_mib(reservation as u64),
                    memory: rules::format_mib(limit as u64),
                });
            }
        }
        let essential = match f.optional(self, "essential") {
            Some(v) => self.bool(v),
            None => Some(true),
        };
        let read_only_root = f.optional(self, "read_only_root");
        let read_only_root = self.safe_bool(read_only_root, true, |span| WritableRoot { span });
        let command = match f.optional(self, "command") {
            Some(v) => self.string_list(v).map(Some),
            None => Some(None),
        };
        let ports = self.ports(&mut f);
        let environment = match f.optional(self, "env") {
            Some(v) => self.environment(v),
            None => Some(Vec::new()),
        };
        let secrets = match f.optional(self, "secrets") {
            Some(v) => self.secrets(v),
            None => Some(Vec::new()),
        };
        for (name, value, span) in environment.iter().flatten() {
            if !value.is_empty() && looks_like_a_secret(name) {
                self.warn(SecretInEnv {
                    span: (*span).into(),
                    name: name.clone(),
                });
            }
        }
        if let (Some(env), Some(secrets)) = (&environment, &secrets) {
            for (name, _, span) in secrets {
                if let Some((_, _, first)) = env.iter().find(|(n, _, _)| n == name) {
                    self.diags.push(FieldConflict {
                        span: (*span).into(),
                        other: (*first).into(),
                        message: format!("`{name}` is set both in `env` and in `secrets`"),
                        help: "a variable comes either from `env` or from `secrets`; remove one"
                            .into(),
                    });
                }
            }
        }
        let logs = match f.optional(self, "logs") {
            Some(v) => self.logs(service, Some(v)),
            None => self.logs(service, None),
        };
        let health = match f.optional(self, "health") {
            Some(v) => self.health(v).map(Some),
            None => Some(None),
        };
        f.finish(self);
        let (ports, port_spans): (Vec<PortMapping>, Vec<Span>) = ports?.into_iter().unzip();
        let spans = ContainerSpans {
            cpu: cpu_val.map(|v| v.span()),
            memory: memory_val.map(|v| v.span()),
            reservation: reservation_val.map(|v| v.span()),
            ports: port_spans,
        };
        let container = Container {
            name: name?,
            image: image?,
            cpu: cpu?,
            memory_mib: memory_mib?,
            memory_reservation_mib: memory_reservation_mib?,
            essential: essential?,
            read_only_root: read_only_root?,
            command: command?,
            ports,
            environment: environment?.into_iter().map(|(k, v, _)| (k, v)).collect(),
            secrets: secrets?.into_iter().map(|(k, v, _)| (k, v)).collect(),
            logs: Some(logs?),
            health: health?,
        };
        Some((container, spans))
    }

    pub(super) fn container_name(&mut self, label: &crate::syntax::ast::Ident) -> Option<String> {
        if label.name.len() > 255 {
            self.diags.push(InvalidFormat {
                span: label.span.into(),
                what: "container name".into(),
                reason: "longer than 255 characters".into(),
                help: "use a shorter name".into(),
            });
            return None;
        }
        Some(label.name.clone())
    }

    pub(super) fn image(&mut self, v: Val) -> Option<Text> {
        let image = self.text(v)?;
        if let Text::Literal(s) = &image {
            let reason = if s.trim().is_empty() {
                Some("it is empty".to_string())
            } else if s.len() > 255 {
                Some(format!(
                    "it is {} characters long, the limit is 255",
                    s.len()
                ))
            } else if s.chars().any(char::is_whitespace) {
                Some("it contains white space".to_string())
            } else {
                None
            };
            if let Some(reason) = reason {
                self.diags.push(InvalidFormat {
                    span: v.span().into(),
                    what: "image".into(),
                    reason,
                    help: "write an image reference such as `nginx:latest` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2`".into(),
                });
                return None;
            }
        }
        Some(image)
    }

    /// `port = 80/tcp` or `ports = [80/tcp, 9090/tcp]`.
    pub(super) fn ports(&mut self, f: &mut Fields) -> Option<Vec<(PortMapping, Span)>> {
        let one = f.optional(self, "port");
        let many = f.optional(self, "ports");
        let mut out = Vec::new();
        let mut ok = true;
        if let (Some(a), Some(b)) = (one, many) {
            self.diags.push(FieldConflict {
                span: b.span().into(),
                other: a.span().into(),
                message: "`port` and `ports` are both set".into(),
                help:
                    "write one port as `port = 80/tcp` or several as `ports = [80/tcp, 9090/tcp]`"
                        .into(),
            });
            return None;
        }
        if let Some(v) = one {
            out.push((self.port(v)?, v.span()));
        }
        if let Some(v @ Val::Expr(e)) = many {
            match &e.kind {
                ExprKind::List(items) => {
                    let mut seen: HashMap<(u16, &str), Span> = HashMap::new();
                    for item in items {
                        match self.port(Val::Expr(item)) {
                            Some(p) => {
                                if let Some(first) =
                                    seen.insert((p.port, p.protocol.as_aws()), item.span)
                                {
                                    self.diags.push(DuplicateField {
                                        span: item.span.into(),
                                        first: first.into(),
                                        key: format!("port {}/{}", p.port, p.protocol.as_aws()),
                                    });
                                    ok = false;
                                }
                                out.push((p, item.span));
                            }
                            None => ok = false,
                        }
                    }
                }
                _ => {
                    self.diags.push(TypeMismatch {
                        span: v.span().into(),
                        expected: "a list of ports".into(),
                        found: v.describe().into(),
                        help: "write `ports = [80/tcp, 9090/tcp]`, or `port = 80/tcp` for one"
                            .into(),
                    });
                    ok = false;
                }
            }
        } else if let Some(v @ Val::Block(_)) = many {
            self.diags.push(TypeMismatch {
                span: v.span().into(),
                expected: "a list of ports".into(),
                found: "a block".into(),
                help: "write `ports = [80/tcp, 9090/tcp]`".into(),
            });
            ok = false;
        }
        ok.then_some(out)
    }

    /// `env { NAME = "value" }`; values are strings, numbers, booleans or
    /// `<service>.dns_name`.
    pub(super) fn environment(&mut self, v: Val) -> Option<Vec<(String, String, Span)>> {
        self.string_map(v, "env", &mut |cx, e| match &e.kind {
            ExprKind::String(s) => Some(s.clone()),
            ExprKind::Number(n) => Some(n.replace('_', "")),
            ExprKind::Bool(b) => Some(b.to_string()),
            ExprKind::Path(p) if p.len() == 2 && p[0].name != "input" => cx.dns_reference(p),
            _ => {
                cx.diags.push(TypeMismatch {
                    span: e.span.into(),
                    expected: "a string".into(),
                    found: e.kind.describe().into(),
                    help: "environment values are strings, numbers, booleans or `SERVICE.dns_name`"
                        .into(),
                });
                None
            }
        })
    }

    /// `secrets { NAME = "arn:aws:ssm:..." }`: where ECS reads each value
    /// from when the task starts. The values themselves never pass through
    /// svc.
    pub(super) fn secrets(&mut self, v: Val) -> Option<Vec<(String, String, Span)>> {
        self.string_map(v, "secrets", &mut |cx, e| {
            let ExprKind::String(s) = &e.kind else {
                cx.diags.push(TypeMismatch {
                    span: e.span.into(),
                    expected: "a secret reference".into(),
                    found: e.kind.describe().into(),
                    help: "write the ARN of a Secrets Manager secret or SSM parameter, or an SSM parameter name, as a string".into(),
                });
                return None;
            };
            match SecretRef::parse(s) {
                Ok(_) => Some(s.clone()),
                Err(reason) => {
                    cx.diags.push(SecretValueFrom {
                        span: e.span.into(),
                        reason,
                    });
                    None
                }
            }
        })
    }

    /// `logs { ... }` of a container; defaults when omitted.
    pub(super) fn logs(&mut self, service: &str, v: Option<Val>) -> Option<Logs> {
        let mut logs = Logs {
            group: match &self.env {
                Some(env) => format!("/ecs/{env}/{service}"),
                None => format!("/ecs/{service}"),
            },
            region: None,
            stream_prefix: "ecs".into(),
            create_group: true,
        };
        let Some(v) = v else { return Some(logs) };
        let (body, header) = object(self, "logs", v)?;
        let mut f = Fields::new("logs", header, body);
        let mut ok = true;
        if let Some(v) = f.optional(self, "group") {
            match self.log_group_name(v) {
                Some(g) => logs.group = g,
                None => ok = false,
            }
        }
        if let Some(v) = f.optional(self, "region") {
            match self.text(v) {
                Some(r) => logs.region = Some(r),
                None => ok = false,
            }
        }
        if let Some(v) = f.optional(self, "stream_prefix") {
            match self.string(v) {
                Some(p) if !p.is_empty() && !p.contains(':') && !p.contains('*') => {
                    logs.stream_prefix = p
                }
                Some(_) => {
                    self.diags.push(InvalidFormat {
                        span: v.span().into(),
                        what: "stream prefix".into(),
                        reason: "it is empty or contains `:` or `*`".into(),
                        help: "Fargate requires a stream prefix such as `ecs`".into(),
                    });
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(v) = f.optional(self, "create") {
            match self.bool(v) {
                Some(b) => logs.create_group = b,
                None => ok = false,
            }
            if !logs.create_group {
                self.warn(ExternalLogGroup {
                    span: v.span().into(),
                    group: logs.group.clone(),
                });
            }
        }
        // retention is read per group in `log_groups`, but asked for here so
        // it counts as known.
        let _ = f.optional(self, "retention");
        f.finish(self);
        ok.then_some(logs)
    }

    pub(super) fn log_group_name(&mut self, v: Val) -> Option<String> {
        let s = self.string(v)?;
        let ok = !s.is_empty()
            && s.len() <= 512
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
        if !ok {
            self.diags.push(InvalidFormat {
                span: v.span().into(),
                what: "log group name".into(),
                reason: "log group names are 1 to 512 characters of letters, digits and `._-/#`"
                    .into(),
                help: "use a name such as `/ecs/service_b`".into(),
            });
            return None;
        }
        Some(s)
    }

    /// The log groups svc creates for a service, one per distinct group
    /// name, with their retention (default 30 days).
    pub(super) fn log_groups(
        &mut self,
        containers: &[(&'d Block, Container)],
    ) -> Option<Vec<LogGroup>> {
        // A group's retention is set by whichever container writes one;
        // the default applies when none does, and two different values
        // conflict.
        let mut groups: Vec<(LogGroup, Option<Span>)> = Vec::new();
        let mut ok = true;
        for (block, container) in containers {
            let Some(logs) = &container.logs else {
                continue;
            };
            let retention_val = block
                .body
                .entries
                .iter()
                .find_map(|e| match e {
                    Entry::Block(b) if b.kind.name == "logs" => Some(&b.body),
                    Entry::Attribute(a) if a.key.name == "logs" => match &a.value.kind {
                        ExprKind::Object(body) => Some(body),
                        _ => None,
                    },
                    _ => None,
                })
                .and_then(|body| {
                    body.entries.iter().find_map(|e| match e {
                        Entry::Attribute(a) if a.key.name == "retention" => Some(a),
                        _ => None,
                    })
                });
            let retention = match retention_val {
                Some(a) => match self.retention(Val::Expr(&a.value)) {
                    Some(r) => r,
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => Some(30),
            };
            if !logs.create_group {
                if let Some(a) = retention_val {
                    self.diags.push(FieldConflict {
                        span: a.key.span.into(),
                        other: a.key.span.into(),
                        message: "`retention` has no effect with `create = false`".into(),
                        help: "svc sets the retention of groups it creates; remove `retention`, or let svc create the group".into(),
                    });
                    ok = false;
                }
                continue;
            }
            let span = retention_val.map(|a| a.value.span);
            match groups.iter_mut().find(|(g, _)| g.name == logs.group) {
                None => groups.push((
                    LogGroup {
                        name: logs.group.clone(),
                        retention_days: retention,
                    },
                    span,
                )),
                Some((group, first)) => match (*first, span) {
                    (Some(first), Some(span)) if group.retention_days != retention => {
                        self.diags.push(FieldConflict {
                            span: span.into(),
                            other: first.into(),
                            message: format!(
                                "log group {} is given two different retentions",
                                logs.group
                            ),
                            help: "containers that share a log group share its retention; write it once or make both the same".into(),
                        });
                        ok = false;
                    }
                    (None, Some(span)) => {
                        group.retention_days = retention;
                        *first = Some(span);
                    }
                    _ => {}
                },
            }
        }
        ok.then(|| groups.into_iter().map(|(g, _)| g).collect())
    }

    /// `retention = 30d` or `retention = never`.
    pub(super) fn retention(&mut self, v: Val) -> Option<Option<u32>> {
        if let Val::Expr(e) = v {
            if let ExprKind::Path(_) = &e.kind {
                if matches!(&e.kind, ExprKind::Path(p) if p.len() == 1 && p[0].name == "never") {
                    return Some(None);
                }
                self.diags.push(TypeMismatch {
                    span: e.span.into(),
                    expected: "a duration or `never`".into(),
                    found: e.kind.describe().into(),
                    help: "write a retention period such as `30d`, or `never`".into(),
                });
                return None;
            }
        }
        let seconds = self.duration(v, "log retention")?;
        let days = seconds / 86400;
        if seconds % 86400 != 0 {
            self.diags.push(LogRetention {
                span: v.span().into(),
                period: format!("{seconds} seconds"),
                help: "log retention is a whole number of days, such as `30d`".into(),
            });
            return None;
        }
        if !rules::LOG_RETENTION_DAYS.contains(&days) {
            self.diags.push(LogRetention {
                span: v.span().into(),
                period: if days == 1 {
                    "1 day".into()
                } else {
                    format!("{days} days")
                },
                help: rules::retention_neighbours(days),
            });
            return None;
        }
        Some(Some(days as u32))
    }

    pub(super) fn health(&mut self, v: Val) -> Option<HealthCheck> {
        let (body, header) = object(self, "health", v)?;
        let mut f = Fields::new("health", header, body);
        let shell = f.optional(self, "shell");
        let exec = f.optional(self, "exec");
        let command = match (shell, exec) {
            (Some(_), Some(e)) => {
                self.diags.push(super::errors::HealthCommand {
                    span: e.span().into(),
                    message: "a health check has either `shell` or `exec`, not both".into(),
                    label: "second command".into(),
                });
                None
            }
            (None, None) => {
                self.diags.push(super::errors::HealthCommand {
                    span: header.into(),
                    message: "a health check needs a command".into(),
                    label: "no `shell` or `exec` here".into(),
                });
                None
            }
            (Some(s), None) => self.string(s).and_then(|cmd| {
                if cmd.trim().is_empty() {
                    self.diags.push(super::errors::HealthCommand {
                        span: s.span().into(),
                        message: "the health-check command is empty".into(),
                        label: "empty command".into(),
                    });
                    return None;
                }
                Some(crate::model::HealthCommand::Shell(cmd))
            }),
            (None, Some(e)) => self.string_list(e).and_then(|args| {
                if args.is_empty() || args[0].trim().is_empty() {
                    self.diags.push(super::errors::HealthCommand {
                        span: e.span().into(),
                        message: "the health-check command is empty".into(),
                        label: "empty command".into(),
                    });
                    return None;
                }
                if args[0] == "CMD" || args[0] == "CMD-SHELL" {
                    self.diags.push(super::errors::HealthCommand {
                        span: e.span().into(),
                        message: format!("`exec` starts with `{}`, which svc adds itself", args[0]),
                        label: "remove the first item".into(),
                    });
                    return None;
                }
                Some(crate::model::HealthCommand::Exec(args))
            }),
        };
        let interval = self.health_value(&mut f, &rules::HEALTH_INTERVAL, Some(30));
        let timeout = self.health_value(&mut f, &rules::HEALTH_TIMEOUT, Some(5));
        let retries = self.health_value(&mut f, &rules::HEALTH_RETRIES, Some(3));
        let start_period = self.health_value(&mut f, &rules::HEALTH_START_PERIOD, None);
        f.finish(self);
        let ((interval, interval_span), (timeout, timeout_span)) = (interval?, timeout?);
        let (interval, timeout) = (interval? as u32, timeout? as u32);
        if timeout >= interval {
            self.warn(HealthTimeout {
                timeout_span: timeout_span.into(),
                interval_span: interval_span.into(),
                timeout,
                interval,
            });
        }
        Some(HealthCheck {
            command: command?,
            interval_s: interval,
            timeout_s: timeout,
            retries: retries?.0? as u32,
            start_period_s: start_period?.0.map(|v| v as u32),
        })
    }

    /// Reads one health-check field and checks its range. `Some(None)`
    /// means unset without a default.
    pub(super) fn health_value(
        &mut self,
        f: &mut Fields,
        limit: &HealthLimit,
        default: Option<u64>,
    ) -> Option<(Option<u64>, Span)> {
        let Some(v) = f.optional(self, limit.field) else {
            return Some((default, f.header()));
        };
        let value = if limit.seconds {
            self.duration(v, &format!("health-check {}", limit.field))?
        } else {
            self.uint(v, limit.field, 0, u64::MAX)?
        };
        if value < limit.min || value > limit.max {
            self.diags.push(HealthRange {
                span: v.span().into(),
                field: limit.field.into(),
                range: format!(
                    "between {} and {}",
                    limit.format(limit.min),
                    limit.format(limit.max)
                ),
                found: limit.format(value),
                help: format!(
                    "ECS accepts health-check `{}` from {} to {}",
                    limit.field,
                    limit.format(limit.min),
                    limit.format(limit.max)
                ),
            });
            return None;
        }
        Some((Some(value), v.span()))
    }
}

/// Whether an environment variable's name says it holds a credential.
fn looks_like_a_secret(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
    ];
    let upper = name.to_ascii_uppercase();
    WORDS.iter().any(|w| upper.contains(w))
}
