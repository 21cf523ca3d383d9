//! Diagnostics as data: a code, a severity, a message, a span and a help line. Rendered like
//! rustc's (file:line:col, the source line, a caret under the text) for people, and as JSON for
//! tools.

use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use crate::span::{SourceMap, Span};

pub mod code;

pub use code::Code;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
#[derive(Clone, Debug, PartialEq)]
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
            .with_context_lines(1)
            .with_width(160)
            .without_syntax_highlighting();
        let report = Rendered {
            message: String::new(),
            source: NamedSource::new(file.name.clone(), file.text.clone()),
            labels: self.labels_in(span, sources),
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

/// The view of a diagnostic that miette renders.
#[derive(Debug)]
struct Rendered {
    message: String,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
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
