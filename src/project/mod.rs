//! Projects: the entry file, the files and stdlib modules it `use`s, and
//! the expansion of presets and environments into one syntax tree that the
//! checker reads as if it had been written in one file.
//!
//! Spans stay where the text was written (every source has its own range in
//! the diagnostics' source map), so a problem found in an inherited setting
//! points into the preset, with a second label at the `from` that brought it.

mod collide;
mod errors;
mod expand;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostics, Source};
use crate::syntax::ast::{File, Item, Span, UseTarget};

pub use collide::collisions;
pub use errors::*;
pub use expand::{environments, expand, Target};

/// The standard library: `use std.NAME` reads `stdlib/NAME.svc`, embedded
/// in the binary.
pub const STDLIB: [(&str, &str); 5] = [
    ("sizes", include_str!("../../stdlib/sizes.svc")),
    ("health", include_str!("../../stdlib/health.svc")),
    ("discovery", include_str!("../../stdlib/discovery.svc")),
    ("logging", include_str!("../../stdlib/logging.svc")),
    ("service", include_str!("../../stdlib/service.svc")),
];

/// The pseudo-path of a stdlib module in diagnostics.
pub fn stdlib_name(module: &str) -> String {
    format!("<stdlib/{module}.svc>")
}

/// Every parsed file of a project, the entry file first.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The files in load order.
    pub files: Vec<File>,
}

impl Loaded {
    /// Every item of every file, `use` items included, the entry file's first.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.files.iter().flat_map(|f| f.items.iter())
    }
}

/// Where a file came from, to tell cycles and repeated imports apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    File(PathBuf),
    Std(String),
}

impl Key {
    fn display(&self, root: &Path) -> String {
        match self {
            Key::File(p) => p.strip_prefix(root).unwrap_or(p).display().to_string(),
            Key::Std(m) => stdlib_name(m),
        }
    }
}

struct Loader<'d> {
    diags: &'d mut Diagnostics,
    root: PathBuf,
    done: HashMap<Key, ()>,
    stack: Vec<Key>,
    files: Vec<File>,
}

/// Parses `entry` and everything it uses. The entry's name is its path;
/// `use "x.svc"` is read relative to the using file, and no file outside
/// the entry file's directory (the project root) can be used. Returns
/// `None` when a file does not parse.
pub fn load(entry: Source, diags: &mut Diagnostics) -> Option<Loaded> {
    let entry_path = Path::new(&entry.name);
    let dir = entry_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let key = entry_path
        .canonicalize()
        .map(Key::File)
        .unwrap_or_else(|_| Key::File(root.join(entry_path.file_name().unwrap_or_default())));
    let mut loader = Loader {
        diags,
        root,
        done: HashMap::new(),
        stack: Vec::new(),
        files: Vec::new(),
    };
    let ok = loader.source(key, entry);
    ok.then_some(Loaded {
        files: loader.files,
    })
}

impl Loader<'_> {
    /// Parses one source and loads what it uses; `false` on a syntax error.
    fn source(&mut self, key: Key, source: Source) -> bool {
        let text = source.text.clone();
        self.diags.enter_source(source);
        let Some(file) = crate::syntax::parse(&text, self.diags) else {
            return false;
        };
        self.done.insert(key.clone(), ());
        self.stack.push(key.clone());
        let uses: Vec<_> = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Use(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        self.files.push(file);
        let mut ok = true;
        for u in uses {
            ok &= match &u.target {
                UseTarget::File(path, span) => self.use_file(&key, path, *span),
                UseTarget::Module(path) => self.use_module(path, u.span),
            };
        }
        self.stack.pop();
        ok
    }

    fn use_file(&mut self, from: &Key, path: &str, span: Span) -> bool {
        let Key::File(from) = from else {
            // stdlib modules only use other stdlib modules
            self.diags.push(UseNotFound {
                span: span.into(),
                what: format!("\"{path}\""),
                reason: "stdlib modules cannot use project files".into(),
                help: "use `std.NAME` here".into(),
            });
            return true;
        };
        let dir = from.parent().unwrap_or(Path::new("."));
        let joined = normalize(&dir.join(path));
        let outside = |cx: &mut Self, what: &str| {
            cx.diags.push(UseOutsideRoot {
                span: span.into(),
                path: path.to_string(),
                resolved: what.to_string(),
                help: "a project is the entry file's directory and what is under it; move or copy the file there".into(),
            });
            true
        };
        if !joined.starts_with(&self.root) {
            return outside(self, "it leads out of the project directory");
        }
        if self.cycle(&Key::File(joined.clone()), span) {
            return true;
        }
        let key = match joined.canonicalize() {
            Ok(real) if real.starts_with(&self.root) => Key::File(real),
            Ok(_) => return outside(self, "it is a link that leads out of the project directory"),
            Err(e) => return self.unreadable(span, path, io_reason(&e)),
        };
        if self.cycle(&key, span) || self.done.contains_key(&key) {
            return true;
        }
        let Key::File(real) = &key else { return true };
        let name = display_path(real);
        // Bounded like the entry file: a directory, a huge or non-UTF-8
        // file gets a message, not unbounded memory.
        let read = std::fs::File::open(real)
            .map_err(|e| io_reason(&e))
            .and_then(|f| Source::from_reader(name, f));
        match read {
            Ok(source) => self.source(key, source),
            Err(reason) => self.unreadable(span, path, reason),
        }
    }

    /// Reports a used file that cannot be read; loading goes on.
    fn unreadable(&mut self, span: Span, path: &str, reason: String) -> bool {
        self.diags.push(UseNotFound {
            span: span.into(),
            what: format!("\"{path}\""),
            reason,
            help: "the path is relative to the file that has the `use`; svc files are UTF-8 text"
                .into(),
        });
        true
    }

    fn use_module(&mut self, path: &[crate::syntax::ast::Ident], span: Span) -> bool {
        let names: Vec<&str> = path.iter().map(|p| p.name.as_str()).collect();
        let found = match names.as_slice() {
            ["std", module] => STDLIB.iter().find(|(n, _)| n == module),
            _ => None,
        };
        let Some((module, text)) = found else {
            let written = names.join(".");
            let last = names.last().copied().unwrap_or_default();
            let help = match crate::check::suggest(last, STDLIB.iter().map(|(n, _)| *n)) {
                Some(s) => format!("did you mean `use std.{s}`?"),
                None => format!(
                    "stdlib modules: {}; a project file is used by its path in quotes, `use \"common.svc\"`",
                    STDLIB
                        .iter()
                        .map(|(n, _)| format!("std.{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.diags.push(UseNotFound {
                span: span.into(),
                what: format!("`{written}`"),
                reason: "no such stdlib module".into(),
                help,
            });
            return true;
        };
        let key = Key::Std(module.to_string());
        if self.cycle(&key, span) || self.done.contains_key(&key) {
            return true;
        }
        self.source(key, Source::new(stdlib_name(module), *text))
    }

    /// Reports a cycle when `key` is being loaded already.
    fn cycle(&mut self, key: &Key, span: Span) -> bool {
        let Some(at) = self.stack.iter().position(|k| k == key) else {
            return false;
        };
        let cycle: Vec<String> = self.stack[at..]
            .iter()
            .chain(std::iter::once(key))
            .map(|k| k.display(&self.root))
            .collect();
        self.diags.push(UseCycle {
            span: span.into(),
            cycle: cycle.join(" → "),
        });
        true
    }
}

/// An I/O error in words, without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    // The root itself was canonicalized; do the same to the prefix we can.
    match out.parent().and_then(|p| p.canonicalize().ok()) {
        Some(parent) => parent.join(out.file_name().unwrap_or_default()),
        None => out,
    }
}

/// A used file's name in diagnostics: relative to the working directory
/// when it is below it, like the entry file's.
fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
}
