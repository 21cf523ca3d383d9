//! Pest pairs to the typed AST, with spans, and comments attached to the nodes they precede or
//! are written in.

use chrono::NaiveDate;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span, Spanned};
use crate::syntax::parser::Rule as R;

/// Lowers the pairs of one file. `comments` are the file's comment lines, by position.
pub(crate) struct Lowerer {
    file: FileId,
    /// Where the text pest parsed starts in the file: added to every position pest gives.
    base: usize,
    comments: Comments,
    errors: Vec<Diagnostic>,
    /// The depth of each expression lowered and not yet joined to its parent, innermost last:
    /// a tree deeper than [`MAX_DEPTH`](super::MAX_DEPTH) is refused as it is built, before a
    /// stage (or dropping it) recurses through it.
    depths: RefCell<Vec<usize>>,
    /// How many expressions are being lowered, one inside the other.
    open: std::cell::Cell<usize>,
}

type LResult<T> = Result<T, Diagnostic>;

/// Refuses an expression whose prefix operators nest past [`MAX_NESTING`](super::MAX_NESTING):
/// the Pratt parser reads each by recursion, which no stack bound of ours interrupts. A `not`
/// stays open until an `and` or an `or` (which bind more loosely) ends it, so `not x = not x =
/// …` nests as deep as it is long; a `-` binds tighter than any infix operator, which ends it.
/// Read from the flat list of operators and operands, before any recursion.
fn open_prefixes(file: FileId, base: usize, pair: &Pair<'_, R>) -> LResult<()> {
    let (mut nots, mut negations) = (0usize, 0usize);
    for part in pair.clone().into_inner() {
        match part.as_rule() {
            R::not_op => nots += 1,
            R::neg_op => negations += 1,
            R::and_op | R::or_op => (nots, negations) = (0, 0),
            rule if is_infix(rule) => negations = 0,
            _ => {}
        }
        if nots + negations > super::MAX_NESTING {
            return Err(super::nesting(file, base + part.as_span().start()));
        }
    }
    Ok(())
}

/// Whether `rule` is an infix operator of expressions.
fn is_infix(rule: R) -> bool {
    matches!(
        rule,
        R::eq_op
            | R::ne_op
            | R::le_op
            | R::ge_op
            | R::lt_op
            | R::gt_op
            | R::in_op
            | R::not_in_op
            | R::add_op
            | R::sub_op
            | R::mul_op
            | R::div_op
    )
}

/// The stack one expression's Pratt parse may need before it lowers a primary (up to
/// [`MAX_NESTING`](super::MAX_NESTING) open prefix operators, each of which may climb the
/// operators' precedences again, unoptimised): below it, the lowering goes on in a segment of
/// [`STACK_SEGMENT`] on the heap.
const RED_ZONE: usize = 1024 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

static PRATT: LazyLock<PrattParser<R>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(R::or_op, Assoc::Left))
        .op(Op::infix(R::and_op, Assoc::Left))
        .op(Op::prefix(R::not_op))
        .op(Op::infix(R::eq_op, Assoc::Left)
            | Op::infix(R::ne_op, Assoc::Left)
            | Op::infix(R::lt_op, Assoc::Left)
            | Op::infix(R::le_op, Assoc::Left)
            | Op::infix(R::gt_op, Assoc::Left)
            | Op::infix(R::ge_op, Assoc::Left)
            | Op::infix(R::in_op, Assoc::Left)
            | Op::infix(R::not_in_op, Assoc::Left)
            | Op::postfix(R::is_absent)
            | Op::postfix(R::is_present)
            | Op::postfix(R::is_empty)
            | Op::postfix(R::is_not_empty))
        .op(Op::infix(R::add_op, Assoc::Left) | Op::infix(R::sub_op, Assoc::Left))
        .op(Op::infix(R::mul_op, Assoc::Left) | Op::infix(R::div_op, Assoc::Left))
        .op(Op::prefix(R::neg_op))
        .op(Op::postfix(R::as_unit))
        .op(Op::postfix(R::field_access))
});

impl Lowerer {
    pub(crate) fn new(file: FileId, text: &str) -> Self {
        Lowerer {
            file,
            base: 0,
            comments: Comments::scan(text),
            errors: Vec::new(),
            depths: RefCell::default(),
            open: std::cell::Cell::default(),
        }
    }

    /// A lowerer for the part of a file that starts at byte `base` (`text` is that part), its
    /// positions being those of the whole file.
    pub(crate) fn for_part(file: FileId, text: &str, base: usize) -> Self {
        let mut comments = Comments::scan(text);
        for (at, _) in &mut comments.pending {
            *at += base;
        }
        Lowerer {
            file,
            base,
            comments,
            errors: Vec::new(),
            depths: RefCell::default(),
            open: std::cell::Cell::default(),
        }
    }

    /// Lowers `items_file`: its items, and the comments after the last one.
    pub(crate) fn items(
        mut self,
        pair: Pair<'_, R>,
    ) -> Result<(Vec<Item>, Vec<String>), Vec<Diagnostic>> {
        let mut items = Vec::new();
        for p in pair.into_inner().filter(|p| p.as_rule() != R::EOI) {
            match self.item(p) {
                Ok(i) => items.push(i),
                Err(e) => self.errors.push(e),
            }
        }
        let trailing_comments = self.comments.take_before(usize::MAX);
        if self.errors.is_empty() {
            Ok((items, trailing_comments))
        } else {
            Err(self.errors)
        }
    }

    /// Lowers `policy_file`, returning the policy or the first error.
    pub(crate) fn policy(mut self, pair: Pair<'_, R>) -> Result<Policy, Vec<Diagnostic>> {
        let mut header = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::header => match self.header(p) {
                    Ok(h) => header = Some(h),
                    Err(e) => self.errors.push(e),
                },
                R::EOI => {}
                _ => match self.item(p) {
                    Ok(i) => items.push(i),
                    Err(e) => self.errors.push(e),
                },
            }
        }
        let trailing_comments = self.comments.take_before(usize::MAX);
        match header {
            Some(header) if self.errors.is_empty() => Ok(Policy {
                header,
                items,
                trailing_comments,
            }),
            _ => Err(self.errors),
        }
    }

    /// The span of a pair without the spaces and comments pest lets trail after it (a rule
    /// ending in an optional part swallows them), so that carets end on the last token.
    fn span(&self, pair: &Pair<'_, R>) -> Span {
        let s = pair.as_span();
        let end = if ends_on_its_last_token(pair.as_rule()) {
            s.end()
        } else {
            tight_end(pair)
        };
        Span::new(self.file, self.base + s.start(), self.base + end)
    }

    fn name(&self, pair: Pair<'_, R>) -> Name {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    fn string(&self, pair: Pair<'_, R>) -> Name {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map_or("", |p| p.as_str());
        Spanned::new(unescape(body), span)
    }

    /// A text that may go on over several lines: its pieces joined with one space, its span
    /// from the first quote to the last. A piece of several that starts or ends with a space
    /// (or is empty) is refused, so that the value reads as the lines do and `clausier fmt`
    /// may cut a text at any of its spaces.
    fn text(&self, pair: Pair<'_, R>) -> LResult<Name> {
        let span = self.span(&pair);
        let mut pieces = pair.into_inner().peekable();
        let Some(first) = pieces.next() else {
            return Err(missing_part(span));
        };
        if pieces.peek().is_none() {
            return Ok(self.string(first));
        }
        let mut text = String::new();
        for piece in std::iter::once(first).chain(pieces) {
            let piece = self.string(piece);
            if let Some(fault) = piece_fault(&piece.node) {
                return Err(Diagnostic::error(
                    Code::SyntaxError,
                    piece.span,
                    format!("this piece of a text written over several lines {fault}"),
                )
                .with_label("a piece of the text")
                .with_help(
                    "the pieces of a text are joined with one space: write each without spaces \
                     at its ends, and without empty pieces",
                ));
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&piece.node);
        }
        Ok(Spanned::new(text, span))
    }

    fn date(&self, pair: Pair<'_, R>) -> LResult<Spanned<NaiveDate>> {
        let span = self.span(&pair);
        NaiveDate::parse_from_str(pair.as_str(), "%Y-%m-%d")
            .map(|d| Spanned::new(d, span))
            .map_err(|_| {
                Diagnostic::error(
                    Code::InvalidDate,
                    span,
                    format!("`{}` is not a date of the calendar", pair.as_str()),
                )
                .with_label("no such day")
                .with_help(calendar_help(pair.as_str()))
            })
    }

    pub(crate) fn header(&mut self, pair: Pair<'_, R>) -> LResult<Header> {
        // The comments before the header, and those between or at the end of its lines (a
        // trailing comment is placed at its line's start, at or before the last line's token).
        let last = pair.clone().into_inner().last();
        let end = self.base + last.map_or(pair.as_span().start(), |p| p.as_span().start());
        let comments = self.comments.take_before(end);
        let mut inner = pair.into_inner();
        let policy = self.name(next(&mut inner)?);
        let version = self.string(next(&mut next(&mut inner)?.into_inner())?);
        let mut header = Header {
            comments,
            policy,
            version,
            draft: None,
            effective_from: None,
            extends: None,
            title: None,
            source: None,
            language: None,
            identified_by: None,
        };
        for p in inner {
            let rule = p.as_rule();
            if rule == R::draft {
                header.draft = Some(Spanned::new((), self.span(&p)));
                continue;
            }
            let value = next(&mut p.into_inner())?;
            match rule {
                R::effective_from => header.effective_from = Some(self.date(value)?),
                R::extends => header.extends = Some(self.string(value)),
                R::title => header.title = Some(self.text(value)?),
                R::language => header.language = Some(self.string(value)),
                R::identified_by => {
                    header.identified_by =
                        Some(Name::new(value.as_str().to_string(), self.span(&value)))
                }
                _ => header.source = Some(self.text(value)?),
            }
        }
        Ok(header)
    }

    fn item(&mut self, pair: Pair<'_, R>) -> LResult<Item> {
        let span = self.span(&pair);
        let mut comments = self.comments.take_before(span.start);
        let kind = match pair.as_rule() {
            R::clause_decl => ItemKind::Clause(Arc::new(self.clause(pair)?)),
            R::unit_decl => ItemKind::Unit(self.name(next(&mut pair.into_inner())?)),
            R::enum_decl => {
                let mut inner = pair.into_inner();
                let name = self.name(next(&mut inner)?);
                let variants = inner.map(|p| self.name(p)).collect();
                ItemKind::Enum(Arc::new(EnumDecl { name, variants }))
            }
            R::record_decl => {
                let (record, on_requires) = self.record(pair)?;
                comments.extend(on_requires);
                ItemKind::Record(Arc::new(record))
            }
            R::input_decl => ItemKind::Input(Arc::new(self.input(pair)?)),
            R::parameter_decl => ItemKind::Parameter(Arc::new(self.parameter(pair)?)),
            R::definition_decl => ItemKind::Definition(Arc::new(self.definition(pair)?)),
            R::conclusion_decl => ItemKind::Conclusion(Arc::new(self.conclusion(pair)?)),
            R::override_decl => ItemKind::Override(Arc::new(self.override_decl(pair)?)),
            R::row_decl => ItemKind::Row(Arc::new(self.added_row(pair)?)),
            R::label_decl => ItemKind::Label(Arc::new(self.label(pair)?)),
            other => return Err(unexpected(span, other)),
        };
        // Those written inside the item and not taken by a field or a rule (on its first line,
        // between the lines of a definition, a label or an overridden rule) are its own.
        comments.extend(self.comments.take_before(span.end));
        Ok(Item {
            comments,
            kind,
            span,
        })
    }

    fn clause(&mut self, pair: Pair<'_, R>) -> LResult<Clause> {
        let mut inner = pair.into_inner();
        let id = self.string(next(&mut inner)?);
        let section = self.string(next(&mut inner)?);
        let mut words: Vec<&str> = Vec::new();
        let mut text_span: Option<Span> = None;
        let mut informative = false;
        let mut reason = None;
        for line in inner {
            if line.as_rule() == R::informative {
                informative = true;
                reason = line.into_inner().next().map(|t| self.text(t)).transpose()?;
                continue;
            }
            let span = self.span(&line);
            text_span = Some(text_span.map_or(span, |s| s.to(span)));
            let text = line.into_inner().next().map_or("", |p| p.as_str());
            words.extend(text.split_whitespace());
        }
        let text = Spanned::new(words.join(" "), text_span.unwrap_or(id.span));
        Ok(Clause {
            id,
            section,
            informative,
            reason,
            text,
        })
    }

    /// A record, and the comments written before or on its `require` lines, which belong to
    /// the record (a `require` holds no comments, and the field after it is another line).
    fn record(&mut self, pair: Pair<'_, R>) -> LResult<(RecordDecl, Vec<String>)> {
        let mut inner = pair.into_inner();
        let name = self.name(next(&mut inner)?);
        let mut fields = Vec::new();
        let mut requires = Vec::new();
        let mut on_requires = Vec::new();
        for p in inner {
            let end = self.span(&p).end;
            if p.as_rule() == R::require {
                on_requires.extend(self.comments.take_before(end));
                let mut parts = p.into_inner();
                let condition = self.expr(next(&mut parts)?)?;
                let message = self.text(next(&mut parts)?)?;
                requires.push(Require { condition, message });
            } else {
                // Those before the field, and those on its line.
                let comments = self.comments.take_before(end);
                let mut parts = p.into_inner();
                let name = self.name(next(&mut parts)?);
                let ty = self.type_expr(next(&mut parts)?)?;
                let default = match parts.next() {
                    Some(d) => Some(self.expr(next(&mut d.into_inner())?)?),
                    None => None,
                };
                fields.push(FieldDecl {
                    comments,
                    name,
                    ty,
                    default,
                });
            }
        }
        let record = RecordDecl {
            name,
            fields,
            requires,
        };
        Ok((record, on_requires))
    }

    fn input(&mut self, pair: Pair<'_, R>) -> LResult<InputDecl> {
        let mut inner = pair.into_inner();
        let path_pair = next(&mut inner)?;
        let path_span = self.span(&path_pair);
        let path = path_pair.as_str().split('.').map(str::to_string).collect();
        let ty = self.type_expr(next(&mut inner)?)?;
        let mut default = None;
        let mut citations = Vec::new();
        let mut requires = Vec::new();
        for p in inner {
            match p.as_rule() {
                R::default => default = Some(self.expr(next(&mut p.into_inner())?)?),
                R::require => {
                    let mut parts = p.into_inner();
                    let condition = self.expr(next(&mut parts)?)?;
                    let message = self.text(next(&mut parts)?)?;
                    requires.push(Require { condition, message });
                }
                _ => citations = self.citations(p),
            }
        }
        Ok(InputDecl {
            path: Spanned::new(path, path_span),
            ty,
            default,
            citations,
            requires,
        })
    }

    fn label(&mut self, pair: Pair<'_, R>) -> LResult<LabelDecl> {
        let mut inner = pair.into_inner();
        let target = next(&mut inner)?;
        let target_span = self.span(&target);
        let target = target.as_str().split('.').map(str::to_string).collect();
        let text = self.text(next(&mut inner)?)?;
        let mut parts = Vec::new();
        let mut favourable = Vec::new();
        for part in inner {
            if part.as_rule() == R::favourable {
                favourable.extend(
                    part.into_inner()
                        .filter(|p| p.as_rule() == R::favourable_value)
                        .map(|p| self.name(p)),
                );
                continue;
            }
            let mut kind = LabelKind::Label;
            let mut lang = None;
            let mut text = None;
            for p in part.into_inner() {
                match p.as_rule() {
                    R::label_kind => {
                        kind = match p.as_str() {
                            "question" => LabelKind::Question,
                            "help" => LabelKind::Help,
                            _ => LabelKind::Singular,
                        }
                    }
                    R::lang_code => lang = Some(self.name(p)),
                    _ => text = Some(self.text(p)?),
                }
            }
            let text = text.ok_or_else(|| unexpected(target_span, R::label_part))?;
            parts.push(LabelPart { kind, lang, text });
        }
        Ok(LabelDecl {
            target: Spanned::new(target, target_span),
            text,
            parts,
            favourable,
        })
    }

    fn parameter(&mut self, pair: Pair<'_, R>) -> LResult<ParameterDecl> {
        let mut inner = pair.into_inner();
        let name = self.name(next(&mut inner)?);
        let mut decl = ParameterDecl {
            name,
            ty: None,
            value: None,
            citations: Vec::new(),
            reading: None,
        };
        for p in inner {
            match p.as_rule() {
                R::declared_type => decl.ty = Some(self.type_expr(next(&mut p.into_inner())?)?),
                R::default => decl.value = Some(self.expr(next(&mut p.into_inner())?)?),
                R::reading => decl.reading = Some(self.reading(p)?),
                _ => decl.citations = self.citations(p),
            }
        }
        Ok(decl)
    }

    fn definition(&mut self, pair: Pair<'_, R>) -> LResult<DefinitionDecl> {
        let mut inner = pair.into_inner();
        let name = self.name(next(&mut inner)?);
        let mut params = Vec::new();
        let mut ty = None;
        let mut citations = Vec::new();
        let mut body = None;
        let mut reading = None;
        for p in inner {
            match p.as_rule() {
                R::formals => {
                    for f in p.into_inner() {
                        let mut parts = f.into_inner();
                        let name = self.name(next(&mut parts)?);
                        let ty = self.type_expr(next(&mut parts)?)?;
                        params.push(Formal { name, ty });
                    }
                }
                R::type_expr => ty = Some(self.type_expr(p)?),
                R::citations => citations = self.citations(p),
                R::reading => reading = Some(self.reading(p)?),
                _ => body = Some(self.expr(p)?),
            }
        }
        let span = name.span;
        Ok(DefinitionDecl {
            name,
            params,
            ty: ty.ok_or_else(|| missing_part(span))?,
            citations,
            body: body.ok_or_else(|| missing_part(span))?,
            reading,
        })
    }

    fn conclusion(&mut self, pair: Pair<'_, R>) -> LResult<ConclusionDecl> {
        let mut inner = pair.into_inner();
        let name = self.name(next(&mut inner)?);
        let ty = self.type_expr(next(&mut inner)?)?;
        let mut table = None;
        // As many as there are rules (pest counts its pairs): a rule is large, and a vector
        // grown one by one would hold room for twice as many.
        let mut rules = Vec::with_capacity(inner.len());
        for p in inner {
            if p.as_rule() == R::decision_table {
                let (t, rows) = self.table(p)?;
                table = Some(t);
                rules = rows;
            } else {
                rules.push(self.rule(p)?);
            }
        }
        Ok(ConclusionDecl {
            name,
            ty,
            rules,
            table,
        })
    }

    /// A decision table: its hit policy and columns, and its rows as rules.
    fn table(&mut self, pair: Pair<'_, R>) -> LResult<(Table, Vec<Rule>)> {
        let mut table = Table {
            hit: Spanned::new(HitPolicy::First, self.span(&pair)),
            columns: Vec::new(),
        };
        let mut rows = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::hit_policy => {
                    let hit = match p.as_str() {
                        "unique" => HitPolicy::Unique,
                        "any" => HitPolicy::Any,
                        "collect" => HitPolicy::Collect,
                        _ => HitPolicy::First,
                    };
                    table.hit = Spanned::new(hit, self.span(&p));
                }
                R::table_columns => {
                    table.columns = p
                        .into_inner()
                        .map(|e| self.expr(e))
                        .collect::<LResult<_>>()?;
                }
                R::table_row => {
                    let span = self.span(&p);
                    let comments = self.comments.take_before(span.start);
                    let mut inner = p.into_inner();
                    let label = self.name(next(&mut inner)?);
                    let mut row = self.row_parts(comments, label, inner, span)?;
                    row.comments.extend(self.comments.take_before(span.end));
                    rows.push(row);
                }
                _ => {}
            }
        }
        Ok((table, rows))
    }

    /// A row's cells, value and citations, after its label.
    fn row_parts<'a>(
        &mut self,
        comments: Vec<String>,
        label: Name,
        parts: impl Iterator<Item = Pair<'a, R>>,
        span: Span,
    ) -> LResult<Rule> {
        let mut cells = Vec::new();
        let mut rest = Vec::new();
        for p in parts {
            if p.as_rule() == R::row_cells {
                for c in p.into_inner() {
                    cells.push(self.cell(c)?);
                }
            } else {
                rest.push(p);
            }
        }
        let mut rule = Rule {
            comments,
            kind: RuleKind::Row,
            label,
            overrides: Vec::new(),
            condition: None,
            value: None,
            citations: Vec::new(),
            reading: None,
            cells: Some(cells),
            span,
        };
        for p in rest {
            match p.as_rule() {
                R::gives => rule.value = Some(self.expr(next(&mut p.into_inner())?)?),
                R::reading => rule.reading = Some(self.reading(p)?),
                _ => rule.citations = self.citations(p),
            }
        }
        Ok(rule)
    }

    fn cell(&self, pair: Pair<'_, R>) -> LResult<Spanned<Cell>> {
        let span = self.span(&pair);
        let inner = next(&mut pair.into_inner())?;
        let cell = match inner.as_rule() {
            R::any_cell => Cell::Any,
            R::compare_cell => {
                let mut parts = inner.into_inner();
                let op = match next(&mut parts)?.as_rule() {
                    R::le_op => BinOp::Le,
                    R::ge_op => BinOp::Ge,
                    R::ne_op => BinOp::Ne,
                    R::lt_op => BinOp::Lt,
                    R::gt_op => BinOp::Gt,
                    _ => BinOp::Eq,
                };
                let value = self.expr(next(&mut parts)?)?;
                if op == BinOp::Eq {
                    Cell::Equal(value)
                } else {
                    Cell::Compare(op, value)
                }
            }
            R::range_cell => {
                let mut parts = inner.into_inner();
                let low_open = next(&mut parts)?.as_str() == "]";
                let low = self.expr(next(&mut parts)?)?;
                let high = self.expr(next(&mut parts)?)?;
                let high_open = next(&mut parts)?.as_str() == "[";
                Cell::Range {
                    low,
                    low_open,
                    high,
                    high_open,
                }
            }
            R::in_cell => {
                let mut parts = inner.into_inner();
                let negated = next(&mut parts)?.as_rule() == R::not_in_op;
                Cell::In {
                    negated,
                    list: self.expr(next(&mut parts)?)?,
                }
            }
            _ => Cell::Equal(self.expr(inner)?),
        };
        Ok(Spanned::new(cell, span))
    }

    /// `row c.label [before other] | … `: a row added to an inherited table.
    fn added_row(&mut self, pair: Pair<'_, R>) -> LResult<AddedRow> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let conclusion = self.name(next(&mut inner)?);
        let label = self.name(next(&mut inner)?);
        let mut rest = inner.peekable();
        let before = rest
            .next_if(|p| p.as_rule() == R::ident)
            .map(|p| self.name(p));
        let rule = self.row_parts(Vec::new(), label, rest, span)?;
        Ok(AddedRow {
            conclusion,
            before,
            rule,
        })
    }

    fn rule(&mut self, pair: Pair<'_, R>) -> LResult<Rule> {
        let span = self.span(&pair);
        let comments = self.comments.take_before(span.start);
        let kind = match pair.as_rule() {
            R::exception_rule => RuleKind::Exception,
            R::member_rule => RuleKind::Member,
            _ => RuleKind::Rule,
        };
        let mut inner = pair.into_inner();
        let label = self.name(next(&mut inner)?);
        let mut rule = self.rule_parts(comments, kind, label, inner, span)?;
        // Those written between its lines or at their ends are the rule's, not the next one's.
        rule.comments.extend(self.comments.take_before(span.end));
        Ok(rule)
    }

    fn rule_parts(
        &mut self,
        comments: Vec<String>,
        kind: RuleKind,
        label: Name,
        parts: pest::iterators::Pairs<'_, R>,
        span: Span,
    ) -> LResult<Rule> {
        let mut rule = Rule {
            comments,
            kind,
            label,
            overrides: Vec::new(),
            condition: None,
            value: None,
            citations: Vec::new(),
            reading: None,
            cells: None,
            span,
        };
        for p in parts {
            match p.as_rule() {
                R::reading => rule.reading = Some(self.reading(p)?),
                R::rule_refs => rule.overrides = p.into_inner().map(|r| self.name(r)).collect(),
                R::condition => rule.condition = Some(self.expr(next(&mut p.into_inner())?)?),
                R::gives => rule.value = Some(self.expr(next(&mut p.into_inner())?)?),
                _ => rule.citations = self.citations(p),
            }
        }
        Ok(rule)
    }

    fn override_decl(&mut self, pair: Pair<'_, R>) -> LResult<Override> {
        let span = self.span(&pair);
        let inner = next(&mut pair.into_inner())?;
        match inner.as_rule() {
            R::clause_decl => Ok(Override::Clause(self.clause(inner)?)),
            R::parameter_decl => Ok(Override::Parameter(self.parameter(inner)?)),
            R::definition_decl => Ok(Override::Definition(self.definition(inner)?)),
            R::override_row => {
                let mut parts = inner.into_inner();
                let conclusion = self.name(next(&mut parts)?);
                let label = self.name(next(&mut parts)?);
                let rule = self.row_parts(Vec::new(), label, parts, span)?;
                Ok(Override::Rule { conclusion, rule })
            }
            _ => {
                let mut parts = inner.into_inner();
                let kind = match next(&mut parts)?.as_str() {
                    "exception" => RuleKind::Exception,
                    "member" => RuleKind::Member,
                    _ => RuleKind::Rule,
                };
                let conclusion = self.name(next(&mut parts)?);
                let label = self.name(next(&mut parts)?);
                let rule = self.rule_parts(Vec::new(), kind, label, parts, span)?;
                Ok(Override::Rule { conclusion, rule })
            }
        }
    }

    /// `reading "…"`: the text of the interpretation.
    fn reading(&self, pair: Pair<'_, R>) -> LResult<Name> {
        let span = self.span(&pair);
        let text = pair.into_inner().find(|p| p.as_rule() == R::text);
        self.text(text.ok_or_else(|| missing_part(span))?)
    }

    fn citations(&self, pair: Pair<'_, R>) -> Vec<Name> {
        pair.into_inner().map(|p| self.string(p)).collect()
    }

    fn type_expr(&self, pair: Pair<'_, R>) -> LResult<Spanned<TypeExpr>> {
        let span = self.span(&pair);
        let inner = next(&mut pair.into_inner())?;
        let ty = match inner.as_rule() {
            R::optional_type => {
                let ty = inner.into_inner().find(|p| p.as_rule() == R::type_expr);
                let ty = ty.ok_or_else(|| missing_part(span))?;
                TypeExpr::Optional(Box::new(self.type_expr(ty)?))
            }
            R::list_type => {
                TypeExpr::List(Box::new(self.type_expr(next(&mut inner.into_inner())?)?))
            }
            R::set_type => TypeExpr::Set(Box::new(self.type_expr(next(&mut inner.into_inner())?)?)),
            R::number_type => {
                let mut parts = inner.into_inner();
                let kind = next(&mut parts)?.as_str().to_string();
                let unit = match parts.next() {
                    Some(u) => Some(self.name(next(&mut u.into_inner())?)),
                    None => None,
                };
                if kind == "integer" {
                    TypeExpr::Integer(unit)
                } else {
                    TypeExpr::Decimal(unit)
                }
            }
            _ => TypeExpr::Named(inner.as_str().to_string()),
        };
        Ok(Spanned::new(ty, span))
    }

    fn expr(&self, pair: Pair<'_, R>) -> LResult<Expr> {
        // pest's parse bounds its own recursion, but the Pratt parser reads a run of prefix
        // operators by recursion too, then each bracket inside it: the stack such a file needs
        // is not bounded by the thread's, so it grows on the heap when little is left.
        self.open.set(self.open.get() + 1);
        let out = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.pratt(pair));
        self.open.set(self.open.get().saturating_sub(1));
        if self.open.get() == 0 {
            // A whole expression: its depth is no operand's.
            self.depths.borrow_mut().clear();
        }
        out
    }

    fn pratt(&self, pair: Pair<'_, R>) -> LResult<Expr> {
        let (file, base) = (self.file, self.base);
        let whole = self.span(&pair);
        open_prefixes(file, base, &pair)?;
        let start = self.depths.borrow().len();
        // Each node's depth, from those of its operands (the last one or two on the stack).
        let deeper = |operands: usize| -> LResult<()> {
            let mut depths = self.depths.borrow_mut();
            let at = depths.len().saturating_sub(operands).max(start);
            let depth = depths.drain(at..).max().unwrap_or(0) + 1;
            if depth > super::MAX_DEPTH {
                return Err(super::too_deep(whole));
            }
            depths.push(depth);
            Ok(())
        };
        let out = PRATT
            .map_primary(|p| {
                // What the primary holds is lowered first, by calls that each leave its depth.
                let at = self.depths.borrow().len();
                let bracketed = matches!(p.as_rule(), R::paren | R::expr);
                let e = self.primary(p)?;
                let mut depths = self.depths.borrow_mut();
                let at = at.min(depths.len());
                let inner = depths.drain(at..).max().unwrap_or(0);
                let depth = if bracketed { inner } else { inner + 1 };
                if depth > super::MAX_DEPTH {
                    return Err(super::too_deep(whole));
                }
                depths.push(depth);
                Ok(e)
            })
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                deeper(1)?;
                let span = Span::new(file, base + op.as_span().start(), rhs.span.end);
                let op = if op.as_rule() == R::not_op {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                Ok(Spanned::new(ExprKind::Unary(op, Box::new(rhs)), span))
            })
            .map_postfix(|lhs, op| {
                let lhs = lhs?;
                deeper(1)?;
                let span = Span::new(file, lhs.span.start, base + op.as_span().end());
                let kind = match op.as_rule() {
                    R::is_absent => ExprKind::Is(Box::new(lhs), IsTest::Absent),
                    R::is_present => ExprKind::Is(Box::new(lhs), IsTest::Present),
                    R::is_empty => ExprKind::Is(Box::new(lhs), IsTest::Empty),
                    R::is_not_empty => ExprKind::Is(Box::new(lhs), IsTest::NotEmpty),
                    R::as_unit => {
                        let unit = self.name(next(&mut op.into_inner())?);
                        ExprKind::As(Box::new(lhs), unit)
                    }
                    _ => {
                        let field = self.name(next(&mut op.into_inner())?);
                        ExprKind::Field(Box::new(lhs), field)
                    }
                };
                Ok(Spanned::new(kind, span))
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                deeper(2)?;
                let bin = match op.as_rule() {
                    R::or_op => BinOp::Or,
                    R::and_op => BinOp::And,
                    R::eq_op => BinOp::Eq,
                    R::ne_op => BinOp::Ne,
                    R::lt_op => BinOp::Lt,
                    R::le_op => BinOp::Le,
                    R::gt_op => BinOp::Gt,
                    R::ge_op => BinOp::Ge,
                    R::in_op => BinOp::In,
                    R::not_in_op => BinOp::NotIn,
                    R::add_op => BinOp::Add,
                    R::sub_op => BinOp::Sub,
                    R::mul_op => BinOp::Mul,
                    _ => BinOp::Div,
                };
                let span = lhs.span.to(rhs.span);
                Ok(Spanned::new(
                    ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)),
                    span,
                ))
            })
            .parse(pair.into_inner());
        // This expression's depth stays for the one around it (none when it failed).
        let mut depths = self.depths.borrow_mut();
        let start = start.min(depths.len());
        let depth = depths.drain(start..).max();
        if let (Ok(_), Some(depth)) = (&out, depth) {
            depths.push(depth);
        }
        out
    }

    // Inlined into the Pratt parser's closure, as it was before the declarations went behind
    // `Arc`: called on its own, its frame is added to every level of a nested expression (`if`
    // in `if` …), and deeply nested files overflowed a 2 MiB stack sooner (benches/README.md).
    #[inline]
    fn primary(&self, pair: Pair<'_, R>) -> LResult<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            R::expr => return self.expr(pair),
            R::paren => {
                let inner = self.expr(next(&mut pair.into_inner())?)?;
                return Ok(Spanned::new(inner.node, span));
            }
            R::boolean => ExprKind::Bool(pair.as_str().starts_with('t')),
            R::none_lit => ExprKind::None,
            R::list_lit => ExprKind::List(
                pair.into_inner()
                    .map(|e| self.expr(e))
                    .collect::<LResult<Vec<_>>>()?,
            ),
            R::numeric => {
                // The number, then `%` (a rate) or a unit (a quantity), if either follows.
                let mut inner = pair.into_inner();
                let value = self.decimal(&next(&mut inner)?)?;
                match inner.next() {
                    None => ExprKind::Number(value),
                    Some(p) if p.as_rule() == R::percent_sign => ExprKind::Percent(value),
                    Some(unit) => {
                        ExprKind::Quantity(value, self.name(next(&mut unit.into_inner())?))
                    }
                }
            }
            R::date => ExprKind::Date(self.date(pair)?.node),
            R::string => ExprKind::Text(self.string(pair).node),
            R::name => {
                // The name, then its arguments if it is a call.
                let mut inner = pair.into_inner();
                let name = next(&mut inner)?;
                if inner.peek().is_none() {
                    ExprKind::Name(name.as_str().to_string())
                } else {
                    let args = inner.map(|a| self.expr(a)).collect::<LResult<Vec<_>>>()?;
                    ExprKind::Call(self.name(name), args)
                }
            }
            R::if_expr => {
                let mut inner = pair.into_inner();
                let c = self.expr(next(&mut inner)?)?;
                let a = self.expr(next(&mut inner)?)?;
                let b = self.expr(next(&mut inner)?)?;
                ExprKind::If(Box::new(c), Box::new(a), Box::new(b))
            }
            R::count_expr | R::sum_expr | R::any_expr | R::every_expr | R::each_expr => {
                self.aggregate(pair)?
            }
            other => return Err(unexpected(span, other)),
        };
        Ok(Spanned::new(kind, span))
    }

    // Inlined into `primary`, for the same reason.
    #[inline]
    fn aggregate(&self, pair: Pair<'_, R>) -> LResult<ExprKind> {
        let kind = match pair.as_rule() {
            R::count_expr => Aggregate::Count,
            R::sum_expr => Aggregate::Sum,
            R::any_expr => Aggregate::Any,
            R::every_expr => Aggregate::Every,
            _ => Aggregate::Each,
        };
        let mut value = None;
        let mut binder = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::binder => {
                    let mut parts = p.into_inner();
                    let var = self.name(next(&mut parts)?);
                    let list = self.expr(next(&mut parts)?)?;
                    binder = Some((var, list));
                }
                R::filter => condition = Some(Box::new(self.expr(next(&mut p.into_inner())?)?)),
                _ if binder.is_none() => value = Some(Box::new(self.expr(p)?)),
                _ => condition = Some(Box::new(self.expr(p)?)),
            }
        }
        let (var, list) = binder.ok_or_else(|| missing_part(Span::default()))?;
        Ok(ExprKind::Aggregate {
            kind,
            var,
            list: Box::new(list),
            value,
            condition,
        })
    }

    fn decimal(&self, pair: &Pair<'_, R>) -> LResult<Decimal> {
        Decimal::from_str(pair.as_str()).map_err(|_| {
            Diagnostic::error(
                Code::InvalidNumber,
                self.span(pair),
                format!("`{}` is too large a number", pair.as_str()),
            )
            .with_help("numbers have at most 28 significant digits")
        })
    }
}

/// Why a well-formed `YYYY-MM-DD` names no day: the month, or the length of that month.
fn calendar_help(text: &str) -> String {
    let mut parts = text.split('-').map(|p| p.parse::<u32>().ok());
    let (Some(Some(year)), Some(Some(month))) = (parts.next(), parts.next()) else {
        return "dates are written YYYY-MM-DD, like 2027-04-16".into();
    };
    if !(1..=12).contains(&month) {
        return "months run from 01 to 12".into();
    }
    let first = NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(0), month, 1);
    let days = first
        .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
        .zip(first)
        .map(|(next, f)| (next - f).num_days());
    match days {
        Some(d) => format!("month {month:02} of {year} has {d} days"),
        None => "dates are written YYYY-MM-DD, like 2027-04-16".into(),
    }
}

/// Whether a pair of `rule` always ends where its last token does: the atomic rules (no space
/// skipped inside) that end on a character of their own, not a space (a clause's text keeps
/// the spaces that end it). The names, strings and numbers, most of a file's pairs.
pub(super) fn ends_on_its_last_token(rule: R) -> bool {
    matches!(
        rule,
        R::ident | R::field | R::path | R::string | R::text | R::number | R::date | R::policy_id
    )
}

/// Where the last token of a pair ends: found from its end when that is sure, by the walk of
/// its last inner pairs otherwise.
pub(super) fn tight_end(pair: &Pair<'_, R>) -> usize {
    quick_end(pair.as_span()).unwrap_or_else(|| walked_end(pair))
}

/// Where the last token of a pair ends, found by walking its last inner pairs.
pub(super) fn walked_end(pair: &Pair<'_, R>) -> usize {
    let span = pair.as_span();
    // `next_back`, not `last`: pest finds the last pair in one step instead of walking them all.
    let Some(last) = pair.clone().into_inner().next_back() else {
        return span.end();
    };
    let gap_start = last.as_span().end();
    let gap = span.get_input().get(gap_start..span.end()).unwrap_or("");
    // After the last inner pair may come literal tokens (`)`, `]`), then spaces and comments.
    let mut code_end = None;
    let mut in_comment = false;
    for (i, c) in gap.char_indices() {
        match c {
            '\n' => in_comment = false,
            _ if in_comment || c.is_whitespace() => {}
            '#' => in_comment = true,
            _ => code_end = Some(i + c.len_utf8()),
        }
    }
    match code_end {
        Some(end) => gap_start + end,
        None => walked_end(&last),
    }
}

/// [`tight_end`] found from the pair's end, without walking its inner pairs, when that is
/// sure: the spaces pest lets trail are skipped back, and the printable ASCII character before
/// them ends the last token unless its line (within the pair) holds a `#`, which might start a
/// comment, or a `|`, which might start a clause text (whose text keeps the spaces that end
/// it). Not for a pair that reaches the end of the text, which may end with the end of the
/// file's mark. (A pair with no inner pair and an optional part left out, like `informative`
/// without its reason, ends on its word this way, where the walk kept the spaces after it.)
pub(super) fn quick_end(span: pest::Span<'_>) -> Option<usize> {
    let input = span.get_input().as_bytes();
    if span.end() >= input.len() {
        return None;
    }
    let code = input.get(span.start()..span.end())?;
    let end = code
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?
        + 1;
    if !code.get(end - 1)?.is_ascii_graphic() {
        return None;
    }
    let line = code.get(..end)?;
    let line = line.get(memchr::memrchr(b'\n', line).map_or(0, |i| i + 1)..)?;
    memchr::memchr2(b'#', b'|', line)
        .is_none()
        .then_some(span.start() + end)
}

fn next<'i>(pairs: &mut pest::iterators::Pairs<'i, R>) -> LResult<Pair<'i, R>> {
    pairs.next().ok_or_else(|| {
        Diagnostic::general(
            Code::InternalError,
            "the parser produced an incomplete tree",
        )
    })
}

fn unexpected(span: Span, rule: R) -> Diagnostic {
    Diagnostic::error(
        Code::InternalError,
        span,
        format!("unexpected `{rule:?}` in the parse tree"),
    )
}

fn missing_part(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InternalError,
        span,
        "the parser produced an incomplete tree",
    )
}

/// What is wrong with a piece of a text of several pieces, if anything: the pieces are joined
/// with one space, so none is empty or has a space at either end.
fn piece_fault(piece: &str) -> Option<&'static str> {
    if piece.is_empty() {
        Some("is empty")
    } else if piece.starts_with(char::is_whitespace) {
        Some("starts with a space")
    } else if piece.ends_with(char::is_whitespace) {
        Some("ends with a space")
    } else {
        None
    }
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Comment lines of a file, by byte offset, handed out to the nodes that follow or hold them.
pub(super) struct Comments {
    pub(super) pending: std::collections::VecDeque<(usize, String)>,
}

impl Comments {
    /// Finds every `#` comment outside strings and clause text. A comment at the end of a line
    /// of code is attached as if it stood on its own line just before that line.
    pub(super) fn scan(text: &str) -> Self {
        let mut pending = std::collections::VecDeque::new();
        let bytes = text.as_bytes();
        // Only a line that holds a `#` may hold a comment: the lines are found from the `#`s,
        // at memchr speed, not read one by one.
        let mut from = 0;
        while let Some(hash) = bytes
            .get(from..)
            .and_then(|rest| memchr::memchr(b'#', rest))
        {
            let hash = from + hash;
            let before = bytes.get(..hash).unwrap_or_default();
            let offset = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            let after = bytes.get(hash..).unwrap_or_default();
            from = memchr::memchr(b'\n', after).map_or(bytes.len(), |i| hash + i + 1);
            let line = text.get(offset..from).unwrap_or_default();
            let trimmed = line.trim_start();
            if let Some(at) = comment_in(line) {
                let comment = comment_text(line, at);
                let code_before = line.get(..at).is_some_and(|s| !s.trim().is_empty());
                // A trailing comment belongs to the code on its line: place it at the line start.
                let place = if code_before {
                    offset + (line.len() - trimmed.len())
                } else {
                    offset + at
                };
                pending.push_back((place, comment));
            }
        }
        Comments { pending }
    }

    /// The comments placed at or before `offset`, in order.
    fn take_before(&mut self, offset: usize) -> Vec<String> {
        let mut out = Vec::new();
        while let Some((at, _)) = self.pending.front() {
            if *at > offset {
                break;
            }
            if let Some((_, c)) = self.pending.pop_front() {
                out.push(c);
            }
        }
        out
    }
}

/// Consecutive comments on lines of their own that blank lines separate, as pairs of texts:
/// the paragraph breaks of the comment blocks of `text`, which the AST does not keep (its
/// comments are lines of text) and `clausier fmt` does.
pub(crate) fn paragraph_breaks(text: &str) -> std::collections::HashSet<(String, String)> {
    let mut breaks = std::collections::HashSet::new();
    // The last comment on a line of its own, while only blank lines follow it.
    let mut previous: Option<String> = None;
    let mut blank = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank = true;
            continue;
        }
        let own_line = comment_in(line)
            .filter(|&at| line.get(..at).is_some_and(|s| s.trim().is_empty()))
            .map(|at| comment_text(line, at));
        if let (Some(comment), Some(before)) = (&own_line, previous.take())
            && blank
        {
            breaks.insert((before, comment.clone()));
        }
        previous = own_line;
        blank = false;
    }
    breaks
}

/// Where the comment of a line starts: a `#` outside strings, on a line that is not clause text.
fn comment_in(line: &str) -> Option<usize> {
    if line.trim_start().starts_with('|') {
        return None;
    }
    comment_start(line)
}

/// The text of the comment that starts at `at` on `line`: without its `#`, one space after it,
/// and the spaces that end it.
fn comment_text(line: &str, at: usize) -> String {
    let comment = line.get(at + 1..).unwrap_or("").trim_end();
    comment.strip_prefix(' ').unwrap_or(comment).to_string()
}

/// The byte offset of a `#` that starts a comment on this line, if any.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    // Most lines hold no `#` at all: found at memchr speed.
    memchr::memchr(b'#', line.as_bytes())?;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return Some(i),
            _ => {}
        }
    }
    None
}
