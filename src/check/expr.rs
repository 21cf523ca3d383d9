//! Typing of expressions and their compilation to [`Ir`].

use std::fmt::Display;

use crate::ast::{Aggregate, Expr, ExprKind};
use crate::check::names::did_you_mean;
use crate::check::types::assignable;
use crate::check::{Checker, Global};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Ir, IrKind, Type, Unit, Value};
use crate::model::{RoundMode, Rounding};
use crate::span::Span;

pub(super) type Typed = Option<(Ir, Type)>;

pub(super) fn ir(kind: IrKind, span: Span) -> Ir {
    Ir { kind, span }
}

pub(super) fn num(integral: bool, unit: Unit) -> Type {
    Type::Num { integral, unit }
}

impl Checker {
    /// Types `e`, checking it against `expected` when given, and compiles it.
    pub(crate) fn expect(&mut self, e: &Expr, expected: &Type, what: &dyn Display) -> Option<Ir> {
        let (code, ty) = self.expr(e, Some(expected))?;
        if assignable(&ty, expected) {
            return Some(code);
        }
        let mut d = Diagnostic::error(
            Code::TypeMismatch,
            e.span,
            format!(
                "{what} must be {}, found {}",
                self.article(expected),
                self.article(&ty)
            ),
        )
        .with_label(format!("this is {}", self.article(&ty)));
        if let Type::Optional(inner) = &ty
            && assignable(inner, expected)
        {
            d.help = self.narrowing_help(e, &ty);
        } else if let (
            Type::Num {
                integral: false,
                unit: a,
            },
            Type::Num {
                integral: true,
                unit: b,
            },
        ) = (ty.base(), expected.base())
            && a == b
        {
            d.help = Some("round it down with `floor(…)` to get a whole number".into());
        } else if let (Type::Num { unit: a, .. }, Type::Num { unit: b, .. }) =
            (ty.base(), expected.base())
            && a != b
        {
            d.code = Code::UnitMismatch;
            d.help = Some(self.unit_help(*a, *b));
        }
        self.diags.push(d);
        None
    }

    /// The step of a rounding (`round(x, 0.01 euros)`): a positive constant in the unit of the
    /// number rounded.
    fn rounding_step(
        &mut self,
        name: &str,
        step: &Expr,
        unit: Unit,
    ) -> Option<rust_decimal::Decimal> {
        let expected = num(false, unit);
        let saved = std::mem::replace(&mut self.allow_globals, false);
        let code = self.expect(step, &expected, &format_args!("the step of `{name}`"));
        self.allow_globals = saved;
        let value = crate::eval::const_eval(&code?).ok();
        match value {
            Some(Value::Num(n)) if n > rust_decimal::Decimal::ZERO => Some(n),
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::NotConstant,
                        step.span,
                        format!("the step of `{name}` must be a positive constant"),
                    )
                    .with_help("write the multiple to round to: `0.01 euros` for cents, `1` for whole numbers"),
                );
                None
            }
        }
    }

    /// For a value that may be absent where a plain one is needed: how a test makes it plain.
    pub(super) fn narrowing_help(&self, e: &Expr, ty: &Type) -> Option<String> {
        let Type::Optional(inner) = ty else {
            return None;
        };
        let mut chain = Vec::new();
        if !Self::dotted(e, &mut chain) {
            return None;
        }
        let x = chain.join(".");
        Some(format!(
            "`{x}` may be absent; where a test says it is present it is {}: \
             `when {x} is present`, `{x} is present and …`, `if {x} is present then … else …`",
            self.article(inner)
        ))
    }

    pub(super) fn unit_help(&self, a: Unit, b: Unit) -> String {
        let convertible = matches!(
            (a, b),
            (Unit::Days, Unit::Weeks)
                | (Unit::Weeks, Unit::Days)
                | (Unit::Months, Unit::Years)
                | (Unit::Years, Unit::Months)
        );
        if convertible {
            format!("convert with `as {}`", self.types.unit_name(b))
        } else {
            "quantities of different units cannot be mixed".to_string()
        }
    }

    /// "a date", "an integer pages", for messages.
    pub(crate) fn article(&self, ty: &Type) -> String {
        let name = self.types.type_name(ty);
        let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u']);
        if matches!(ty, Type::Any) {
            "`none`".into()
        } else if vowel {
            format!("an `{name}`")
        } else {
            format!("a `{name}`")
        }
    }

    /// Types and compiles an expression; `expected` guides bare enum values, `none` and `[]`.
    pub(crate) fn expr(&mut self, e: &Expr, expected: Option<&Type>) -> Typed {
        let span = e.span;
        match &e.node {
            ExprKind::Bool(b) => Some((ir(IrKind::Const(Value::Bool(*b)), span), Type::Bool)),
            ExprKind::Number(n) => Some((
                ir(IrKind::Const(Value::Num(*n)), span),
                num(n.scale() == 0, Unit::None),
            )),
            ExprKind::Percent(n) => {
                // Exact: a hundredth of a decimal is a decimal (6 % is 0.06, 5.5 % is 0.055).
                let rate = *n / rust_decimal::Decimal::ONE_HUNDRED;
                Some((
                    ir(IrKind::Const(Value::Num(rate)), span),
                    num(false, Unit::None),
                ))
            }
            ExprKind::Quantity(n, unit) => {
                let unit = self.resolve_unit(unit)?;
                Some((
                    ir(IrKind::Const(Value::Num(*n)), span),
                    num(n.scale() == 0, unit),
                ))
            }
            ExprKind::Date(d) => Some((ir(IrKind::Const(Value::Date(*d)), span), Type::Date)),
            ExprKind::Text(t) => Some((
                ir(IrKind::Const(Value::Text(t.as_str().into())), span),
                Type::Text,
            )),
            ExprKind::None => {
                let ty = match expected {
                    Some(t @ Type::Optional(_)) => t.clone(),
                    _ => Type::Any,
                };
                Some((ir(IrKind::Const(Value::None), span), ty))
            }
            ExprKind::List(items) => self.list_literal(items, expected, span),
            ExprKind::Name(n) => {
                let (code, ty) = self.name(n, span, expected)?;
                let ty = self.narrow(&code, ty);
                Some((code, ty))
            }
            ExprKind::Field(..) => {
                let (code, ty) = self.field(e)?;
                let ty = self.narrow(&code, ty);
                Some((code, ty))
            }
            ExprKind::Call(f, args) => self.call(f, args, span),
            ExprKind::Unary(op, x) => self.unary(*op, x, span),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, span),
            ExprKind::Is(x, test) => self.is_test(x, *test, span),
            ExprKind::As(x, unit) => self.convert(x, unit, span),
            ExprKind::If(c, a, b) => self.if_expr(c, a, b, expected, span),
            ExprKind::Aggregate {
                kind,
                var,
                list,
                value,
                condition,
            } => self.aggregate(
                *kind,
                var,
                list,
                value.as_deref(),
                condition.as_deref(),
                span,
            ),
        }
    }

    fn list_literal(&mut self, items: &[Expr], expected: Option<&Type>, span: Span) -> Typed {
        let expected_elem = expected.and_then(Type::element).cloned();
        let is_set = matches!(expected.map(Type::base), Some(Type::Set(_)));
        let mut elem = expected_elem.clone();
        let mut code = Vec::with_capacity(items.len());
        for item in items {
            let (c, t) = self.expr(item, elem.as_ref())?;
            match &elem {
                Some(et) if !assignable(&t, et) => {
                    let msg = format!(
                        "the elements of a list must have one type: {} here, {} before",
                        self.article(&t),
                        self.article(et)
                    );
                    self.diags
                        .push(Diagnostic::error(Code::TypeMismatch, item.span, msg));
                    return None;
                }
                Some(_) => {}
                None => elem = Some(t),
            }
            code.push(c);
        }
        let elem = Box::new(elem.unwrap_or(Type::Any));
        let ty = if is_set {
            Type::Set(elem)
        } else {
            Type::List(elem)
        };
        Some((ir(IrKind::List(code, is_set), span), ty))
    }

    fn name(&mut self, n: &str, span: Span, expected: Option<&Type>) -> Typed {
        if let Some(i) = self.locals.iter().rposition(|(name, _)| name == n) {
            let ty = self.locals.get(i).map(|(_, t)| t.clone())?;
            return Some((ir(IrKind::Local(i), span), ty));
        }
        if let Some(global) = self.globals.get(n).copied() {
            return self.global(global, n, span);
        }
        if self.input_index.contains_key(n) || self.input_prefixes.contains(n) {
            return self.input_path(&[n], span);
        }
        self.variant(n, span, expected)
    }

    fn global(&mut self, global: Global, n: &str, span: Span) -> Typed {
        if !self.allow_globals {
            self.diags.push(
                Diagnostic::error(Code::NotConstant, span, format!("`{n}` is not a constant"))
                    .with_help(
                        "parameters and defaults are constants: literals and enum values only",
                    ),
            );
            return None;
        }
        self.deps.push(global);
        let (kind, ty) = match global {
            // A parameter whose declaration failed has been reported: its uses stay quiet.
            Global::Param(i) if self.param_types.get(i) == Some(&Type::Any) => return None,
            Global::Param(i) => (IrKind::Param(i), self.param_types.get(i)?.clone()),
            Global::Def(i) => {
                let (params, ty) = self.def_sigs.get(i)?;
                if !params.is_empty() {
                    self.diags.push(
                        Diagnostic::error(
                            Code::MissingArguments,
                            span,
                            format!("`{n}` takes {} argument(s)", params.len()),
                        )
                        .with_help(format!("call it as `{n}(…)`")),
                    );
                    return None;
                }
                (IrKind::Def(i), ty.clone())
            }
            Global::Conclusion(i) => (IrKind::Conclusion(i), self.conclusion_types.get(i)?.clone()),
        };
        Some((ir(kind, span), ty))
    }

    fn variant(&mut self, n: &str, span: Span, expected: Option<&Type>) -> Typed {
        let owners = self.variants.get(n).cloned().unwrap_or_default();
        let wanted = expected.map(Type::base).and_then(|t| match t {
            Type::Enum(e) => Some(*e),
            Type::List(inner) | Type::Set(inner) => match inner.base() {
                Type::Enum(e) => Some(*e),
                _ => None,
            },
            _ => None,
        });
        let pick = match (wanted, owners.as_slice()) {
            (Some(w), _) => owners.iter().find(|(e, _)| *e == w).copied(),
            (None, [one]) => Some(*one),
            (None, [_, _, ..]) => {
                let enums: Vec<String> = owners
                    .iter()
                    .filter_map(|(e, _)| self.types.enums.get(*e).map(|x| format!("`{}`", x.name)))
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::AmbiguousValue,
                        span,
                        format!("`{n}` is a value of several enums: {}", enums.join(", ")),
                    )
                    .with_help(
                        "compare it with something of the enum you mean, so the checker can tell",
                    ),
                );
                return None;
            }
            (None, []) => None,
        };
        if let Some((e, v)) = pick {
            let value = Value::Enum(u32::try_from(e).ok()?, u32::try_from(v).ok()?);
            return Some((ir(IrKind::Const(value), span), Type::Enum(e)));
        }
        self.unknown_name(n, span, wanted);
        None
    }

    fn unknown_name(&mut self, n: &str, span: Span, wanted: Option<usize>) {
        let mut candidates: Vec<String> = self.globals.keys().cloned().collect();
        candidates.extend(self.locals.iter().map(|(l, _)| l.clone()));
        candidates.extend(
            self.input_prefixes
                .iter()
                .filter(|p| !p.contains('.'))
                .cloned(),
        );
        let mut d = Diagnostic::error(Code::UnknownName, span, format!("unknown name `{n}`"))
            .with_label("not declared");
        if let Some(info) = wanted.and_then(|w| self.types.enums.get(w)) {
            d.message = format!("`{n}` is not a value of enum `{}`", info.name);
            d.label = Some(format!("not a value of `{}`", info.name));
            d.help = did_you_mean(n, info.variants.iter().map(String::as_str))
                .or_else(|| Some(format!("its values are {}", info.variants.join(", "))));
        } else {
            candidates.extend(self.variants.keys().cloned());
            d.help = did_you_mean(n, candidates.iter().map(String::as_str));
        }
        self.diags.push(d);
    }

    /// A dotted chain of names, if `e` is one (`report.pages`).
    pub(super) fn dotted<'e>(e: &'e Expr, out: &mut Vec<&'e str>) -> bool {
        match &e.node {
            ExprKind::Name(n) => {
                out.push(n);
                true
            }
            ExprKind::Field(base, f) => {
                let ok = Self::dotted(base, out);
                out.push(&f.node);
                ok
            }
            _ => false,
        }
    }

    fn field(&mut self, e: &Expr) -> Typed {
        let ExprKind::Field(base, field) = &e.node else {
            return None;
        };
        let mut chain = Vec::new();
        if Self::dotted(e, &mut chain)
            && let Some(root) = chain.first()
            && !self.locals.iter().any(|(l, _)| l == root)
            && !self.globals.contains_key(*root)
            && (self.input_index.contains_key(*root) || self.input_prefixes.contains(*root))
        {
            return self.input_path(&chain, e.span);
        }
        let (code, ty) = self.expr(base, None)?;
        self.record_field(code, &ty, field, e.span)
    }

    fn record_field(&mut self, code: Ir, ty: &Type, field: &crate::ast::Name, span: Span) -> Typed {
        let Type::Record(r) = ty else {
            let msg = if ty.is_optional() {
                format!(
                    "`{}` may be absent: this value is {}",
                    field.node,
                    self.article(ty)
                )
            } else {
                format!("{} has no fields", self.article(ty))
            };
            self.diags
                .push(Diagnostic::error(Code::NoSuchField, field.span, msg));
            return None;
        };
        let record = self.types.records.get(*r)?;
        let Some(i) = record.fields.iter().position(|f| f.name == field.node) else {
            let names: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
            let mut d = Diagnostic::error(
                Code::NoSuchField,
                field.span,
                format!("record `{}` has no field `{}`", record.name, field.node),
            )
            .with_label("unknown field");
            d.help = did_you_mean(&field.node, names.iter().copied())
                .or_else(|| Some(format!("its fields are {}", names.join(", "))));
            self.diags.push(d);
            return None;
        };
        let f = record.fields.get(i)?;
        let fty = match f.presence {
            crate::model::Presence::Optional => Type::Optional(Box::new(f.ty.clone())),
            _ => f.ty.clone(),
        };
        Some((ir(IrKind::Field(Box::new(code), i), span), fty))
    }

    fn input_path(&mut self, chain: &[&str], span: Span) -> Typed {
        for len in (1..=chain.len()).rev() {
            let path = chain.get(..len)?.join(".");
            let Some(&slot) = self.input_index.get(&path) else {
                continue;
            };
            let info = self.inputs.get(slot)?;
            let mut ty = match info.presence {
                crate::model::Presence::Optional => Type::Optional(Box::new(info.ty.clone())),
                _ => info.ty.clone(),
            };
            let mut code = ir(IrKind::Input(slot), span);
            ty = self.narrow(&code, ty);
            for f in chain.get(len..)? {
                let name = crate::ast::Name::new((*f).to_string(), span);
                (code, ty) = self.record_field(code, &ty, &name, span)?;
                ty = self.narrow(&code, ty);
            }
            return Some((code, ty));
        }
        let path = chain.join(".");
        let below: Vec<&str> = self
            .input_index
            .keys()
            .filter(|k| k.starts_with(&format!("{path}.")))
            .map(String::as_str)
            .collect();
        let mut d = Diagnostic::error(
            Code::UnknownInput,
            span,
            format!("`{path}` is not a declared input"),
        );
        if below.is_empty() {
            d.help = did_you_mean(&path, self.input_index.keys().map(String::as_str));
        } else {
            d.message = format!("`{path}` is a group of inputs, not a value");
            let mut below = below;
            below.sort_unstable();
            d.help = Some(format!("it holds {}", below.join(", ")));
        }
        self.diags.push(d);
        None
    }

    fn call(&mut self, f: &crate::ast::Name, args: &[Expr], span: Span) -> Typed {
        match (f.node.as_str(), args) {
            (name @ ("floor" | "ceil" | "round" | "round_half_even"), [x, rest @ ..])
                if rest.len() <= 1 =>
            {
                let mode = match name {
                    "floor" => RoundMode::Down,
                    "ceil" => RoundMode::Up,
                    "round" => RoundMode::HalfUp,
                    _ => RoundMode::HalfEven,
                };
                let (c, t) = self.expr(x, None)?;
                let Type::Num { unit, .. } = t.base() else {
                    return self.wrong_operand(x.span, &format!("`{name}` takes a number"), &t);
                };
                let unit = *unit;
                let step = match rest.first() {
                    Some(step) => self.rounding_step(name, step, unit)?,
                    None => rust_decimal::Decimal::ONE,
                };
                let ty = self.maybe_optional(&t, num(step.fract().is_zero(), unit));
                let rounding = Rounding { mode, step };
                Some((ir(IrKind::Round(Box::new(c), rounding), span), ty))
            }
            ("min" | "max", [a, b]) => {
                let (ca, ta) = self.expr(a, None)?;
                let (cb, tb) = self.expr(b, Some(&ta))?;
                let ok = match (ta.base(), tb.base()) {
                    (Type::Num { unit: x, .. }, Type::Num { unit: y, .. }) => x == y,
                    (Type::Date, Type::Date) => true,
                    _ => false,
                };
                if !ok || ta.is_optional() || tb.is_optional() {
                    let msg = format!(
                        "`{}` takes two numbers of the same unit or two dates, found {} and {}",
                        f.node,
                        self.article(&ta),
                        self.article(&tb)
                    );
                    let mut d = Diagnostic::error(Code::TypeMismatch, span, msg);
                    d.help = self
                        .narrowing_help(a, &ta)
                        .or_else(|| self.narrowing_help(b, &tb));
                    self.diags.push(d);
                    return None;
                }
                let ty = match (&ta, &tb) {
                    (Type::Num { integral: x, unit }, Type::Num { integral: y, .. }) => {
                        num(*x && *y, *unit)
                    }
                    _ => ta.clone(),
                };
                Some((
                    ir(
                        IrKind::MinMax(f.node == "max", Box::new(ca), Box::new(cb)),
                        span,
                    ),
                    ty,
                ))
            }
            ("floor" | "min" | "max", _) => {
                let n = if f.node == "floor" { 1 } else { 2 };
                self.diags.push(Diagnostic::error(
                    Code::WrongArguments,
                    span,
                    format!("`{}` takes {n} argument(s), found {}", f.node, args.len()),
                ));
                None
            }
            _ => self.call_definition(f, args, span),
        }
    }

    fn call_definition(&mut self, f: &crate::ast::Name, args: &[Expr], span: Span) -> Typed {
        let Some(Global::Def(i)) = self.globals.get(&f.node).copied() else {
            let mut candidates: Vec<&str> = self.def_names.iter().map(String::as_str).collect();
            candidates.extend(["floor", "min", "max"]);
            let mut d = Diagnostic::error(
                Code::UnknownFunction,
                f.span,
                format!("unknown function `{}`", f.node),
            )
            .with_label("not a definition");
            d.help = did_you_mean(&f.node, candidates).or_else(|| {
                Some(
                    "functions are `floor`, `min`, `max` and the definitions with parameters"
                        .into(),
                )
            });
            self.diags.push(d);
            return None;
        };
        if !self.allow_globals {
            return self.global(Global::Def(i), &f.node, span);
        }
        self.deps.push(Global::Def(i));
        let (params, ty) = self.def_sigs.get(i)?.clone();
        if params.len() != args.len() {
            let signature: Vec<String> = params
                .iter()
                .map(|(n, t)| format!("{n} : {}", self.types.type_name(t)))
                .collect();
            self.diags.push(
                Diagnostic::error(
                    Code::WrongArguments,
                    span,
                    format!(
                        "`{}` takes {} argument(s), found {}",
                        f.node,
                        params.len(),
                        args.len()
                    ),
                )
                .with_help(format!(
                    "it is declared `{}({})`",
                    f.node,
                    signature.join(", ")
                )),
            );
            return None;
        }
        let mut code = Vec::with_capacity(args.len());
        for (arg, (pname, pty)) in args.iter().zip(&params) {
            code.push(self.expect(
                arg,
                pty,
                &format_args!("argument `{pname}` of `{}`", f.node),
            )?);
        }
        Some((ir(IrKind::Call(i, code), span), ty))
    }

    pub(super) fn wrong_operand(&mut self, span: Span, what: &str, found: &Type) -> Typed {
        let msg = format!("{what}, found {}", self.article(found));
        self.diags.push(
            Diagnostic::error(Code::TypeMismatch, span, msg)
                .with_label(format!("this is {}", self.article(found))),
        );
        None
    }

    pub(super) fn maybe_optional(&self, operand: &Type, ty: Type) -> Type {
        if operand.is_optional() {
            Type::Optional(Box::new(ty))
        } else {
            ty
        }
    }

    fn if_expr(
        &mut self,
        c: &Expr,
        a: &Expr,
        b: &Expr,
        expected: Option<&Type>,
        span: Span,
    ) -> Typed {
        let cc = self.expect(c, &Type::Bool, &"the condition of `if`")?;
        let (ca, ta) = self.narrowed(super::narrowing::present_if_true(&cc), |c| {
            c.expr(a, expected)
        })?;
        let hint = expected.cloned().unwrap_or_else(|| ta.clone());
        let (cb, tb) = self.narrowed(super::narrowing::present_if_false(&cc), |c| {
            c.expr(b, Some(&hint))
        })?;
        let ty = if assignable(&tb, &ta) {
            ta.clone()
        } else if assignable(&ta, &tb) {
            tb.clone()
        } else if ta == Type::Any {
            Type::Optional(Box::new(tb.clone()))
        } else if tb == Type::Any {
            Type::Optional(Box::new(ta.clone()))
        } else {
            let msg = format!(
                "the branches of `if` differ: {} and {}",
                self.article(&ta),
                self.article(&tb)
            );
            self.diags
                .push(Diagnostic::error(Code::TypeMismatch, span, msg));
            return None;
        };
        Some((
            ir(IrKind::If(Box::new(cc), Box::new(ca), Box::new(cb)), span),
            ty,
        ))
    }

    fn aggregate(
        &mut self,
        kind: Aggregate,
        var: &crate::ast::Name,
        list: &Expr,
        value: Option<&Expr>,
        condition: Option<&Expr>,
        span: Span,
    ) -> Typed {
        let (cl, tl) = self.expr(list, None)?;
        let Some(elem) = tl.element().cloned() else {
            return self.wrong_operand(list.span, "an aggregate ranges over a list or a set", &tl);
        };
        if tl.is_optional() {
            return self.wrong_operand(
                list.span,
                "an aggregate ranges over a list that is always there",
                &tl,
            );
        }
        self.locals.push((var.node.clone(), elem.clone()));
        let result = self.aggregate_body(kind, value, condition, &elem);
        self.locals.pop();
        let (cv, cc, ty) = result?;
        let code = IrKind::Aggregate {
            kind,
            list: Box::new(cl),
            value: cv.map(Box::new),
            condition: cc.map(Box::new),
        };
        let ty = match kind {
            Aggregate::Count => num(true, Unit::None),
            Aggregate::Sum => ty.unwrap_or(num(true, Unit::None)),
            Aggregate::Any | Aggregate::Every => Type::Bool,
            Aggregate::Each => Type::List(Box::new(elem)),
        };
        Some((ir(code, span), ty))
    }

    fn aggregate_body(
        &mut self,
        kind: Aggregate,
        value: Option<&Expr>,
        condition: Option<&Expr>,
        _elem: &Type,
    ) -> Option<(Option<Ir>, Option<Ir>, Option<Type>)> {
        let cond = match condition {
            Some(c) => Some(self.expect(c, &Type::Bool, &"the condition")?),
            None => None,
        };
        let (val, ty) = match (kind, value) {
            (Aggregate::Sum, Some(v)) => {
                let (cv, tv) = self.expr(v, None)?;
                if !matches!(tv, Type::Num { .. }) {
                    self.wrong_operand(v.span, "`sum` adds numbers", &tv);
                    return None;
                }
                (Some(cv), Some(tv))
            }
            _ => (None, None),
        };
        Some((val, cond, ty))
    }
}
