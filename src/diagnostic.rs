//! Diagnostics: collecting them, and rendering them for terminals, for tests
//! (plain, no colour) and for tools (JSON).
//!
//! Every diagnostic is its own type deriving `miette::Diagnostic` with a
//! stable code (see `docs/diagnostics.md`); this module only stores them as
//! trait objects with the file they belong to.

use std::fmt::Write as _;
use std::io::Read as _;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::syntax::ast::Span;

/// Largest source file svc reads (real files are a few KiB).
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

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

    /// Reads a source file: a directory, a file larger than
    /// [`MAX_SOURCE_BYTES`], or bytes that are not UTF-8 get a message (for
    /// exit code 2) instead of a source. Memory stays bounded even for an
    /// endless stream (`/dev/zero`, a FIFO).
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let shown = path.display();
        if path.is_dir() {
            return Err(format!("{shown} is a directory, not a .svc file"));
        }
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        Self::from_reader(shown.to_string(), file)
    }

    /// Reads a source from any reader (standard input), with the same
    /// limits as [`Source::read`].
    pub fn from_reader(name: String, reader: impl std::io::Read) -> Result<Self, String> {
        let mut bytes = Vec::new();
        reader
            .take(MAX_SOURCE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if bytes.len() as u64 > MAX_SOURCE_BYTES {
            return Err(format!(
                "{name} is larger than {} MiB; svc sources are small text files",
                MAX_SOURCE_BYTES >> 20
            ));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Source::new(name, text)),
            Err(e) => Err(format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            )),
        }
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
    /// Unicode only when `color` is set. At most [`MAX_RENDERED`] are shown
    /// (a line counts the rest), and long source lines are clipped around
    /// the labels, so hostile input cannot make the report explode.
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let indexes = self.line_indexes();
        let mut out = String::new();
        for (_, diag, extra) in self.sorted().take(MAX_RENDERED) {
            let labels: Vec<LabeledSpan> = diag
                .labels()
                .into_iter()
                .flatten()
                .chain(extra.iter().cloned())
                .collect();
            let windows = Windows::new(&self.map, &indexes, &labels);
            let with_source = WithSource {
                inner: diag.as_ref(),
                labels: labels.iter().filter_map(|l| windows.map_label(l)).collect(),
                source: &windows,
            };
            let _ = handler.render_report(&mut out, &with_source);
            out.push('\n');
        }
        if self.items.len() > MAX_RENDERED {
            let _ = writeln!(
                out,
                "... and {} more diagnostics not shown (`--format json` lists all)\n",
                self.items.len() - MAX_RENDERED
            );
        }
        out
    }

    /// A one-line summary such as `2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        plural(self.error_count(), "error") + ", " + &plural(self.warning_count(), "warning")
    }

    /// A line index of every source, in source-map order.
    fn line_indexes(&self) -> Vec<LineIndex> {
        self.map
            .sources
            .iter()
            .map(|(_, s)| LineIndex::new(&s.text))
            .collect()
    }

    /// Renders the diagnostics as a JSON array for tools and editors.
    pub fn to_json(&self) -> serde_json::Value {
        let indexes = self.line_indexes();
        let items: Vec<JsonDiagnostic> = self
            .sorted()
            .map(|(src, d, extra)| {
                let fallback = *src;
                let locate = |offset: usize| {
                    let i = self.map.find(offset).unwrap_or(fallback);
                    let (base, source) = &self.map.sources[i];
                    (i, source, offset.saturating_sub(*base))
                };
                let (file_index, file, _) = d
                    .labels()
                    .and_then(|mut l| l.next())
                    .map_or((fallback, &self.map.sources[fallback].1, 0), |l| {
                        locate(l.offset())
                    });
                let labels: Vec<JsonLabel> = d
                    .labels()
                    .into_iter()
                    .flatten()
                    .chain(extra.iter().cloned())
                    .map(|l| {
                        let (i, source, local) = locate(l.offset());
                        let (line, column) = indexes[i].line_col(&source.text, local);
                        let (end_line, end_column) =
                            indexes[i].line_col(&source.text, local + l.len());
                        JsonLabel {
                            message: l.label().map(String::from),
                            file: (i != file_index).then(|| source.name.clone()),
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
    /// Byte offset in its file.
    offset: usize,
    length: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

/// Attaches a (clipped) source to a diagnostic for rendering.
struct WithSource<'a> {
    inner: &'a (dyn Diagnostic + Send + Sync),
    /// The diagnostic's labels, moved into the windows' offsets.
    labels: Vec<LabeledSpan>,
    source: &'a Windows<'a>,
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
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.inner.related()
    }
}

/// Diagnostics rendered per run; the rest are counted in one line.
pub const MAX_RENDERED: usize = 100;
/// Lines up to this many bytes are shown in full.
const MAX_LINE: usize = 160;
/// Bytes kept on each side of a label edge when a line is clipped.
const CLIP_CONTEXT: usize = 60;
/// What stands for the bytes cut out of a clipped line.
const ELLIPSIS: &str = "…";

/// Where each line of a text starts, counting line breaks as miette does
/// (`\n`, `\r\n`, or a lone `\r`), so line numbers agree with its rendering.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 1,
                b'\r' | b'\n' => {}
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 1;
            starts.push(i);
        }
        LineIndex { starts }
    }

    /// 0-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte range of a line without its line break, and where the next
    /// line starts.
    fn bounds(&self, text: &str, line: usize) -> (usize, usize, usize) {
        let start = self.starts[line];
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let body = &text.as_bytes()[start..next];
        let body = body.strip_suffix(b"\n").unwrap_or(body);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        (start, start + body.len(), next)
    }

    /// 1-based line and column (in characters) of a byte offset, without
    /// scanning the text before it.
    fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_boundary(text, offset.min(text.len()));
        let line = self.line(offset);
        (
            line + 1,
            text[self.starts[line]..offset].chars().count() + 1,
        )
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The windows of one diagnostic, one per source its labels point into,
/// each at its own base offset (like the sources in [`SourceMap`]), so
/// labels in several files render as snippets of each.
struct Windows<'a> {
    /// `(base in window space, source-map index, window)`, by base.
    windows: Vec<(usize, usize, Window<'a>)>,
    map: &'a SourceMap,
}

impl<'a> Windows<'a> {
    fn new(map: &'a SourceMap, indexes: &'a [LineIndex], labels: &[LabeledSpan]) -> Self {
        let mut sources: Vec<usize> = labels.iter().filter_map(|l| map.find(l.offset())).collect();
        sources.sort_unstable();
        sources.dedup();
        let mut windows = Vec::new();
        let mut next = 0;
        for i in sources {
            let (base, source) = &map.sources[i];
            let local: Vec<LabeledSpan> = labels
                .iter()
                .filter(|l| map.find(l.offset()) == Some(i))
                .map(|l| shift(l, l.offset() - base))
                .collect();
            let window = Window::new(source, &indexes[i], &local);
            let len = window.text.len();
            windows.push((next, i, window));
            next += len + 1;
        }
        Windows { windows, map }
    }

    /// A label in window space; `None` for an offset in no source.
    fn map_label(&self, label: &LabeledSpan) -> Option<LabeledSpan> {
        let i = self.map.find(label.offset())?;
        let (wbase, _, window) = self.windows.iter().find(|(_, j, _)| *j == i)?;
        let local = shift(label, label.offset() - self.map.sources[i].0);
        let mapped = window.map_label(&local);
        Some(shift(&mapped, mapped.offset() + wbase))
    }
}

/// `label` moved to start at `offset`, same length, text and primacy.
fn shift(label: &LabeledSpan, offset: usize) -> LabeledSpan {
    let text = label.label().map(String::from);
    if label.primary() {
        LabeledSpan::new_primary_with_span(text, (offset, label.len()))
    } else {
        LabeledSpan::new_with_span(text, (offset, label.len()))
    }
}

impl SourceCode for Windows<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let at = self
            .windows
            .partition_point(|(base, _, _)| *base <= span.offset());
        let (wbase, _, window) = at
            .checked_sub(1)
            .map(|i| &self.windows[i])
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - wbase).into(), span.len());
        if local.offset() + local.len() > window.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            inner.name().unwrap_or_default().to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + wbase).into(), inner.span().len()),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// A contiguous piece of the source copied into a [`Window`].
struct Segment {
    /// Byte offset in the source.
    orig: usize,
    /// Byte offset in the window text.
    win: usize,
    len: usize,
}

/// The lines of a source that one diagnostic shows, with long lines cut
/// down to the parts around its labels. miette reads this instead of the
/// whole file; line numbers and columns are those of the source.
struct Window<'a> {
    name: &'a str,
    text: String,
    segments: Vec<Segment>,
    first_line: usize,
    index: &'a LineIndex,
    source: &'a str,
}

impl<'a> Window<'a> {
    fn new(source: &'a Source, index: &'a LineIndex, labels: &[LabeledSpan]) -> Self {
        let text: &str = &source.text;
        let mut window = Window {
            name: &source.name,
            text: String::new(),
            segments: Vec::new(),
            first_line: 0,
            index,
            source: text,
        };
        let points: Vec<usize> = labels
            .iter()
            .flat_map(|l| [l.offset(), l.offset() + l.len()])
            .map(|p| p.min(text.len()))
            .collect();
        let (Some(&lo), Some(&hi)) = (points.iter().min(), points.iter().max()) else {
            return window;
        };
        window.first_line = index.line(lo).saturating_sub(1);
        let last_line = (index.line(hi) + 1).min(index.starts.len() - 1);
        for line in window.first_line..=last_line {
            let (start, end, next) = index.bounds(text, line);
            if end - start <= MAX_LINE {
                window.copy(start, next);
                continue;
            }
            // Keep the bytes around each label edge on this line.
            let mut keep: Vec<(usize, usize)> = points
                .iter()
                .filter(|&&p| (start..=end).contains(&p))
                .map(|&p| {
                    (
                        floor_boundary(text, p.saturating_sub(CLIP_CONTEXT).max(start)),
                        ceil_boundary(text, (p + CLIP_CONTEXT).min(end)),
                    )
                })
                .collect();
            if keep.is_empty() {
                keep.push((start, floor_boundary(text, start + MAX_LINE)));
            }
            keep.sort_unstable();
            let mut at = start;
            for (from, to) in keep {
                let from = from.max(at);
                if from > at {
                    window.text.push_str(ELLIPSIS);
                }
                if to > from {
                    window.copy(from, to);
                    at = to;
                }
            }
            if at < end {
                window.text.push_str(ELLIPSIS);
            }
            window.copy(end, next);
        }
        window
    }

    fn copy(&mut self, from: usize, to: usize) {
        self.segments.push(Segment {
            orig: from,
            win: self.text.len(),
            len: to - from,
        });
        self.text.push_str(&self.source[from..to]);
    }

    /// A source offset in window coordinates (cut-out bytes map to the end
    /// of the kept part before them).
    fn map(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.orig <= offset);
        match i.checked_sub(1).map(|i| &self.segments[i]) {
            Some(s) => s.win + (offset - s.orig).min(s.len),
            None => 0,
        }
    }

    /// A window offset back in source coordinates.
    fn unmap(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.win <= offset);
        match i.checked_sub(1).map(|i| &self.segments[i]) {
            Some(s) => s.orig + (offset - s.win).min(s.len),
            None => 0,
        }
    }

    fn map_label(&self, label: &LabeledSpan) -> LabeledSpan {
        let start = self.map(label.offset());
        let end = self.map(label.offset() + label.len());
        let text = label.label().map(String::from);
        if label.primary() {
            LabeledSpan::new_primary_with_span(text, (start, end - start))
        } else {
            LabeledSpan::new_with_span(text, (start, end - start))
        }
    }
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        let line = self.first_line + inner.line();
        let column = if inner.column() == 0 {
            0
        } else {
            let orig = self.unmap(inner.span().offset());
            orig - self.index.starts[self.index.line(orig)]
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            line,
            column,
            self.first_line + inner.line_count(),
        )))
    }
}
