//! Diagnostics: collecting them, and rendering them for terminals, for tests
//! (plain, no colour) and for tools (JSON).
//!
//! Every diagnostic is its own type deriving `miette::Diagnostic` with a
//! stable code (see `docs/diagnostics.md`); this module only stores them as
//! trait objects with the file they belong to.

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, Severity, SourceCode,
};
use serde::Serialize;

/// A source file known to the compiler.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name shown in diagnostics (the path as given, or `<stdlib/x.svc>`).
    pub name: String,
    /// The text.
    pub text: Arc<str>,
}

impl Source {
    /// A source named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

type Boxed = Box<dyn Diagnostic + Send + Sync + 'static>;

/// Diagnostics of one run, each with the source it points into.
#[derive(Default)]
pub struct Diagnostics {
    items: Vec<(usize, Boxed)>,
    sources: Vec<Source>,
    current: usize,
}

impl std::fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|(_, d)| d.to_string()))
            .finish()
    }
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a source; diagnostics pushed from now on point into it.
    pub fn enter_source(&mut self, source: Source) -> usize {
        self.sources.push(source);
        self.current = self.sources.len() - 1;
        self.current
    }

    /// Makes an already registered source the current one.
    pub fn set_current(&mut self, id: usize) {
        self.current = id;
    }

    /// Adds a diagnostic pointing into the current source.
    pub fn push(&mut self, diagnostic: impl Diagnostic + Send + Sync + 'static) {
        self.items.push((self.current, Box::new(diagnostic)));
    }

    /// Whether any diagnostic is an error (warnings and advice are not).
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|(_, d)| is_error(d.as_ref()))
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|(_, d)| is_error(d.as_ref()))
            .count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The codes of all diagnostics, in report order.
    pub fn codes(&self) -> Vec<String> {
        self.sorted()
            .map(|(_, d)| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()
    }

    fn sorted(&self) -> impl Iterator<Item = &(usize, Boxed)> {
        let mut items: Vec<&(usize, Boxed)> = self.items.iter().collect();
        items.sort_by_key(|(src, d)| (*src, first_offset(d.as_ref())));
        items.into_iter()
    }

    /// Renders every diagnostic with miette's graphical handler; colours and
    /// Unicode only when `color` is set.
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for (src, diag) in self.sorted() {
            let source = &self.sources[*src];
            let named = NamedSource::new(source.name.clone(), source.text.to_string());
            let with_source = WithSource {
                inner: diag.as_ref(),
                source: &named,
            };
            let _ = handler.render_report(&mut out, &with_source);
            out.push('\n');
        }
        out
    }

    /// A one-line summary such as `2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        plural(self.error_count(), "error") + ", " + &plural(self.warning_count(), "warning")
    }

    /// Renders the diagnostics as a JSON array for tools and editors.
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<JsonDiagnostic> = self
            .sorted()
            .map(|(src, d)| {
                let source = &self.sources[*src];
                let labels: Vec<JsonLabel> = d
                    .labels()
                    .into_iter()
                    .flatten()
                    .map(|l| {
                        let (line, column) = source.line_col(l.offset());
                        let (end_line, end_column) = source.line_col(l.offset() + l.len());
                        JsonLabel {
                            message: l.label().map(String::from),
                            offset: l.offset(),
                            length: l.len(),
                            line,
                            column,
                            end_line,
                            end_column,
                        }
                    })
                    .collect();
                let (line, column) = labels.first().map_or((1, 1), |l| (l.line, l.column));
                JsonDiagnostic {
                    code: d.code().map(|c| c.to_string()),
                    severity: match d.severity().unwrap_or(Severity::Error) {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        Severity::Advice => "advice",
                    },
                    message: d.to_string(),
                    file: source.name.clone(),
                    line,
                    column,
                    help: d.help().map(|h| h.to_string()),
                    labels,
                }
            })
            .collect();
        serde_json::to_value(items).unwrap_or_default()
    }

    /// Plain text of all messages, one per line (for quick assertions).
    pub fn messages(&self) -> String {
        let mut out = String::new();
        for (_, d) in self.sorted() {
            let _ = writeln!(out, "{d}");
        }
        out
    }
}

fn is_error(d: &(dyn Diagnostic + Send + Sync)) -> bool {
    matches!(d.severity(), None | Some(Severity::Error))
}

fn first_offset(d: &(dyn Diagnostic + Send + Sync)) -> usize {
    d.labels()
        .and_then(|mut l| l.next())
        .map_or(0, |l| l.offset())
}

#[derive(Serialize)]
struct JsonDiagnostic {
    code: Option<String>,
    severity: &'static str,
    message: String,
    file: String,
    line: usize,
    column: usize,
    help: Option<String>,
    labels: Vec<JsonLabel>,
}

#[derive(Serialize)]
struct JsonLabel {
    message: Option<String>,
    offset: usize,
    length: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

/// Attaches a source to a diagnostic for rendering.
struct WithSource<'a> {
    inner: &'a (dyn Diagnostic + Send + Sync),
    source: &'a NamedSource<String>,
}

impl std::fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.inner, f)
    }
}

impl std::fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.url()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.inner.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.inner.related()
    }
}
