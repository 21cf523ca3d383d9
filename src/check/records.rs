//! The shape of record types: a record that holds itself (through its fields, directly or
//! through other records, lists, sets and options) would make every walk of its type endless
//! (its JSON Schema, the form of the interview), and one whose fields unfold to very many
//! (records holding two of the next, over and over, double at each step) would make them as
//! long as that, and one nested very deep would make them recurse as deep. All are refused where
//! the record is declared.

use crate::check::Checker;
use crate::check::layers::Merged;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Type;

/// How many fields a record may unfold to, through the records it holds.
pub const MAX_RECORD_FIELDS: usize = 10_000;
/// [`MAX_RECORD_FIELDS`] as people read it.
const MAX_RECORD_FIELDS_WORDS: &str = "10,000";
const _: () = assert!(
    MAX_RECORD_FIELDS == 10_000,
    "MAX_RECORD_FIELDS_WORDS says 10,000"
);

/// How deep records may hold records (the walks of a type recurse once a level).
pub const MAX_RECORD_DEPTH: usize = 64;

/// Where a record stands in the walk of the records.
#[derive(Clone, Copy, PartialEq)]
enum Seen {
    Not,
    /// On the path being walked.
    Open,
    /// Walked: its unfolded size is known.
    Done,
}

impl Checker {
    /// Refuses the records of `m` that hold themselves (once a cycle), nest records past
    /// [`MAX_RECORD_DEPTH`] or unfold past [`MAX_RECORD_FIELDS`].
    /// Walked without recursion: a chain of records may be long.
    pub(crate) fn record_shapes(&mut self, m: &Merged) {
        let count = self.types.records.len();
        let mut seen = vec![Seen::Not; count];
        let mut size = vec![0usize; count];
        let mut depth = vec![0usize; count];
        for start in 0..count {
            if seen.get(start) != Some(&Seen::Not) {
                continue;
            }
            if let Some(s) = seen.get_mut(start) {
                *s = Seen::Open;
            }
            // Each record on the path, with the next of its fields to look at.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            while let Some(&(r, k)) = path.last() {
                let held = self
                    .types
                    .records
                    .get(r)
                    .and_then(|info| info.fields.get(k))
                    .map(|f| (record_in(&f.ty), f.name.clone()));
                let Some((inner, field)) = held else {
                    path.pop();
                    if let Some(s) = seen.get_mut(r) {
                        *s = Seen::Done;
                    }
                    self.measure(m, r, &mut size, &mut depth);
                    continue;
                };
                if let Some(last) = path.last_mut() {
                    last.1 += 1;
                }
                match inner.map(|c| (c, seen.get(c).copied())) {
                    Some((c, Some(Seen::Not))) => {
                        if let Some(s) = seen.get_mut(c) {
                            *s = Seen::Open;
                        }
                        path.push((c, 0));
                    }
                    Some((c, Some(Seen::Open))) if size.get(c) != Some(&usize::MAX) => {
                        // A cycle: refused once, at the record it returns to; its members count
                        // as too large, so that nothing built on them is walked either.
                        self.record_error(m, c, format!(
                            "record `{}` holds itself (through field `{field}` of `{}`): its schema and its form would never end",
                            self.record_name(c),
                            self.record_name(r)
                        ));
                        if let Some(s) = size.get_mut(c) {
                            *s = usize::MAX;
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Sets the unfolded size and the depth of record `r`, those of the records it holds being
    /// known, and refuses it when it is the first, from the inside, to be too large or too deep
    /// (a record in or over a cycle has no size: only the cycle is reported).
    fn measure(&mut self, m: &Merged, r: usize, size: &mut [usize], depth: &mut [usize]) {
        let over_cycle = size.get(r) == Some(&usize::MAX) || self.holds_cyclic(r, size);
        let held_over = self.types.records.get(r).is_some_and(|info| {
            info.fields
                .iter()
                .filter_map(|f| record_in(&f.ty))
                .any(|c| {
                    size.get(c).is_some_and(|s| *s > MAX_RECORD_FIELDS)
                        || depth.get(c).is_some_and(|d| *d > MAX_RECORD_DEPTH)
                })
        });
        let unfolded = if over_cycle {
            usize::MAX
        } else {
            self.unfolded(r, size)
        };
        let deep = self.deepest(r, depth).saturating_add(1);
        if let Some(s) = size.get_mut(r) {
            *s = unfolded;
        }
        if let Some(d) = depth.get_mut(r) {
            *d = deep;
        }
        if over_cycle || held_over {
            return;
        }
        let name = self.record_name(r);
        if deep > MAX_RECORD_DEPTH {
            self.record_error(
                m,
                r,
                format!("record `{name}` holds records nested more than {MAX_RECORD_DEPTH} deep"),
            );
        } else if unfolded > MAX_RECORD_FIELDS {
            self.record_error(
                m,
                r,
                format!(
                    "record `{name}` unfolds to more than {MAX_RECORD_FIELDS_WORDS} fields \
                     through the records it holds"
                ),
            );
        }
    }

    /// The deepest nesting of the records that record `r` holds (`depth` of each, 0 for none).
    fn deepest(&self, r: usize, depth: &[usize]) -> usize {
        self.types.records.get(r).map_or(0, |info| {
            info.fields
                .iter()
                .filter_map(|f| record_in(&f.ty))
                .map(|c| depth.get(c).copied().unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
    }

    /// Whether record `r` holds a record in (or over) a cycle, whose size is `usize::MAX`.
    fn holds_cyclic(&self, r: usize, size: &[usize]) -> bool {
        self.types.records.get(r).is_some_and(|info| {
            info.fields
                .iter()
                .filter_map(|f| record_in(&f.ty))
                .any(|c| size.get(c) == Some(&usize::MAX))
        })
    }

    /// The fields record `r` unfolds to, those of the records it holds being in `size`.
    fn unfolded(&self, r: usize, size: &[usize]) -> usize {
        let Some(info) = self.types.records.get(r) else {
            return 0;
        };
        info.fields.iter().fold(0usize, |total, f| {
            let inner = record_in(&f.ty).map_or(0, |c| size.get(c).copied().unwrap_or(0));
            total.saturating_add(1).saturating_add(inner)
        })
    }

    fn record_name(&self, r: usize) -> String {
        self.types
            .records
            .get(r)
            .map_or_else(String::new, |info| info.name.clone())
    }

    fn record_error(&mut self, m: &Merged, r: usize, message: String) {
        let Some(decl) = m.records.get(r) else {
            return;
        };
        self.diags.push(
            Diagnostic::error(Code::RecordShape, decl.name.span, message)
                .with_help("hold the inner record by a key (a text or a number) instead"),
        );
    }
}

/// The record a field of type `ty` holds, if any (in a list, a set or an option too).
fn record_in(ty: &Type) -> Option<usize> {
    let mut ty = ty;
    loop {
        match ty {
            Type::Record(r) => return Some(*r),
            Type::List(t) | Type::Set(t) | Type::Optional(t) => ty = t,
            _ => return None,
        }
    }
}
