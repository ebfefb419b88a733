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
    /// A partial update sent `null` or a blank value for a field that must
    /// have one.
    Blank,
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
pub(crate) fn parses<V: ?Sized, S: AsRef<V>, T, E: FieldProblem>(
    parse: impl Fn(&V) -> Result<T, E>,
) -> impl Fn(&Option<S>, &FieldParse) -> garde::Result {
    move |value, found| match value {
        None => Err(found.record(Found::Missing, String::new())),
        Some(raw) => parse(raw.as_ref()).map(drop).map_err(|problem| found.problem(&problem)),
    }
}

/// A field that may be left out but, when present, must be a value `parse`
/// accepts: `null` is refused.
pub(crate) fn parses_if_present<V: ?Sized, S: AsRef<V>, T, E: FieldProblem>(
    parse: impl Fn(&V) -> Result<T, E>,
) -> impl Fn(&Option<Option<S>>, &FieldParse) -> garde::Result {
    move |value, found| match value {
        Some(Some(raw)) => parse(raw.as_ref()).map(drop).map_err(|problem| found.problem(&problem)),
        _ => not_null(value, found),
    }
}

/// As [`parses_if_present`], refusing a blank value as well as `null`.
pub(crate) fn parses_if_filled<T, E: FieldProblem>(
    parse: impl Fn(&str) -> Result<T, E>,
) -> impl Fn(&Option<Option<String>>, &FieldParse) -> garde::Result {
    move |value, found| match value {
        None => Ok(()),
        Some(Some(raw)) if !raw.trim().is_empty() => parse(raw).map(drop).map_err(|problem| found.problem(&problem)),
        Some(_) => Err(found.record(Found::Blank, String::new())),
    }
}

/// A field that may be left out but not set to `null`.
pub(crate) fn not_null<T>(value: &Option<Option<T>>, found: &FieldParse) -> garde::Result {
    match value {
        Some(None) => Err(found.record(Found::Null, String::new())),
        _ => Ok(()),
    }
}

/// A field that `parse` must accept whole, whether sent or not.
pub(crate) fn parses_all<V: ?Sized, T, E: FieldProblem>(
    parse: impl Fn(&V) -> Result<T, E>,
) -> impl Fn(&V, &FieldParse) -> garde::Result {
    move |value, found| parse(value).map(drop).map_err(|problem| found.problem(&problem))
}

/// Whether a value is only white space.
pub(crate) fn is_blank(raw: &str) -> bool {
    raw.trim().is_empty()
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
pub(crate) fn accepted<V: ?Sized, S: AsRef<V>, T, E>(
    raw: Option<S>,
    parse: impl FnOnce(&V) -> Result<T, E>,
) -> Option<T> {
    raw.and_then(|raw| parse(raw.as_ref()).ok())
}

/// A command struct garde validates with [`FieldParse`].
///
/// garde's derive checks fields in name order; a client hears of them in the
/// order of the body, listed here.
pub(crate) trait Fields: Validate<Context = FieldParse> {
    /// The fields' paths, as the client names them, in body order.
    const BODY_ORDER: &'static [&'static str];
}

/// Validates `fields` and records every problem in `errors` in body order,
/// under the client's names: garde's path in camelCase, or its surface-given
/// name from `renames` (`(camelCase path, name)` pairs).
pub(crate) fn validate_into<V: Fields>(errors: &mut ValidationErrors, fields: &V, renames: &[(&str, &str)]) {
    let context = FieldParse::default();
    let Err(report) = fields.validate_with(&context) else { return };
    record(errors, &report, context.found.into_inner(), V::BODY_ORDER, renames);
}

/// The client's name of a field at garde's `path`: both surfaces name body
/// fields in camelCase, and garde's paths use the Rust names.
fn camel_case(path: &str) -> String {
    let mut name = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                name.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => name.push(c),
        }
    }
    name
}

fn record(errors: &mut ValidationErrors, report: &Report, found: Vec<Found>, order: &[&str], renames: &[(&str, &str)]) {
    // Both are in validation order: every failing validator records once.
    debug_assert_eq!(report.iter().count(), found.len(), "every validator records what it found");
    let mut problems: Vec<_> =
        report.iter().zip(found).map(|((path, error), found)| (camel_case(&path.to_string()), error, found)).collect();
    problems.sort_by_key(|(path, ..)| order.iter().position(|field| field == path).unwrap_or(order.len()));
    for (path, error, found) in problems {
        let field = renames.iter().find(|(from, _)| *from == path).map_or(path.as_str(), |(_, to)| to);
        match found {
            Found::Problem(code) => errors.add(field, code, error.message()),
            Found::Missing => {
                errors.require::<()>(field, None);
            }
            Found::Null => super::refuse_null(errors, field),
            Found::Blank => super::refuse_blank(errors, field),
        }
    }
}

#[cfg(test)]
mod tests {
    use folio_domain::content::values::Title;

    use super::*;

    /// Field names sort before their body order, so garde checks them out of it.
    #[derive(Validate)]
    #[garde(context(FieldParse))]
    struct Sample {
        #[garde(custom(parses(Title::parse)))]
        z_title: Option<String>,
        #[garde(custom(not_null))]
        a_flag: Option<Option<bool>>,
        #[garde(custom(parses_if_filled(Title::parse)))]
        m_name: Option<Option<String>>,
    }

    impl Fields for Sample {
        const BODY_ORDER: &'static [&'static str] = &["zTitle", "aFlag", "mName"];
    }

    fn problems(sample: &Sample, renames: &[(&str, &str)]) -> Vec<(String, &'static str, String)> {
        let mut errors = ValidationErrors::new();
        validate_into(&mut errors, sample, renames);
        errors.errors().iter().map(|error| (error.field.clone(), error.code, error.message.clone())).collect()
    }

    #[test]
    fn problems_come_in_body_order_with_the_domain_code_and_the_client_name() {
        let title_problem = Title::parse("").expect_err("a blank title is refused");
        let sample = Sample { z_title: Some(String::new()), a_flag: Some(None), m_name: Some(Some(" ".into())) };
        assert_eq!(
            problems(&sample, &[("mName", "name")]),
            [
                ("zTitle".to_owned(), title_problem.code(), title_problem.to_string()),
                ("aFlag".to_owned(), "blank", "aFlag can't be null".to_owned()),
                ("name".to_owned(), "blank", "name can't be blank".to_owned()),
            ]
        );
    }

    #[test]
    fn a_missing_field_is_required_and_a_left_out_one_is_kept() {
        let sample = Sample { z_title: None, a_flag: None, m_name: None };
        assert_eq!(problems(&sample, &[]), [("zTitle".to_owned(), "required", "zTitle is required".to_owned())]);
        let valid = Sample { z_title: Some("Hello".into()), a_flag: Some(Some(true)), m_name: Some(Some("Hi".into())) };
        assert!(problems(&valid, &[]).is_empty());
    }
}
