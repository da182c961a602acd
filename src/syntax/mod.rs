//! Syntax: source text to a syntax tree with spans.
//! pest is used here and nowhere else; everything outside sees only `ast`.

pub mod ast;
mod error;
mod parser;

pub use error::{InvalidEscape, InvalidInterpolation, InvalidNumber, NestingTooDeep, SyntaxError};
pub use parser::parse;
