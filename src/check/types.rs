//! Types as written to static types, and the rules of compatibility between them.

use crate::ast::TypeExpr;
use crate::check::Checker;
use crate::check::names::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Type, Unit};
use crate::span::Spanned;

/// What a type name declared by the policy stands for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum NamedType {
    Enum(usize),
    Record(usize),
    Unit(usize),
}

/// The calendar unit a word names (`week` or `weeks`), if any.
pub(crate) fn calendar_unit(word: &str) -> Option<Unit> {
    match word {
        "day" | "days" => Some(Unit::Days),
        "week" | "weeks" => Some(Unit::Weeks),
        "month" | "months" => Some(Unit::Months),
        "year" | "years" => Some(Unit::Years),
        _ => None,
    }
}

/// True when a value of type `from` may stand where `to` is expected.
pub(crate) fn assignable(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (a, b) if a == b => true,
        (
            Type::Num { unit: ua, .. },
            Type::Num {
                integral: false,
                unit: ub,
            },
        ) => ua == ub,
        (Type::Any, Type::Optional(_)) => true,
        (Type::List(a), Type::List(b) | Type::Set(b)) | (Type::Set(a), Type::Set(b)) => {
            **a == Type::Any || assignable(a, b)
        }
        (Type::Optional(a), Type::Optional(b)) => assignable(a, b),
        (a, Type::Optional(b)) => assignable(a, b),
        _ => false,
    }
}

/// True when two values of these types can be compared with `=`.
pub(crate) fn comparable(a: &Type, b: &Type) -> bool {
    let (a, b) = (a.base(), b.base());
    match (a, b) {
        (Type::Any, _) | (_, Type::Any) => true,
        (Type::Num { unit: ua, .. }, Type::Num { unit: ub, .. }) => ua == ub,
        _ => assignable(a, b) || assignable(b, a),
    }
}

impl Checker {
    /// Resolves a written type; reports unknown names.
    pub(crate) fn resolve_type(&mut self, ty: &Spanned<TypeExpr>) -> Option<Type> {
        match &ty.node {
            TypeExpr::Integer(unit) | TypeExpr::Decimal(unit) => {
                let integral = matches!(ty.node, TypeExpr::Integer(_));
                let unit = match unit {
                    Some(u) => self.resolve_unit(u)?,
                    None => Unit::None,
                };
                Some(Type::Num { integral, unit })
            }
            TypeExpr::Optional(t) => Some(Type::Optional(Box::new(self.resolve_type(t)?))),
            TypeExpr::List(t) => Some(Type::List(Box::new(self.resolve_type(t)?))),
            TypeExpr::Set(t) => Some(Type::Set(Box::new(self.resolve_type(t)?))),
            TypeExpr::Named(name) => match name.as_str() {
                "bool" => Some(Type::Bool),
                "text" => Some(Type::Text),
                "date" => Some(Type::Date),
                n => {
                    if let Some(unit) = calendar_unit(n) {
                        return Some(Type::Num {
                            integral: true,
                            unit,
                        });
                    }
                    match self.type_names.get(n) {
                        Some(NamedType::Enum(i)) => Some(Type::Enum(*i)),
                        Some(NamedType::Record(i)) => Some(Type::Record(*i)),
                        Some(NamedType::Unit(i)) => Some(Type::Num {
                            integral: true,
                            unit: Unit::Custom(*i),
                        }),
                        None => {
                            let mut candidates: Vec<&str> =
                                self.type_names.keys().map(String::as_str).collect();
                            candidates.extend([
                                "bool", "text", "date", "integer", "decimal", "days", "weeks",
                                "months", "years",
                            ]);
                            let mut d = Diagnostic::error(
                                Code::UnknownType,
                                ty.span,
                                format!("unknown type `{n}`"),
                            )
                            .with_label("not a type");
                            d.help = did_you_mean(n, candidates).or_else(|| {
                                Some("types are bool, integer, decimal, text, date, a unit, or a declared enum or record".into())
                            });
                            self.diags.push(d);
                            None
                        }
                    }
                }
            },
        }
    }

    /// Resolves a unit name (declared, or a calendar unit, singular or plural).
    pub(crate) fn resolve_unit(&mut self, unit: &Spanned<String>) -> Option<Unit> {
        if let Some(u) = calendar_unit(&unit.node) {
            return Some(u);
        }
        let plural = format!("{}s", unit.node);
        for candidate in [unit.node.as_str(), plural.as_str()] {
            if let Some(NamedType::Unit(i)) = self.type_names.get(candidate) {
                return Some(Unit::Custom(*i));
            }
        }
        let mut candidates: Vec<&str> = self.types.units.iter().map(String::as_str).collect();
        candidates.extend(["days", "weeks", "months", "years"]);
        let mut d = Diagnostic::error(
            Code::UnknownUnit,
            unit.span,
            format!("unknown unit `{}`", unit.node),
        )
        .with_label("not a unit");
        d.help = did_you_mean(&unit.node, candidates)
            .or_else(|| Some(format!("declare it with `unit {}`", unit.node)));
        self.diags.push(d);
        None
    }
}
