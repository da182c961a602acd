//! Progress per resource: spinners on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::cloud::CloudResult;
use super::exec::Progress;
use super::plan::{Action, Entry};

fn verb(action: &Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("creating", "created"),
        Action::Update => ("updating", "updated"),
        Action::Delete => ("deleting", "deleted"),
        _ => ("checking", "checked"),
    }
}

fn key(entry: &Entry) -> String {
    format!("{} {}", entry.kind.label(), entry.name)
}

/// Plain lines on standard error, one when a resource starts and one when
/// it ends.
pub struct Lines;

impl Progress for Lines {
    fn started(&self, entry: &Entry) {
        eprintln!("{} {}...", verb(&entry.action).0, key(entry));
    }

    fn finished(&self, entry: &Entry, result: &CloudResult<()>, elapsed: Duration) {
        match result {
            Ok(()) => eprintln!(
                "{} {} ({:.1}s)",
                verb(&entry.action).1,
                key(entry),
                elapsed.as_secs_f64()
            ),
            Err(e) => eprintln!("failed {}: {e}", key(entry)),
        }
    }
}

/// A spinner per resource in progress.
pub struct Spinners {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Spinners {
    /// Spinners drawn on standard error.
    pub fn new() -> Spinners {
        Spinners {
            multi: MultiProgress::new(),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl Default for Spinners {
    fn default() -> Self {
        Spinners::new()
    }
}

impl Progress for Spinners {
    fn started(&self, entry: &Entry) {
        let bar = self.multi.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(format!("{} {}", verb(&entry.action).0, key(entry)));
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key(entry), bar);
    }

    fn finished(&self, entry: &Entry, result: &CloudResult<()>, elapsed: Duration) {
        let bar = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key(entry));
        let line = match result {
            Ok(()) => format!(
                "✓ {} {} ({:.1}s)",
                verb(&entry.action).1,
                key(entry),
                elapsed.as_secs_f64()
            ),
            Err(e) => format!("✗ {}: {e}", key(entry)),
        };
        match bar {
            Some(bar) => {
                if let Ok(style) = ProgressStyle::with_template("{msg}") {
                    bar.set_style(style);
                }
                bar.finish_with_message(line);
            }
            None => eprintln!("{line}"),
        }
    }
}
