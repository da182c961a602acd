//! `svc fmt`: prints a file in the one canonical layout, keeping comments.
//!
//! The layout (documented for users in `docs/formatting.md`):
//!
//! - 2-space indentation, one entry per line in multi-line bodies, no commas
//!   between the entries of a multi-line body.
//! - A `{ ... }` body (of a declaration, a block or an object value) or a
//!   `[ ... ]` list stays on one line when the user wrote it on one line, it
//!   holds no comment, and the line it ends up on fits in [`MAX_WIDTH`]
//!   columns; it is then printed as `{ a = 1, b = 2 }` or `[a, b]`. Anything
//!   else is printed one entry (or element) per line; multi-line list
//!   elements each end with a comma. Empty bodies and lists are `{}` and
//!   `[]`.
//! - `=` is aligned within runs of consecutive single-line attributes; a
//!   block, a multi-line attribute, a blank line or a comment on its own line
//!   ends a run.
//! - Blank lines: at most one is kept where the user had one or more; none
//!   right after `{`/`[` or right before `}`/`]`. Top-level items are
//!   separated by a blank line when one of the two spans several lines.
//! - Literals (strings, numbers, quantities, ports, names) keep exactly the
//!   form they were written in; only whitespace and commas between tokens
//!   change, so formatting never changes meaning.
//! - Comments stay where they were: a comment on the line of an entry stays
//!   at the end of that line (after one space); a comment on its own line
//!   stays on its own line before the entry that follows it (or before the
//!   closing bracket), re-indented. Comments written between the tokens of an
//!   entry's head (`key /* here */ = 1`) move to their own line before it.
//!   Multi-line block comments are re-indented as a whole.

use crate::diagnostic::{Diagnostics, Source};
use crate::syntax::ast::*;

/// The column limit for keeping a body or list on one line.
pub const MAX_WIDTH: usize = 100;

const INDENT: usize = 2;

/// Formats `source` (named `<input>` in diagnostics). `Err` holds the syntax
/// error when the text does not parse.
pub fn format(source: &str) -> Result<String, Diagnostics> {
    format_source(Source::new("<input>", source))
}

/// Formats a named source. `Err` holds the syntax error when the text does
/// not parse; problems the parser reports alongside a tree (bad string
/// escapes) do not stop formatting, since literals are kept as written.
pub fn format_source(source: Source) -> Result<String, Diagnostics> {
    let text = source.text.clone();
    let mut diags = Diagnostics::new();
    diags.enter_source(source);
    let Some(file) = crate::syntax::parse(&text, &mut diags) else {
        return Err(diags);
    };
    // The parser collects comments as it builds the tree, not strictly in
    // source order.
    let mut comments = file.comments.clone();
    comments.sort_by_key(|c| c.span.start);
    Ok(Printer {
        src: &text,
        comments: &comments,
    }
    .file(&file))
}

/// Something printed on its own line(s) inside a container: an item, an
/// entry or a list element.
struct Child {
    /// Where its first token starts.
    start: usize,
    /// Comments in `start..hoist_end` move to their own line before it.
    hoist_end: usize,
    /// Where its last token ends.
    end: usize,
}

/// Comments around one child, and blank lines.
#[derive(Default)]
struct Placement<'c> {
    /// Own-line comments before the child, each with "a blank line before".
    leading: Vec<(&'c Comment, bool)>,
    /// A blank line between the last leading comment (or the previous child)
    /// and the child.
    blank_before: bool,
    /// Comments after the child on its last line.
    trailing: Vec<&'c Comment>,
}

/// The comments of one container, assigned to its children.
struct Layout<'c> {
    /// Comments on the line of the opening bracket.
    open_trailing: Vec<&'c Comment>,
    children: Vec<Placement<'c>>,
    /// Own-line comments after the last child, each with "a blank line
    /// before".
    dangling: Vec<(&'c Comment, bool)>,
}

struct Printer<'s> {
    src: &'s str,
    comments: &'s [Comment],
}

/// How a container is laid out.
enum Shape {
    Inline(String),
    Multi,
}

fn indent_str(n: usize) -> String {
    " ".repeat(n)
}

fn width(s: &str) -> usize {
    s.chars().count()
}

impl<'s> Printer<'s> {
    fn text(&self, span: Span) -> &'s str {
        &self.src[span.start..span.end]
    }

    /// Comments starting in `start..end`.
    fn comments_in(&self, start: usize, end: usize) -> impl Iterator<Item = &'s Comment> {
        self.comments
            .iter()
            .filter(move |c| c.span.start >= start && c.span.start < end)
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.comments_in(span.start, span.end).next().is_some()
    }

    /// Whether the source between two offsets holds a blank line.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        from < to && self.src[from..to].matches('\n').count() >= 2
    }

    fn same_line(&self, from: usize, to: usize) -> bool {
        from <= to && !self.src[from..to].contains('\n')
    }

    /// Whether a bracketed construct may be printed on one line.
    fn written_inline(&self, span: Span) -> bool {
        !self.text(span).contains('\n') && !self.has_comment_in(span)
    }

    // ----- children and their comments -------------------------------------

    fn item_child(&self, item: &Item) -> Child {
        let (start, hoist_end, end) = match item {
            Item::Input(input) => {
                let end = match &input.body {
                    Some(body) => body.span.end,
                    None => type_end(&input.ty),
                };
                let hoist_end = input.body.as_ref().map_or(end, |b| b.span.start);
                (input.span.start, hoist_end, end)
            }
            Item::Decl(decl) => (decl.span.start, decl.body.span.start, decl.body.span.end),
            Item::Preset(p) => (p.span.start, p.body.span.start, p.body.span.end),
            Item::Use(u) => (u.span.start, u.span.end, u.span.end),
        };
        Child {
            start,
            hoist_end,
            end,
        }
    }

    fn entry_child(&self, entry: &Entry) -> Child {
        let span = entry.span();
        let hoist_end = match entry {
            Entry::Attribute(a) => match &a.value.kind {
                ExprKind::List(_) | ExprKind::Object(_) => a.value.span.start,
                _ => span.end,
            },
            Entry::Block(b) => b.body.span.start,
        };
        Child {
            start: span.start,
            hoist_end,
            end: span.end,
        }
    }

    fn element_child(&self, expr: &Expr) -> Child {
        Child {
            start: expr.span.start,
            hoist_end: expr.span.start,
            end: expr.span.end,
        }
    }

    /// Assigns the comments between `open` (just after the opening bracket,
    /// or the start of the file) and `close` to the children. Comments inside
    /// a child's own brackets are left to that child.
    fn layout(&self, open: usize, close: usize, children: &[Child], top: bool) -> Layout<'s> {
        let mut layout = Layout {
            open_trailing: Vec::new(),
            children: Vec::new(),
            dangling: Vec::new(),
        };
        // `prev_end`: end of the last thing placed; `at_open`: nothing but
        // comments trailing the opening bracket has been placed yet (no
        // blank line is kept there).
        let mut prev_end = open;
        let mut at_open = true;
        for (i, child) in children.iter().enumerate() {
            let mut placement = Placement::default();
            for comment in self.comments_in(prev_end, child.start) {
                let on_prev_line = self.same_line(prev_end, comment.span.start);
                if on_prev_line && placement.leading.is_empty() && !(top && at_open) {
                    if at_open {
                        layout.open_trailing.push(comment);
                    } else {
                        layout.children[i - 1].trailing.push(comment);
                    }
                } else {
                    let blank = !at_open && self.blank_between(prev_end, comment.span.start);
                    placement.leading.push((comment, blank));
                    at_open = false;
                }
                prev_end = comment.span.end;
            }
            // Comments inside the head of the child go on their own line.
            for comment in self.comments_in(child.start, child.hoist_end) {
                placement.leading.push((comment, false));
            }
            placement.blank_before = match placement.leading.last() {
                // (false for comments hoisted out of the head, which end
                // after the child starts)
                Some((last, _)) => self.blank_between(last.span.end, child.start),
                None => !at_open && self.blank_between(prev_end, child.start),
            };
            layout.children.push(placement);
            prev_end = child.end;
            at_open = false;
        }
        let mut dangling_started = false;
        for comment in self.comments_in(prev_end, close) {
            let on_prev_line = self.same_line(prev_end, comment.span.start);
            if on_prev_line && !dangling_started && !(top && at_open) {
                if at_open {
                    layout.open_trailing.push(comment);
                } else {
                    layout
                        .children
                        .last_mut()
                        .expect("not at the opening bracket")
                        .trailing
                        .push(comment);
                }
            } else {
                let blank = !at_open && self.blank_between(prev_end, comment.span.start);
                layout.dangling.push((comment, blank));
                dangling_started = true;
                at_open = false;
            }
            prev_end = comment.span.end;
        }
        layout
    }

    // ----- comments ---------------------------------------------------------

    /// A comment on its own line at `indent`; block comments spanning lines
    /// are shifted as a whole when that keeps their inner layout.
    fn own_line_comment(&self, out: &mut String, comment: &Comment, indent: usize) {
        out.push_str(&indent_str(indent));
        let lines: Vec<&str> = comment.text.split('\n').map(str::trim_end).collect();
        out.push_str(lines[0]);
        if lines.len() > 1 {
            let line_start = self.src[..comment.span.start]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let old_col = width(&self.src[line_start..comment.span.start]);
            let rest = &lines[1..];
            let shift = |line: &str| -> String {
                if line.is_empty() {
                    return String::new();
                }
                if indent >= old_col {
                    format!("{}{line}", indent_str(indent - old_col))
                } else {
                    line[(old_col - indent)..].to_string()
                }
            };
            let can_shift = indent >= old_col
                || rest.iter().all(|l| {
                    l.is_empty()
                        || l.len() >= old_col - indent
                            && l.as_bytes()[..old_col - indent].iter().all(|&b| b == b' ')
                });
            for line in rest {
                out.push('\n');
                if can_shift {
                    out.push_str(&shift(line));
                } else {
                    out.push_str(line);
                }
            }
        }
        out.push('\n');
    }

    fn trailing_comments(&self, out: &mut String, comments: &[&Comment]) {
        for comment in comments {
            out.push(' ');
            let lines: Vec<&str> = comment.text.split('\n').map(str::trim_end).collect();
            out.push_str(&lines.join("\n"));
        }
    }

    fn leading_comments(&self, out: &mut String, comments: &[(&Comment, bool)], indent: usize) {
        for (comment, blank) in comments {
            if *blank {
                out.push('\n');
            }
            self.own_line_comment(out, comment, indent);
        }
    }

    // ----- the file ---------------------------------------------------------

    fn file(&self, file: &File) -> String {
        let children: Vec<Child> = file.items.iter().map(|i| self.item_child(i)).collect();
        let layout = self.layout(0, self.src.len(), &children, true);
        let mut out = String::new();
        let mut prev_multi = false;
        for (i, (item, place)) in file.items.iter().zip(&layout.children).enumerate() {
            let text = self.item(item, 0);
            let multi = text.contains('\n');
            let forced = i > 0 && (multi || prev_multi);
            let mut leading = place.leading.clone();
            let mut blank_before = place.blank_before;
            if forced {
                match leading.first_mut() {
                    Some((_, blank)) => *blank = true,
                    None => blank_before = true,
                }
            }
            self.leading_comments(&mut out, &leading, 0);
            if blank_before {
                out.push('\n');
            }
            out.push_str(&text);
            self.trailing_comments(&mut out, &place.trailing);
            out.push('\n');
            prev_multi = multi;
        }
        self.leading_comments(&mut out, &layout.dangling, 0);
        out
    }

    fn item(&self, item: &Item, indent: usize) -> String {
        match item {
            Item::Input(input) => {
                let mut head = format!("input {}: {}", input.name.name, self.type_expr(&input.ty));
                if let Some(body) = &input.body {
                    head.push(' ');
                    let col = indent + width(&head);
                    head.push_str(&self.body(body, col, indent));
                }
                head
            }
            Item::Decl(decl) => {
                let mut head = format!("{} {} ", decl.kind.name, decl.name.name);
                let col = indent + width(&head);
                head.push_str(&self.body(&decl.body, col, indent));
                head
            }
            Item::Preset(p) => {
                let mut head = format!("preset {} {} ", p.kind.name, p.name.name);
                let col = indent + width(&head);
                head.push_str(&self.body(&p.body, col, indent));
                head
            }
            Item::Use(u) => match &u.target {
                UseTarget::File(_, span) => format!("use {}", self.text(*span)),
                UseTarget::Module(path) => format!(
                    "use {}",
                    path.iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                ),
            },
        }
    }

    fn type_expr(&self, ty: &TypeExpr) -> String {
        match &ty.arg {
            Some(arg) => format!("{}({})", ty.name.name, self.type_expr(arg)),
            None => ty.name.name.clone(),
        }
    }

    // ----- bodies -----------------------------------------------------------

    /// The one-line form of a body, if it was written on one line.
    fn inline_body(&self, body: &Body) -> Option<String> {
        if !self.written_inline(body.span) {
            return None;
        }
        if body.entries.is_empty() {
            return Some("{}".to_string());
        }
        let entries: Vec<String> = body
            .entries
            .iter()
            .map(|e| self.inline_entry(e))
            .collect::<Option<_>>()?;
        Some(format!("{{ {} }}", entries.join(", ")))
    }

    fn inline_entry(&self, entry: &Entry) -> Option<String> {
        match entry {
            Entry::Attribute(a) => Some(format!(
                "{} = {}",
                self.text(a.key.span),
                self.inline_value(&a.value)?
            )),
            Entry::Block(b) => Some(format!(
                "{}{} {}",
                b.kind.name,
                b.label
                    .as_ref()
                    .map(|l| format!(" {}", l.name))
                    .unwrap_or_default(),
                self.inline_body(&b.body)?
            )),
        }
    }

    fn inline_value(&self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::List(items) => {
                if !self.written_inline(expr.span) {
                    return None;
                }
                let items: Vec<String> = items
                    .iter()
                    .map(|e| self.inline_value(e))
                    .collect::<Option<_>>()?;
                Some(format!("[{}]", items.join(", ")))
            }
            ExprKind::Object(body) => self.inline_body(body),
            _ => Some(self.text(expr.span).to_string()),
        }
    }

    fn body_shape(&self, body: &Body, col: usize) -> Shape {
        match self.inline_body(body) {
            Some(text) if col + width(&text) <= MAX_WIDTH => Shape::Inline(text),
            _ if body.entries.is_empty() && !self.has_comment_in(body.span) => {
                Shape::Inline("{}".to_string())
            }
            _ => Shape::Multi,
        }
    }

    /// A body starting at column `col` of a line indented by `indent`.
    fn body(&self, body: &Body, col: usize, indent: usize) -> String {
        if let Shape::Inline(text) = self.body_shape(body, col) {
            return text;
        }
        let children: Vec<Child> = body.entries.iter().map(|e| self.entry_child(e)).collect();
        let layout = self.layout(body.span.start + 1, body.span.end - 1, &children, false);
        let inner = indent + INDENT;
        let mut out = String::from("{");
        self.trailing_comments(&mut out, &layout.open_trailing);
        out.push('\n');

        // Which attributes stay on one line, and their alignment runs.
        let key_widths: Vec<Option<usize>> = body
            .entries
            .iter()
            .map(|e| match e {
                Entry::Attribute(a) => Some(width(self.text(a.key.span))),
                Entry::Block(_) => None,
            })
            .collect();
        let mut single: Vec<bool> = body
            .entries
            .iter()
            .zip(&key_widths)
            .map(|(e, kw)| match (e, kw) {
                (Entry::Attribute(a), Some(kw)) => self.attr_fits(a, inner + kw + 3),
                _ => false,
            })
            .collect();
        let runs = loop {
            let runs = self.runs(&single, &layout);
            let mut changed = false;
            for run in &runs {
                let key_width = run.iter().filter_map(|&i| key_widths[i]).max().unwrap_or(0);
                for &i in run {
                    let Entry::Attribute(a) = &body.entries[i] else {
                        continue;
                    };
                    if !self.attr_fits(a, inner + key_width + 3) {
                        single[i] = false;
                        changed = true;
                    }
                }
            }
            if !changed {
                break runs;
            }
        };
        let mut pad = vec![0usize; body.entries.len()];
        for run in &runs {
            let key_width = run.iter().filter_map(|&i| key_widths[i]).max().unwrap_or(0);
            for &i in run {
                pad[i] = key_width - key_widths[i].unwrap_or(0);
            }
        }

        for (i, (entry, place)) in body.entries.iter().zip(&layout.children).enumerate() {
            self.leading_comments(&mut out, &place.leading, inner);
            if place.blank_before {
                out.push('\n');
            }
            out.push_str(&indent_str(inner));
            match entry {
                Entry::Attribute(a) => {
                    let key = self.text(a.key.span);
                    let head = format!("{key}{} = ", indent_str(pad[i]));
                    // An attribute left out of the alignment runs is one
                    // whose value does not fit on the line: break it up even
                    // if it would fit without the padding.
                    let col = if single[i] {
                        inner + width(&head)
                    } else {
                        MAX_WIDTH + 1
                    };
                    out.push_str(&head);
                    out.push_str(&self.value(&a.value, col, inner, 0));
                }
                Entry::Block(b) => {
                    let mut head = b.kind.name.clone();
                    if let Some(label) = &b.label {
                        head.push(' ');
                        head.push_str(&label.name);
                    }
                    head.push(' ');
                    let col = inner + width(&head);
                    out.push_str(&head);
                    out.push_str(&self.body(&b.body, col, inner));
                }
            }
            self.trailing_comments(&mut out, &place.trailing);
            out.push('\n');
        }
        self.leading_comments(&mut out, &layout.dangling, inner);
        out.push_str(&indent_str(indent));
        out.push('}');
        out
    }

    /// Whether an attribute whose value starts at column `col` is printed on
    /// one line.
    fn attr_fits(&self, attr: &Attribute, col: usize) -> bool {
        let empty = match &attr.value.kind {
            ExprKind::List(items) => items.is_empty(),
            ExprKind::Object(body) => body.entries.is_empty(),
            _ => false,
        };
        match &attr.value.kind {
            // Printed as `[]` or `{}` wherever they were written.
            _ if empty && !self.has_comment_in(attr.value.span) => true,
            ExprKind::List(_) | ExprKind::Object(_) => self
                .inline_value(&attr.value)
                .is_some_and(|t| col + width(&t) <= MAX_WIDTH),
            _ => !self.text(attr.value.span).contains('\n'),
        }
    }

    /// Runs of consecutive single-line attributes, not interrupted by a blank
    /// line or a comment on its own line.
    fn runs(&self, single: &[bool], layout: &Layout) -> Vec<Vec<usize>> {
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut current: Vec<usize> = Vec::new();
        for (i, place) in layout.children.iter().enumerate() {
            let interrupted = place.blank_before || !place.leading.is_empty();
            if (!single[i] || interrupted) && !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
            if single[i] {
                current.push(i);
            }
        }
        if !current.is_empty() {
            runs.push(current);
        }
        runs
    }

    // ----- values -----------------------------------------------------------

    /// A value starting at column `col` of a line indented by `indent`;
    /// `suffix` columns follow it on its last line (a list's comma).
    fn value(&self, expr: &Expr, col: usize, indent: usize, suffix: usize) -> String {
        match &expr.kind {
            ExprKind::Object(body) => {
                if suffix > 0 {
                    if let Some(text) = self.inline_body(body) {
                        if col + width(&text) + suffix > MAX_WIDTH {
                            return self.body_multi(body, indent);
                        }
                    }
                }
                self.body(body, col, indent)
            }
            ExprKind::List(items) => self.list(expr, items, col, indent, suffix),
            _ => self.text(expr.span).to_string(),
        }
    }

    /// A body printed one entry per line even if it would fit on one line.
    fn body_multi(&self, body: &Body, indent: usize) -> String {
        // A column past the limit never fits.
        self.body(body, MAX_WIDTH + 1, indent)
    }

    fn list(
        &self,
        expr: &Expr,
        items: &[Expr],
        col: usize,
        indent: usize,
        suffix: usize,
    ) -> String {
        if let Some(text) = self.inline_value(expr) {
            if col + width(&text) + suffix <= MAX_WIDTH {
                return text;
            }
        }
        if items.is_empty() && !self.has_comment_in(expr.span) {
            return "[]".to_string();
        }
        let children: Vec<Child> = items.iter().map(|e| self.element_child(e)).collect();
        let layout = self.layout(expr.span.start + 1, expr.span.end - 1, &children, false);
        let inner = indent + INDENT;
        let mut out = String::from("[");
        self.trailing_comments(&mut out, &layout.open_trailing);
        out.push('\n');
        for (item, place) in items.iter().zip(&layout.children) {
            self.leading_comments(&mut out, &place.leading, inner);
            if place.blank_before {
                out.push('\n');
            }
            out.push_str(&indent_str(inner));
            out.push_str(&self.value(item, inner, inner, 1));
            out.push(',');
            self.trailing_comments(&mut out, &place.trailing);
            out.push('\n');
        }
        self.leading_comments(&mut out, &layout.dangling, inner);
        out.push_str(&indent_str(indent));
        out.push(']');
        out
    }
}

/// Where a type expression's last token ends (its span may run on over the
/// whitespace after it).
fn type_end(ty: &TypeExpr) -> usize {
    match &ty.arg {
        Some(_) => ty.span.end,
        None => ty.name.span.end,
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    fn fmt(s: &str) -> String {
        format(s).unwrap_or_else(|d| panic!("{}", d.render(false)))
    }

    #[test]
    fn aligns_and_indents() {
        let out = fmt("service web{replicas=2\nsize={cpu=256,\nmemory=512MiB}\n}");
        assert_eq!(
            out,
            "service web {\n  replicas = 2\n  size = {\n    cpu    = 256\n    memory = 512MiB\n  }\n}\n"
        );
    }

    #[test]
    fn keeps_inline_bodies_written_inline() {
        let src =
            "service web {\n  size = { cpu = 256, memory = 512MiB }\n  tags { a = \"b\" }\n}\n";
        assert_eq!(fmt(src), src);
    }

    #[test]
    fn comments_everywhere() {
        let src = "// head\n\nservice /* a */ web { // open\n  a = 1 // trailing\n  // own\n  b = [ // list\n    1, // one\n    2\n    // end of list\n  ]\n  // before close\n} // after\n// end\n";
        let out = fmt(src);
        assert_eq!(fmt(&out), out);
        for c in [
            "// head",
            "/* a */",
            "// open",
            "// trailing",
            "// own",
            "// list",
            "// one",
            "// end of list",
            "// before close",
            "// after",
            "// end",
        ] {
            assert!(out.contains(c), "{c} lost:\n{out}");
        }
    }

    #[test]
    fn empty_and_comment_only() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("// only\n"), "// only\n");
        assert_eq!(fmt("service a {\n}\n"), "service a {}\n");
    }
}
