//! Diagnostics: collecting them, and rendering them for terminals, for tests
//! (plain, no colour) and for tools (JSON).
//!
//! Every diagnostic is its own type deriving `miette::Diagnostic` with a
//! stable code (see `docs/diagnostics.md`); this module only stores them as
//! trait objects with the file they belong to.

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::syntax::ast::Span;

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

/// Diagnostics of one run.
///
/// The sources of a run (the entry file, the files it uses, stdlib modules)
/// share one offset space, as in a compiler's source map: each source starts
/// at its own base offset, so a span alone says which file it is in, and one
/// diagnostic can label places in several files.
#[derive(Default)]
pub struct Diagnostics {
    /// Each diagnostic with the source current when it was pushed and the
    /// labels added to it later (see [`Diagnostics::annotate_since`]).
    items: Vec<(usize, Boxed, Vec<LabeledSpan>)>,
    map: SourceMap,
    current: usize,
}

/// Every source of a run, at its base offset.
#[derive(Default)]
struct SourceMap {
    /// `(base, source)`, in order of base.
    sources: Vec<(usize, Source)>,
}

impl SourceMap {
    /// The index of the source holding `offset`.
    fn find(&self, offset: usize) -> Option<usize> {
        let i = self.sources.partition_point(|(base, _)| *base <= offset);
        i.checked_sub(1)
    }
}

impl SourceCode for SourceMap {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (base, source) = self
            .find(span.offset())
            .map(|i| &self.sources[i])
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        if local.offset() + local.len() > source.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let inner = source
            .text
            .read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            source.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl std::fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|(_, d, _)| d.to_string()))
            .finish()
    }
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a source at the next free base offset and makes it the
    /// current one (see [`crate::syntax::parse`]); returns its base.
    pub fn enter_source(&mut self, source: Source) -> usize {
        let base = self
            .map
            .sources
            .last()
            .map_or(0, |(base, s)| base + s.text.len() + 1);
        self.map.sources.push((base, source));
        self.current = self.map.sources.len() - 1;
        base
    }

    /// The base offset of the current source.
    pub fn current_base(&self) -> usize {
        self.map.sources.get(self.current).map_or(0, |(b, _)| *b)
    }

    /// The source holding a span's start, and the span's start within it.
    pub fn locate(&self, offset: usize) -> Option<(&Source, usize)> {
        let (base, source) = &self.map.sources[self.map.find(offset)?];
        Some((source, offset - base))
    }

    /// Adds a diagnostic pointing into the current source.
    pub fn push(&mut self, diagnostic: impl Diagnostic + Send + Sync + 'static) {
        self.items
            .push((self.current, Box::new(diagnostic), Vec::new()));
    }

    /// Whether any diagnostic is an error (warnings and advice are not).
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|(_, d, _)| is_error(d.as_ref()))
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|(_, d, _)| is_error(d.as_ref()))
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
            .map(|(_, d, _)| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()
    }

    fn sorted(&self) -> impl Iterator<Item = &(usize, Boxed, Vec<LabeledSpan>)> {
        let mut items: Vec<_> = self.items.iter().collect();
        items.sort_by_key(|(_, d, _)| first_offset(d.as_ref()));
        items.into_iter()
    }

    /// Adds `label` to the diagnostics from index `since` on whose first
    /// label lies in `within` (e.g. "inherited by this `from`" on problems
    /// found in a preset's body while checking the declaration using it).
    pub fn annotate_since(&mut self, since: usize, within: Span, label: LabeledSpan) {
        for (_, d, extra) in self.items.iter_mut().skip(since) {
            let first = first_offset(d.as_ref());
            if within.start <= first && first < within.end {
                extra.push(label.clone());
            }
        }
    }

    /// Drops diagnostics from index `since` on that repeat an earlier one
    /// (same code, message and first label), e.g. a problem in a preset met
    /// again by a second user of the preset.
    pub fn dedup_since(&mut self, since: usize) {
        let key = |d: &Boxed| {
            (
                d.code().map(|c| c.to_string()),
                d.to_string(),
                first_offset(d.as_ref()),
            )
        };
        let mut seen: std::collections::HashSet<_> = self.items[..since.min(self.items.len())]
            .iter()
            .map(|(_, d, _)| key(d))
            .collect();
        let mut i = since;
        while i < self.items.len() {
            if seen.insert(key(&self.items[i].1)) {
                i += 1;
            } else {
                self.items.remove(i);
            }
        }
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
        for (_, diag, extra) in self.sorted() {
            let with_source = WithSource {
                inner: diag.as_ref(),
                source: &self.map,
                extra,
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
            .map(|(src, d, extra)| {
                let fallback = &self.map.sources[*src].1;
                let file = d
                    .labels()
                    .and_then(|mut l| l.next())
                    .and_then(|l| self.locate(l.offset()))
                    .map_or(fallback, |(s, _)| s);
                let labels: Vec<JsonLabel> = d
                    .labels()
                    .into_iter()
                    .flatten()
                    .chain(extra.iter().cloned())
                    .map(|l| {
                        let (source, local) = self.locate(l.offset()).unwrap_or((fallback, 0));
                        let (line, column) = source.line_col(local);
                        let (end_line, end_column) = source.line_col(local + l.len());
                        JsonLabel {
                            message: l.label().map(String::from),
                            file: (!std::ptr::eq(source, file)).then(|| source.name.clone()),
                            offset: local,
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
                    file: file.name.clone(),
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
        for (_, d, _) in self.sorted() {
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
    /// Set when the label is in another file than the diagnostic.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    offset: usize,
    length: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

/// Attaches the source map, and the labels added later, to a diagnostic
/// for rendering.
struct WithSource<'a> {
    inner: &'a (dyn Diagnostic + Send + Sync),
    source: &'a SourceMap,
    extra: &'a [LabeledSpan],
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
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let extra = self.extra.iter().cloned();
        Some(match self.inner.labels() {
            Some(labels) => Box::new(labels.chain(extra)),
            None => Box::new(extra),
        })
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.inner.related()
    }
}
