//! garde's side of the input layer: the custom validators the command structs
//! name, and the one conversion from garde's [`Report`] to the
//! [`ValidationErrors`] both surfaces answer with.
//!
//! Every validator calls a domain constructor, so no rule is restated here.
//! garde's `Error` carries only a message, while a client also gets the
//! domain's stable code: each validator records what it found in the
//! [`FieldParse`] context, in the order garde reports it, and [`validate_into`]
//! pairs the two back up. Messages that name the field (`x is required`) are
//! written at conversion time, where garde's path is known.

use std::cell::RefCell;

use folio_domain::{FieldProblem, ValidationErrors};
use garde::{Report, Validate};

/// What a validator found wrong with a field, beyond garde's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// The domain refused the value, with this code.
    Problem(&'static str),
    /// The field is missing.
    Missing,
    /// A partial update sent `null` for a field that cannot be removed.
    Null,
}

/// garde's context for the command structs: what each failing validator
/// found, in the order garde reports the failures.
#[derive(Debug, Default)]
pub(crate) struct FieldParse {
    found: RefCell<Vec<Found>>,
}

impl FieldParse {
    fn record(&self, found: Found, message: String) -> garde::Error {
        self.found.borrow_mut().push(found);
        garde::Error::new(message)
    }

    fn problem(&self, problem: &impl FieldProblem) -> garde::Error {
        self.record(Found::Problem(problem.code()), problem.to_string())
    }
}

/// A field that must be there and that `parse` accepts.
pub(crate) fn parses<T, E: FieldProblem>(
    parse: impl Fn(&str) -> Result<T, E>,
) -> impl Fn(&Option<String>, &FieldParse) -> garde::Result {
    move |value, found| match value {
        None => Err(found.record(Found::Missing, String::new())),
        Some(raw) => parse(raw).map(drop).map_err(|problem| found.problem(&problem)),
    }
}

/// A field that may be left out but, when present, must be a value `parse`
/// accepts: `null` is refused.
pub(crate) fn parses_if_present<T, E: FieldProblem>(
    parse: impl Fn(&str) -> Result<T, E>,
) -> impl Fn(&Option<Option<String>>, &FieldParse) -> garde::Result {
    move |value, found| match value {
        None => Ok(()),
        Some(None) => Err(found.record(Found::Null, String::new())),
        Some(Some(raw)) => parse(raw).map(drop).map_err(|problem| found.problem(&problem)),
    }
}

/// A field that may be left out; when sent, `parse` must accept it whole.
pub(crate) fn parses_all<V: ?Sized, T, E: FieldProblem>(
    parse: impl Fn(&V) -> Result<T, E>,
) -> impl Fn(&V, &FieldParse) -> garde::Result {
    move |value, found| parse(value).map(drop).map_err(|problem| found.problem(&problem))
}

/// A field that must be there and hold more than `blank` calls empty.
pub(crate) fn filled(blank: fn(&str) -> bool) -> impl Fn(&Option<String>, &FieldParse) -> garde::Result {
    move |value, found| match value {
        Some(raw) if !blank(raw) => Ok(()),
        _ => Err(found.record(Found::Missing, String::new())),
    }
}

/// The value of a field garde has accepted; `None` when it was left out.
///
/// Validation and construction call the same domain constructor, so a field
/// that passed validation parses here.
pub(crate) fn accepted<T, E>(raw: Option<String>, parse: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
    raw.and_then(|raw| parse(&raw).ok())
}

/// A command struct garde validates with [`FieldParse`].
///
/// garde's derive checks fields in name order; a client hears of them in the
/// order of the body, listed here by garde path.
pub(crate) trait Fields: Validate<Context = FieldParse> {
    /// The fields' garde paths in body order.
    const BODY_ORDER: &'static [&'static str];
}

/// Validates `fields` and records every problem in `errors` in body order,
/// under the client's names: garde's path, or its surface-given name from
/// `renames` (`(path, name)` pairs).
pub(crate) fn validate_into<V: Fields>(errors: &mut ValidationErrors, fields: &V, renames: &[(&str, &str)]) {
    let context = FieldParse::default();
    let Err(report) = fields.validate_with(&context) else { return };
    record(errors, &report, context.found.into_inner(), V::BODY_ORDER, renames);
}

fn record(errors: &mut ValidationErrors, report: &Report, found: Vec<Found>, order: &[&str], renames: &[(&str, &str)]) {
    // Both are in validation order: every failing validator records once.
    debug_assert_eq!(report.iter().count(), found.len(), "every validator records what it found");
    let mut problems: Vec<_> =
        report.iter().zip(found).map(|((path, error), found)| (path.to_string(), error, found)).collect();
    problems.sort_by_key(|(path, ..)| order.iter().position(|field| field == path).unwrap_or(order.len()));
    for (path, error, found) in problems {
        let field = renames.iter().find(|(from, _)| *from == path).map_or(path.as_str(), |(_, to)| to);
        match found {
            Found::Problem(code) => errors.add(field, code, error.message()),
            Found::Missing => {
                errors.require::<()>(field, None);
            }
            Found::Null => super::refuse_null(errors, field),
        }
    }
}
