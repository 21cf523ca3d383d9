//! Typing of operators: logic, comparisons, membership, arithmetic on numbers and dates, unit
//! conversions and the `is` tests.

use rust_decimal::Decimal;

use crate::ast::{BinOp, Expr, ExprKind, IsTest, UnOp};
use crate::check::Checker;
use crate::check::expr::{Typed, ir, num};
use crate::check::types::comparable;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ArithOp, CmpOp, Ir, IrKind, Type, Unit};
use crate::span::Span;

impl Checker {
    pub(super) fn unary(&mut self, op: UnOp, x: &Expr, span: Span) -> Typed {
        let (c, t) = self.expr(x, None)?;
        match (op, t.base()) {
            (UnOp::Not, Type::Bool) if !t.is_optional() => {
                Some((ir(IrKind::Not(Box::new(c)), span), Type::Bool))
            }
            (UnOp::Neg, Type::Num { .. }) => Some((ir(IrKind::Neg(Box::new(c)), span), t.clone())),
            (UnOp::Not, _) => self.wrong_operand(x.span, "`not` takes a condition (a `bool`)", &t),
            (UnOp::Neg, _) => self.wrong_operand(x.span, "`-` takes a number", &t),
        }
    }

    /// Types both operands; a bare enum value takes its enum from the other side.
    pub(super) fn pair(
        &mut self,
        a: &Expr,
        b: &Expr,
        element_of_b: bool,
    ) -> Option<((Ir, Type), (Ir, Type))> {
        let a_is_bare = matches!(&a.node, ExprKind::Name(n) if self.is_bare_variant(n));
        if a_is_bare {
            let (cb, tb) = self.expr(b, None)?;
            let hint = if element_of_b {
                tb.element().cloned()
            } else {
                Some(tb.clone())
            };
            let (ca, ta) = self.expr(a, hint.as_ref())?;
            return Some(((ca, ta), (cb, tb)));
        }
        let (ca, ta) = self.expr(a, None)?;
        let hint = if element_of_b { None } else { Some(ta.clone()) };
        let (cb, tb) = match hint {
            Some(h) => self.expr(b, Some(&h))?,
            None => {
                let set_hint = Type::List(Box::new(ta.base().clone()));
                self.expr(b, Some(&set_hint))?
            }
        };
        Some(((ca, ta), (cb, tb)))
    }

    pub(super) fn is_bare_variant(&self, n: &str) -> bool {
        self.variants.contains_key(n)
            && !self.globals.contains_key(n)
            && !self.locals.iter().any(|(l, _)| l == n)
            && !self.input_prefixes.contains(n)
            && !self.input_index.contains_key(n)
    }

    pub(super) fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, span: Span) -> Typed {
        match op {
            BinOp::And | BinOp::Or => {
                let ca = self.expect(
                    a,
                    &Type::Bool,
                    &format_args!("the left side of `{}`", op.symbol()),
                )?;
                // The right side is read where the left one holds (`and`) or fails (`or`).
                let present = if op == BinOp::And {
                    super::narrowing::present_if_true(&ca)
                } else {
                    super::narrowing::present_if_false(&ca)
                };
                let cb = self.narrowed(present, |c| {
                    c.expect(
                        b,
                        &Type::Bool,
                        &format_args!("the right side of `{}`", op.symbol()),
                    )
                })?;
                let kind = if op == BinOp::And {
                    IrKind::And(Box::new(ca), Box::new(cb))
                } else {
                    IrKind::Or(Box::new(ca), Box::new(cb))
                };
                Some((ir(kind, span), Type::Bool))
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.comparison(op, a, b, span)
            }
            BinOp::In | BinOp::NotIn => {
                let ((ca, ta), (cb, tb)) = self.pair(a, b, true)?;
                let Some(elem) = tb.element() else {
                    return self.wrong_operand(
                        b.span,
                        &format!(
                            "the right side of `{}` must be a list or a set",
                            op.symbol()
                        ),
                        &tb,
                    );
                };
                if !comparable(&ta, elem) {
                    let msg = format!(
                        "{} cannot be a member of {}",
                        self.article(&ta),
                        self.article(&tb)
                    );
                    self.diags
                        .push(Diagnostic::error(Code::TypeMismatch, span, msg));
                    return None;
                }
                let test = ir(IrKind::In(Box::new(ca), Box::new(cb)), span);
                let code = if op == BinOp::NotIn {
                    ir(IrKind::Not(Box::new(test)), span)
                } else {
                    test
                };
                Some((code, Type::Bool))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => self.arithmetic(op, a, b, span),
        }
    }

    pub(super) fn comparison(&mut self, op: BinOp, a: &Expr, b: &Expr, span: Span) -> Typed {
        let ((ca, ta), (cb, tb)) = self.pair(a, b, false)?;
        let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
        let ok = if ordered {
            match (ta.base(), tb.base()) {
                (Type::Num { unit: x, .. }, Type::Num { unit: y, .. }) => x == y,
                (Type::Date, Type::Date) => true,
                _ => false,
            }
        } else {
            comparable(&ta, &tb)
        };
        if !ok {
            let mut d = Diagnostic::error(
                Code::TypeMismatch,
                span,
                format!(
                    "cannot compare {} with {} using `{}`",
                    self.article(&ta),
                    self.article(&tb),
                    op.symbol()
                ),
            );
            if let (Type::Num { unit: x, .. }, Type::Num { unit: y, .. }) = (ta.base(), tb.base()) {
                d.code = Code::UnitMismatch;
                d.help = Some(self.unit_help(*y, *x));
                d.label = Some("different units".into());
            } else if ordered {
                d.help =
                    Some("`<`, `<=`, `>` and `>=` compare numbers of one unit, or dates".into());
            }
            self.diags.push(d);
            return None;
        }
        let cmp = match op {
            BinOp::Eq => CmpOp::Eq,
            BinOp::Ne => CmpOp::Ne,
            BinOp::Lt => CmpOp::Lt,
            BinOp::Le => CmpOp::Le,
            BinOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        Some((
            ir(IrKind::Cmp(cmp, Box::new(ca), Box::new(cb)), span),
            Type::Bool,
        ))
    }

    pub(super) fn arithmetic(&mut self, op: BinOp, a: &Expr, b: &Expr, span: Span) -> Typed {
        let (ca, ta) = self.expr(a, None)?;
        let (cb, tb) = self.expr(b, None)?;
        let optional = ta.is_optional() || tb.is_optional();
        let wrap = |t: Type| {
            if optional {
                Type::Optional(Box::new(t))
            } else {
                t
            }
        };
        let sign: i8 = if op == BinOp::Sub { -1 } else { 1 };
        let (x, y) = (ta.base().clone(), tb.base().clone());
        let result = match (op, &x, &y) {
            (BinOp::Sub, Type::Date, Type::Date) => Some((
                IrKind::DaysBetween(Box::new(ca), Box::new(cb)),
                num(true, Unit::Days),
            )),
            (BinOp::Add | BinOp::Sub, Type::Date, Type::Num { integral, unit }) => {
                Some(self.date_shift(ca, cb, *integral, *unit, sign, b.span)?)
            }
            (BinOp::Add, Type::Num { integral, unit }, Type::Date) => {
                Some(self.date_shift(cb, ca, *integral, *unit, 1, a.span)?)
            }
            (
                _,
                Type::Num {
                    integral: ia,
                    unit: ua,
                },
                Type::Num {
                    integral: ib,
                    unit: ub,
                },
            ) => {
                let unit = match op {
                    BinOp::Add | BinOp::Sub if ua == ub => Some(*ua),
                    BinOp::Mul if *ua == Unit::None => Some(*ub),
                    BinOp::Mul if *ub == Unit::None => Some(*ua),
                    BinOp::Div if ua == ub => Some(Unit::None),
                    BinOp::Div if *ub == Unit::None => Some(*ua),
                    _ => None,
                };
                unit.map(|unit| {
                    let integral = *ia && *ib && op != BinOp::Div;
                    let aop = match op {
                        BinOp::Add => ArithOp::Add,
                        BinOp::Sub => ArithOp::Sub,
                        BinOp::Mul => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    (
                        IrKind::Arith(aop, Box::new(ca.clone()), Box::new(cb.clone())),
                        num(integral, unit),
                    )
                })
            }
            _ => None,
        };
        let Some((kind, ty)) = result else {
            let mut d = Diagnostic::error(
                Code::TypeMismatch,
                span,
                format!(
                    "cannot apply `{}` to {} and {}",
                    op.symbol(),
                    self.article(&ta),
                    self.article(&tb)
                ),
            );
            if let (Type::Num { unit: ua, .. }, Type::Num { unit: ub, .. }) = (&x, &y) {
                d.code = Code::UnitMismatch;
                d.help = Some(self.unit_help(*ub, *ua));
            }
            self.diags.push(d);
            return None;
        };
        Some((ir(kind, span), wrap(ty)))
    }

    pub(super) fn date_shift(
        &mut self,
        date: Ir,
        n: Ir,
        integral: bool,
        unit: Unit,
        sign: i8,
        n_span: Span,
    ) -> Option<(IrKind, Type)> {
        let scaled = |factor: i64, n: Ir| {
            let span = n.span;
            if factor == 1 {
                n
            } else {
                ir(
                    IrKind::Scale(Box::new(n), Decimal::from(factor), Decimal::ONE),
                    span,
                )
            }
        };
        let kind = match unit {
            Unit::Days => IrKind::AddDays(Box::new(date), Box::new(n), sign),
            Unit::Weeks => IrKind::AddDays(Box::new(date), Box::new(scaled(7, n)), sign),
            Unit::Months => IrKind::AddMonths(Box::new(date), Box::new(n), sign),
            Unit::Years => IrKind::AddMonths(Box::new(date), Box::new(scaled(12, n)), sign),
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::UnitMismatch,
                        n_span,
                        "only days, weeks, months or years can be added to a date",
                    )
                    .with_help("write the duration with its unit, like `6 months`"),
                );
                return None;
            }
        };
        if !integral {
            self.diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    n_span,
                    "a date moves by a whole number of days, weeks, months or years",
                )
                .with_help("round it with `floor(…)`"),
            );
            return None;
        }
        Some((kind, Type::Date))
    }

    pub(super) fn is_test(&mut self, x: &Expr, test: IsTest, span: Span) -> Typed {
        let (c, t) = self.expr(x, None)?;
        let code = match test {
            IsTest::Absent | IsTest::Present => {
                if !t.is_optional() {
                    let mut chain = Vec::new();
                    let what = if Self::dotted(x, &mut chain) {
                        format!("`{}`", chain.join("."))
                    } else {
                        "this value".to_string()
                    };
                    let msg = format!(
                        "{what} is never absent: it is {}, not optional, so `{}` cannot be tested",
                        self.article(&t),
                        test.words()
                    );
                    self.diags
                        .push(Diagnostic::error(Code::NotOptional, x.span, msg).with_help(
                            "declare it `optional …` if its absence is a fact, or test its value",
                        ));
                    return None;
                }
                let absent = ir(IrKind::IsAbsent(Box::new(c)), span);
                if test == IsTest::Present {
                    ir(IrKind::Not(Box::new(absent)), span)
                } else {
                    absent
                }
            }
            IsTest::Empty | IsTest::NotEmpty => {
                if t.element().is_none() {
                    return self.wrong_operand(
                        x.span,
                        &format!("`{}` applies to a list or a set", test.words()),
                        &t,
                    );
                }
                let empty = ir(IrKind::IsEmpty(Box::new(c)), span);
                if test == IsTest::NotEmpty {
                    ir(IrKind::Not(Box::new(empty)), span)
                } else {
                    empty
                }
            }
        };
        Some((code, Type::Bool))
    }

    pub(super) fn convert(&mut self, x: &Expr, unit: &crate::ast::Name, span: Span) -> Typed {
        let (c, t) = self.expr(x, None)?;
        let to = self.resolve_unit(unit)?;
        let Type::Num {
            integral,
            unit: from,
        } = t.base().clone()
        else {
            return self.wrong_operand(x.span, "`as` converts a number", &t);
        };
        let factor: Option<(i64, i64)> = match (from, to) {
            (a, b) if a == b => Some((1, 1)),
            (Unit::None, _) => Some((1, 1)),
            (Unit::Days, Unit::Weeks) => Some((1, 7)),
            (Unit::Weeks, Unit::Days) => Some((7, 1)),
            (Unit::Months, Unit::Years) => Some((1, 12)),
            (Unit::Years, Unit::Months) => Some((12, 1)),
            _ => None,
        };
        let Some((mul, div)) = factor else {
            let msg = format!(
                "cannot convert {} to {}",
                self.types.unit_name(from),
                self.types.unit_name(to)
            );
            self.diags
                .push(Diagnostic::error(Code::UnitMismatch, span, msg).with_help(
                "days convert to weeks and months to years; a month has no fixed number of days",
            ));
            return None;
        };
        let code = if mul == 1 && div == 1 {
            c
        } else {
            ir(
                IrKind::Scale(Box::new(c), Decimal::from(mul), Decimal::from(div)),
                span,
            )
        };
        let ty = self.maybe_optional(&t, num(integral && div == 1, to));
        Some((code, ty))
    }
}
