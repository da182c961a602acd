//! AWS limits the checker knows: Fargate task sizes, health-check ranges,
//! log retention periods. Numbers from the ECS and CloudWatch Logs API
//! references (see `shared/aws-rules.md` in the project's planning notes).

/// Valid Fargate (Linux) memory sizes in MiB for a task cpu value, or `None`
/// when the cpu value is not a Fargate size.
pub fn fargate_memory_options(cpu: u64) -> Option<Vec<u64>> {
    let range = |from: u64, to: u64, step: u64| (from..=to).step_by(step as usize).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => range(1024, 4096, 1024),
        1024 => range(2048, 8192, 1024),
        2048 => range(4096, 16384, 1024),
        4096 => range(8192, 30720, 1024),
        8192 => range(16384, 61440, 4096),
        16384 => range(32768, 122880, 8192),
        _ => return None,
    })
}

/// Fargate task cpu values.
pub const FARGATE_CPU: [u64; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// Formats MiB the way a user writes it: `512MiB`, `2GiB`.
pub fn format_mib(mib: u64) -> String {
    if mib >= 1024 && mib.is_multiple_of(1024) {
        format!("{}GiB", mib / 1024)
    } else {
        format!("{mib}MiB")
    }
}

/// Formats cpu units: `256`, with vCPUs in parentheses.
pub fn format_cpu(units: u64) -> String {
    if units.is_multiple_of(256) {
        let vcpu = units as f64 / 1024.0;
        format!("{units} ({vcpu}vcpu)")
    } else {
        units.to_string()
    }
}

/// A help line for an invalid Fargate size.
pub fn fargate_help(cpu: u64, memory: u64) -> String {
    match fargate_memory_options(cpu) {
        Some(options) => {
            let list = options.iter().map(|m| format_mib(*m)).collect::<Vec<_>>();
            let list = if list.len() > 6 {
                format!("{} to {}", list[0], list[list.len() - 1])
            } else {
                list.join(", ")
            };
            // Which cpu would take this memory?
            let fits: Vec<u64> = FARGATE_CPU
                .iter()
                .copied()
                .filter(|c| fargate_memory_options(*c).is_some_and(|o| o.contains(&memory)))
                .collect();
            match fits.first() {
                Some(c) => format!(
                    "with cpu {cpu}, memory can be {list}; or keep {} with cpu {c}",
                    format_mib(memory)
                ),
                None => format!("with cpu {cpu}, memory can be {list}"),
            }
        }
        None => {
            let nearest = FARGATE_CPU
                .iter()
                .copied()
                .min_by_key(|c| c.abs_diff(cpu))
                .unwrap_or(256);
            format!(
                "Fargate cpu is one of 256, 512, 1024, 2048, 4096, 8192 or 16384 units (0.25 to 16 vCPU); nearest: {nearest}"
            )
        }
    }
}

/// An allowed range of a container health-check field.
pub struct HealthLimit {
    /// The field's name in svc.
    pub field: &'static str,
    /// Minimum.
    pub min: u64,
    /// Maximum.
    pub max: u64,
    /// Whether the field is a duration (seconds).
    pub seconds: bool,
}

/// ECS container health-check limits.
pub const HEALTH_INTERVAL: HealthLimit = HealthLimit {
    field: "interval",
    min: 5,
    max: 300,
    seconds: true,
};
/// ECS container health-check limits.
pub const HEALTH_TIMEOUT: HealthLimit = HealthLimit {
    field: "timeout",
    min: 2,
    max: 60,
    seconds: true,
};
/// ECS container health-check limits.
pub const HEALTH_RETRIES: HealthLimit = HealthLimit {
    field: "retries",
    min: 1,
    max: 10,
    seconds: false,
};
/// ECS container health-check limits.
pub const HEALTH_START_PERIOD: HealthLimit = HealthLimit {
    field: "start_period",
    min: 0,
    max: 300,
    seconds: true,
};

impl HealthLimit {
    /// Formats a value of this field.
    pub fn format(&self, v: u64) -> String {
        if self.seconds {
            format!("{v}s")
        } else {
            v.to_string()
        }
    }
}

/// Retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: [u64; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The two valid retention periods around `days`.
pub fn retention_neighbours(days: u64) -> String {
    let below = LOG_RETENTION_DAYS.iter().rev().find(|d| **d < days);
    let above = LOG_RETENTION_DAYS.iter().find(|d| **d > days);
    match (below, above) {
        (Some(b), Some(a)) => format!("the nearest valid periods are {b}d and {a}d"),
        (Some(b), None) => format!("the longest period is {b}d; or write `retention = never`"),
        (None, Some(a)) if days == 0 => {
            format!("the shortest period is {a}d; to keep logs forever write `retention = never`")
        }
        (None, Some(a)) => format!("the shortest period is {a}d"),
        (None, None) => String::new(),
    }
}
