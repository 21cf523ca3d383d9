//! Source files and the spans that point into them.

use std::fmt;
use std::path::PathBuf;

/// Identifies a file within a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range of one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range belongs to.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span of `file` from `start` to `end`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A value with the place it was written. Equality and hashing ignore the span, so that a
/// reformatted policy compares equal to the original.
#[derive(Clone, Debug, Default)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// One policy file's text and the name it is reported under.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or a label such as `<stdin>`).
    pub name: String,
    /// Where it was read from, when it came from disk.
    pub path: Option<PathBuf>,
    /// The whole text.
    pub text: String,
    /// Where each line after the first starts, found at the first need: a trace or a
    /// diagnostic places its rules in a large file without reading it from the start each time.
    lines: std::sync::OnceLock<Lines>,
}

/// The line index of a file.
#[derive(Clone, Debug, Default)]
struct Lines {
    /// The byte offset where each line after the first starts (after each `\n`).
    starts: Vec<usize>,
    /// The offsets of the lone `\r`s (not followed by `\n`): no line end for the language, but
    /// one for the diagnostics' renderer, whose line numbers [`SourceFile::excerpt`] matches.
    lone_returns: Vec<usize>,
}

/// Some whole lines of a file: see [`SourceFile::excerpt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Excerpt<'a> {
    /// The lines' text, each with its line end.
    pub text: &'a str,
    /// The byte offset in the file where it starts.
    pub start: usize,
    /// The line ends before it, counted as the diagnostics' renderer counts them (`\n`,
    /// `\r\n`, and a lone `\r`): the number, from 0, of its first line in the rendering.
    pub line: usize,
}

impl SourceFile {
    /// Line and column (both from 1, column in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = &self.index().starts;
        let line = self.line_of(offset) + 1;
        let line_start = line
            .checked_sub(2)
            .and_then(|i| starts.get(i))
            .copied()
            .unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// The lines from `margin` lines before the one that holds byte `from` to `margin` lines
    /// after the one that holds byte `to`: what a diagnostic's snippet is cut from, so that
    /// rendering one reads a few lines, not the whole file (thousands of findings in a file of
    /// megabytes were quadratic).
    pub fn excerpt(&self, from: usize, to: usize, margin: usize) -> Excerpt<'_> {
        let Lines {
            starts,
            lone_returns,
        } = self.index();
        let len = self.text.len();
        let line_of = |offset: usize| self.line_of(offset.min(len));
        // Line `k` (from 0) starts at 0 for the first, else after the `k`-th line end.
        let line_start = |k: usize| k.checked_sub(1).and_then(|i| starts.get(i)).copied();
        let first = line_of(from).saturating_sub(margin);
        let after = line_of(to.max(from))
            .saturating_add(margin)
            .saturating_add(1);
        let start = line_start(first).unwrap_or(0);
        let end = line_start(after).unwrap_or(len);
        Excerpt {
            text: self.text.get(start..end).unwrap_or(""),
            start,
            line: first + lone_returns.partition_point(|&r| r < start),
        }
    }

    /// The line (from 0) that holds byte `offset`: the lines that start at or before it, less
    /// the first.
    fn line_of(&self, offset: usize) -> usize {
        self.index().starts.partition_point(|&s| s <= offset)
    }

    fn index(&self) -> &Lines {
        self.lines.get_or_init(|| {
            let bytes = self.text.as_bytes();
            Lines {
                starts: memchr::memchr_iter(b'\n', bytes).map(|i| i + 1).collect(),
                lone_returns: memchr::memchr_iter(b'\r', bytes)
                    .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
                    .collect(),
            }
        })
    }
}

/// Every source file read so far; spans name files by index into it.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        path: Option<PathBuf>,
        text: impl Into<String>,
    ) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            name: name.into(),
            path,
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        });
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The text a span covers (empty when the span is out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start..span.end))
            .unwrap_or("")
    }

    /// All files, in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }
}

#[cfg(test)]
mod tests {
    use super::SourceMap;

    #[test]
    fn lines_and_columns_are_counted_from_one_in_characters() {
        let mut map = SourceMap::new();
        let text = "ab\nçé\n\nx";
        let id = map.add("f", None, text);
        let Some(file) = map.get(id) else {
            unreachable!("the file was just added")
        };
        let naive = |offset: usize| {
            let before = text.get(..offset).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before.get(start..).unwrap_or_default().chars().count() + 1;
            (line, column)
        };
        for offset in text.char_indices().map(|(i, _)| i).chain([text.len()]) {
            assert_eq!(file.line_col(offset), naive(offset), "at {offset}");
        }
        assert_eq!(file.line_col(2), (1, 3));
        assert_eq!(file.line_col(3), (2, 1));
        assert_eq!(file.line_col(100), (4, 2));
    }
}
