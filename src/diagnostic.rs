//! Diagnostics as data: a code, a severity, a message, a span and a help line. Rendered like
//! rustc's (file:line:col, the source line, a caret under the text) for people, and as JSON for
//! tools.

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::span::{Excerpt, SourceFile, SourceMap, Span};

pub mod code;

pub use code::Code;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy is still served.
    Warning,
    /// The policy is rejected.
    Error,
}

impl Severity {
    /// `error` or `warning`, as rendered and serialised.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about a policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The kind of finding, shown as a stable kebab-case code (`unknown-name`, …).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, lowercase, no final period, user text in backticks.
    pub message: String,
    /// Where; none for findings about a whole folder.
    pub span: Option<Span>,
    /// The words under the caret.
    pub label: Option<String>,
    /// Other places that explain this one.
    pub related: Vec<(Span, String)>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding at `span`, as serious as its code says.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            span: Some(span),
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// An error at `span`. The severity is the code's: the name says what the caller expects.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(code, span, message)
    }

    /// A warning at `span`. The severity is the code's: the name says what the caller expects.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(code, span, message)
    }

    /// A finding that belongs to no particular place.
    pub fn general(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            ..Diagnostic::new(code, Span::default(), message)
        }
    }

    /// Sets the words under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a related place.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A diagnostic located in a file, as serialised with `--error-format json`.
#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic {
    /// The stable code.
    pub code: Code,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// The file, as named to the tool.
    pub file: Option<String>,
    /// Line of the start (from 1).
    pub line: Option<usize>,
    /// Column of the start (from 1, in characters).
    pub column: Option<usize>,
    /// Line of the end.
    pub end_line: Option<usize>,
    /// Column of the end.
    pub end_column: Option<usize>,
    /// The text the span covers.
    pub snippet: Option<String>,
    /// The words under the caret.
    pub label: Option<String>,
    /// The help line.
    pub help: Option<String>,
}

impl Diagnostic {
    /// The diagnostic with its span resolved to file, line and column.
    pub fn to_json(&self, sources: &SourceMap) -> JsonDiagnostic {
        let mut json = JsonDiagnostic {
            code: self.code,
            severity: self.severity,
            message: self.message.clone(),
            file: None,
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            snippet: None,
            label: self.label.clone(),
            help: self.help.clone(),
        };
        if let Some(span) = self.span
            && let Some(file) = sources.get(span.file)
        {
            let (line, column) = file.line_col(span.start);
            let (end_line, end_column) = file.line_col(span.end);
            json.file = Some(file.name.clone());
            json.line = Some(line);
            json.column = Some(column);
            json.end_line = Some(end_line);
            json.end_column = Some(end_column);
            json.snippet = Some(sources.snippet(span).to_string());
        }
        json
    }

    /// `file:line:col`, or none when the diagnostic has no place.
    pub fn location(&self, sources: &SourceMap) -> Option<String> {
        let span = self.span?;
        let file = sources.get(span.file)?;
        let (line, column) = file.line_col(span.start);
        Some(format!("{}:{line}:{column}", file.name))
    }

    /// The diagnostic as rustc would print it: the message, `--> file:line:col`, the source
    /// line with a caret under the offending text, and the help. `color` adds ANSI colours.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        // Two lines more than miette shows, so that its own reading of the context lines never
        // meets the excerpt's ends where the file goes on.
        self.render_from(sources, color, |file, from, to| {
            file.excerpt(from, to, CONTEXT_LINES + 2)
        })
    }

    /// As [`Diagnostic::render`], the snippet read from the lines `excerpt` cuts from the file
    /// around the bytes `from..to` that the labels cover.
    fn render_from<'s>(
        &self,
        sources: &'s SourceMap,
        color: bool,
        excerpt: impl FnOnce(&'s SourceFile, usize, usize) -> Excerpt<'s>,
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}[{}]: {}", self.severity, self.code, self.message);
        let file = self.span.and_then(|s| sources.get(s.file).map(|f| (s, f)));
        let Some((span, file)) = file else {
            if let Some(help) = &self.help {
                let _ = writeln!(out, "  = help: {help}");
            }
            return out;
        };
        if let Some(location) = self.location(sources) {
            let _ = writeln!(out, "  --> {location}");
        }
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_context_lines(CONTEXT_LINES)
            .with_width(160)
            .without_syntax_highlighting();
        let labels = self.labels_in(span, sources);
        // The lines around the places marked, not the whole file: miette reads its source from
        // the start for each snippet.
        let from = labels
            .iter()
            .map(|l| l.offset())
            .min()
            .unwrap_or(span.start);
        let to = labels
            .iter()
            .map(|l| l.offset() + l.len())
            .max()
            .unwrap_or(span.end);
        let report = Rendered {
            message: String::new(),
            source: Snippet {
                name: &file.name,
                excerpt: excerpt(file, from, to),
            },
            labels,
            help: self.help.clone(),
        };
        let mut body = String::new();
        if handler.render_report(&mut body, &report).is_ok() {
            // miette starts with the (empty) message line: keep the snippet and the help only.
            let trimmed = body.trim_start_matches(['\n', ' ', '×']);
            out.push_str(trimmed.trim_end());
            out.push('\n');
        }
        // Places in other files (an inherited declaration) cannot share the snippet: name them.
        for (other, text) in self.related.iter().filter(|(o, _)| o.file != span.file) {
            if let Some(f) = sources.get(other.file) {
                let (line, column) = f.line_col(other.start);
                let _ = writeln!(out, "  note: {text}: {}:{line}:{column}", f.name);
            }
        }
        out
    }

    fn labels_in(&self, span: Span, sources: &SourceMap) -> Vec<LabeledSpan> {
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(self.label.clone().unwrap_or_else(|| "here".to_string())),
            (span.start, span.end.saturating_sub(span.start)),
        )];
        for (other, text) in &self.related {
            if other.file == span.file && sources.get(other.file).is_some() {
                labels.push(LabeledSpan::new_with_span(
                    Some(text.clone()),
                    (other.start, other.end.saturating_sub(other.start)),
                ));
            }
        }
        labels
    }
}

/// The lines shown above and below the places a diagnostic marks.
const CONTEXT_LINES: usize = 1;

/// The view of a diagnostic that miette renders.
#[derive(Debug)]
struct Rendered<'a> {
    message: String,
    source: Snippet<'a>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

/// Some lines of a file, read by miette as if they were the whole file: the offsets it asks
/// for and the line numbers it gets back are the file's.
#[derive(Debug)]
struct Snippet<'a> {
    name: &'a str,
    excerpt: Excerpt<'a>,
}

impl SourceCode for Snippet<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let Excerpt { text, start, line } = self.excerpt;
        let offset = span
            .offset()
            .checked_sub(start)
            .ok_or(MietteError::OutOfBounds)?;
        let inner = <str as SourceCode>::read_span(
            text,
            &SourceSpan::new(offset.into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + start).into(), inner.span().len()),
            inner.line() + line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl std::fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

/// Renders several diagnostics, errors and warnings in the order given, with a summary line.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.render(sources, color));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests assert by panicking")]

    use super::{Code, Diagnostic, Excerpt};
    use crate::span::{SourceMap, Span};

    /// Lines of every kind a snippet may meet: `\r\n` and `\n` ends, a lone `\r` (a line end
    /// for miette, none for the language), letters of several bytes, an empty line, and a last
    /// line without its end.
    const TEXT: &str = "policy p\r\nversion \"v\"\n# un retour \r seul\n\nclause \"é\" section \"s\"\n  | Texte accentué : été, « durée ».\r\n  | Suite.\ninput a.b : integer per \"é\"\n\nparameter p = 3 per \"é\"\nconclusion k : bool\n  rule r\n    gives true\n    per \"é\"";

    /// Every place of the file rendered from the lines around it gives the rendering from the
    /// whole file (what miette printed before snippets were cut), with places marked on the
    /// same line and lines away, in colour or not.
    #[test]
    fn a_snippet_cut_from_the_lines_around_renders_as_from_the_whole_file() {
        let mut sources = SourceMap::new();
        let file = sources.add("p.policy", None, TEXT);
        let at = |start: usize, end: usize| Span { file, start, end };
        let mut starts = vec![0];
        starts.extend(TEXT.match_indices('\n').map(|(i, _)| i + 1));
        let mut cases = 0;
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(TEXT.len(), |&next| next - 1);
            let word = TEXT[start..end].find(' ').map_or(end, |w| start + w);
            let far = starts.get(i + 4).copied().unwrap_or(0);
            for d in [
                Diagnostic::error(Code::UnknownName, at(start, word), "a word"),
                Diagnostic::warning(Code::UnusedClause, at(end, end), "the line's end")
                    .with_label("here")
                    .with_help("a help"),
                Diagnostic::error(Code::DuplicateName, at(start, end), "with others")
                    .with_related(at(word, end), "the same line")
                    .with_related(at(far, far + 1), "lines away"),
            ] {
                for color in [false, true] {
                    let cut = d.render(&sources, color);
                    let whole = d.render_from(&sources, color, |f, _, _| Excerpt {
                        text: &f.text,
                        start: 0,
                        line: 0,
                    });
                    assert_eq!(cut, whole, "{d:?}");
                    assert!(cut.contains("p.policy:"), "a snippet is shown: {cut}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, starts.len() * 6);
    }

    /// The excerpt is the lines asked for, with their number as miette counts lines.
    #[test]
    fn an_excerpt_is_whole_lines_numbered_as_the_renderer_numbers_them() {
        let mut sources = SourceMap::new();
        let file = sources.add("p.policy", None, TEXT);
        let file = sources.get(file).unwrap();
        let clause = TEXT.find("clause").unwrap();
        let excerpt = file.excerpt(clause, clause + 6, 1);
        // The empty line before, the clause, the line after; the lone `\r` above counts.
        assert_eq!(
            excerpt.text,
            "\nclause \"é\" section \"s\"\n  | Texte accentué : été, « durée ».\r\n"
        );
        assert_eq!(excerpt.start, TEXT.find("\n\nclause").unwrap() + 1);
        assert_eq!(excerpt.line, 4);
        let last = file.excerpt(TEXT.len(), TEXT.len(), 2);
        assert!(last.text.starts_with("  rule r\n"), "{last:?}");
        assert!(last.text.ends_with("per \"é\""), "{last:?}");
    }
}
