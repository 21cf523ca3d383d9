//! The three-valued logic and the default logic of the `native` peer ([`super`]): truth
//! values that may be unknown, with the missing facts they need, and the resolution of a
//! conclusion's rules and exceptions as the engine does it (SPEC §2, §4).

use super::*;

// ------------------------------------------------------------------------ three-valued logic

/// The missing facts a value needs: sorted, without duplicates (usually static paths).
pub(super) type Miss = Vec<Cow<'static, str>>;

/// A value, or the missing facts that keep it unknown.
pub(super) type T<X> = Result<X, Miss>;

pub(super) fn missing(path: &'static str) -> Miss {
    vec![Cow::Borrowed(path)]
}

pub(super) fn missing_at(list: &str, i: usize, field: &str) -> Miss {
    vec![Cow::Owned(format!("{list}[{i}].{field}"))]
}

pub(super) fn merge(mut a: Miss, b: Miss) -> Miss {
    for m in b {
        if let Err(at) = a.binary_search(&m) {
            a.insert(at, m);
        }
    }
    a
}

pub(super) fn merge_into(acc: &mut Option<Miss>, m: Miss) {
    *acc = Some(match acc.take() {
        Some(a) => merge(a, m),
        None => m,
    });
}

/// `a and b`: false wins even when the other side is unknown.
pub(super) fn and(a: T<bool>, b: impl FnOnce() -> T<bool>) -> T<bool> {
    if a == Ok(false) {
        return Ok(false);
    }
    match (a, b()) {
        (_, Ok(false)) => Ok(false),
        (Ok(_), Ok(r)) => Ok(r),
        (Err(s), Ok(_)) | (Ok(_), Err(s)) => Err(s),
        (Err(s), Err(t)) => Err(merge(s, t)),
    }
}

/// `a or b`: true wins even when the other side is unknown.
pub(super) fn or(a: T<bool>, b: impl FnOnce() -> T<bool>) -> T<bool> {
    if a == Ok(true) {
        return Ok(true);
    }
    match (a, b()) {
        (_, Ok(true)) => Ok(true),
        (Ok(_), Ok(r)) => Ok(r),
        (Err(s), Ok(_)) | (Ok(_), Err(s)) => Err(s),
        (Err(s), Err(t)) => Err(merge(s, t)),
    }
}

pub(super) fn both<A, B>(a: T<A>, b: T<B>) -> T<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(s), Ok(_)) | (Ok(_), Err(s)) => Err(s),
        (Err(s), Err(t)) => Err(merge(s, t)),
    }
}

pub(super) fn is_false(t: &T<bool>) -> bool {
    matches!(t, Ok(false))
}

// ------------------------------------------------------------------------- rules and outcomes

/// The outcome of a scalar conclusion: its value and the rules that gave it (a bit per rule),
/// or the missing facts.
pub(super) enum Out<V> {
    Decided(V, u16),
    Undetermined(Miss),
    /// A conflict, or no rule applies (never for this policy).
    Error,
}

impl<V: Copy> Out<V> {
    pub(super) fn get(&self) -> T<V> {
        match self {
            Out::Decided(v, _) => Ok(*v),
            Out::Undetermined(m) => Err(m.clone()),
            Out::Error => Err(missing("<error>")),
        }
    }
}

/// The default logic of one scalar conclusion (the engine's, SPEC §2): the rules whose condition
/// is not false and that no applying exception overrides are the candidates; decided when at
/// least one holds for sure and every candidate gives the same known value.
pub(super) fn resolve<V: Copy + PartialEq, const N: usize>(
    conds: &[T<bool>; N],
    values: [T<V>; N],
    overrides: &[u16; N],
) -> Out<V> {
    let mut holds = 0u16;
    let mut overridden = 0u16;
    for (i, c) in conds.iter().enumerate() {
        if *c == Ok(true) {
            holds |= 1 << i;
            overridden |= overrides[i];
        }
    }
    let mut candidates = 0u16;
    let mut unknown: Option<Miss> = None;
    let mut first: Option<V> = None;
    let mut agree = true;
    for (i, (c, v)) in conds.iter().zip(values).enumerate() {
        if is_false(c) || overridden & (1 << i) != 0 {
            continue;
        }
        candidates |= 1 << i;
        if let Err(m) = c {
            merge_into(&mut unknown, m.clone());
        }
        match v {
            Ok(v) if first.is_none() => first = Some(v),
            Ok(v) => agree &= first == Some(v),
            Err(m) => {
                agree = false;
                merge_into(&mut unknown, m);
            }
        }
    }
    let sure = candidates & holds;
    match (first, unknown) {
        (Some(v), _) if agree && sure != 0 => Out::Decided(v, sure),
        (_, Some(m)) if candidates != 0 => Out::Undetermined(m),
        _ => Out::Error,
    }
}

/// The outcome of a set conclusion: its members (a bit per value) and the rules that applied;
/// with `missing`, the members known so far of an undetermined set.
pub(super) struct SetOut {
    pub(super) members: u16,
    pub(super) applied: u16,
    pub(super) missing: Option<Miss>,
}

impl SetOut {
    pub(super) fn of<const N: usize>(conds: [T<bool>; N], values: &[u8; N]) -> SetOut {
        let mut out = SetOut {
            members: 0,
            applied: 0,
            missing: None,
        };
        for (i, c) in conds.into_iter().enumerate() {
            match c {
                Ok(true) => {
                    out.members |= 1 << values[i];
                    out.applied |= 1 << i;
                }
                Ok(false) => {}
                Err(m) => merge_into(&mut out.missing, m),
            }
        }
        out
    }

    /// `is empty`: an undetermined set that certainly holds a member is not empty.
    pub(super) fn is_empty(&self) -> T<bool> {
        match &self.missing {
            None => Ok(self.members == 0),
            Some(_) if self.members != 0 => Ok(false),
            Some(m) => Err(m.clone()),
        }
    }

    /// `name = [a, b]`, or `name includes [a]` for the known members of an undetermined set.
    pub(super) fn fact(&self, name: &str, names: &[&str]) -> String {
        let verb = if self.missing.is_some() {
            "includes"
        } else {
            "="
        };
        format!("{name} {verb} [{}]", join(self.members, names))
    }
}

pub(super) fn bits(mask: u16) -> impl Iterator<Item = usize> {
    (0..16).filter(move |i| mask & (1 << i) != 0)
}

pub(super) fn join(mask: u16, names: &[&str]) -> String {
    let mut s = String::new();
    for i in bits(mask) {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str(names[i]);
    }
    s
}

/// The facts behind a decided value, each once, in the order the engine gives them.
#[derive(Default)]
pub(super) struct Because(pub(super) Vec<Cow<'static, str>>);

impl Because {
    pub(super) fn add(&mut self, fact: impl Into<Cow<'static, str>>) {
        let fact = fact.into();
        if !self.0.contains(&fact) {
            self.0.push(fact);
        }
    }
}

/// The engine's `because` of a scalar conclusion: for each rule that gave the value, the facts
/// its condition read, then those of the exceptions to it whose condition is false.
pub(super) fn explain<const N: usize>(
    conds: &[T<bool>; N],
    overrides: &[u16; N],
    unconditional: u16,
    rules: u16,
    mut reasons: impl FnMut(usize, &mut Because),
) -> Because {
    let mut b = Because::default();
    for i in bits(rules) {
        if unconditional & (1 << i) == 0 {
            reasons(i, &mut b);
        }
        for e in 0..N {
            if overrides[e] & (1 << i) != 0 && is_false(&conds[e]) {
                reasons(e, &mut b);
            }
        }
    }
    b
}
