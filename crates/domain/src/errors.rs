//! Errors shared by every port and service: infrastructure failures and field
//! validation problems.
//!
//! Operation errors are one enum per use case (see [`crate::accounts`]); what they
//! share lives here so that drivers can map it once.

use std::fmt;

/// A failure of the outside world behind a port, which no caller can act on
/// except by retrying later.
///
/// Adapters MUST return [`PortError::Unavailable`] when the backing service could
/// not be reached in time (pool exhausted, connection refused, timeout), so that
/// drivers can answer "try again later" instead of "internal error".
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// The backing service (database, cache ...) could not be reached in time.
    #[error("a backing service is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug, corrupt data, an unexpected driver error.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl PortError {
    /// Whether `error`, or anything in its cause chain, is an
    /// [`PortError::Unavailable`].
    pub fn is_unavailable(error: &anyhow::Error) -> bool {
        error.chain().any(|cause| matches!(cause.downcast_ref::<PortError>(), Some(PortError::Unavailable(_))))
    }
}

/// Implements `From<PortError>` for operation error enums that carry an
/// `Unknown(anyhow::Error)` variant, keeping the `PortError` in the chain so that
/// [`PortError::is_unavailable`] still sees it.
macro_rules! unknown_from_port_error {
    ($($error:ty),+ $(,)?) => {$(
        impl From<$crate::errors::PortError> for $error {
            fn from(error: $crate::errors::PortError) -> Self {
                Self::Unknown(anyhow::Error::new(error))
            }
        }
    )+};
}
pub(crate) use unknown_from_port_error;

/// A value that failed to parse, described for the person who sent it.
///
/// Implemented by the parse errors of every value object so that a request with
/// several bad fields can be answered with all of them at once.
pub trait FieldProblem: fmt::Display {
    /// A stable, machine-readable snake_case code such as `too_short`.
    fn code(&self) -> &'static str;
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the client named it (camelCase), e.g. `displayName`.
    pub field: String,
    /// A stable snake_case code, e.g. `invalid_email`.
    pub code: &'static str,
    /// A sentence a person can act on.
    pub message: String,
}

/// Every problem found in one request; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// A single problem.
    pub fn single(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, code, message);
        errors
    }

    /// Records a problem.
    pub fn add(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_owned(), code, message: message.into() });
    }

    /// Keeps the value of a successful parse, or records its problem under `field`.
    pub fn check<T, E: FieldProblem>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem.code(), problem.to_string());
                None
            }
        }
    }

    /// Records that a required field is missing.
    pub fn require<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(field, "required", format!("{field} is required"));
        }
        value
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The recorded problems, in the order they were found.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// `Ok(())` when nothing was recorded, otherwise `Err(self)`.
    ///
    /// # Errors
    /// Returns the collector itself when it holds at least one problem.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<&str> = self.errors.iter().map(|e| e.field.as_str()).collect();
        write!(f, "invalid input: {}", fields.join(", "))
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_unavailable_sees_through_context() {
        let error = anyhow::Error::new(PortError::Unavailable(anyhow::anyhow!("timeout"))).context("loading the user");
        assert!(PortError::is_unavailable(&error));
        let other = anyhow::Error::new(PortError::Unknown(anyhow::anyhow!("boom")));
        assert!(!PortError::is_unavailable(&other));
    }

    #[test]
    fn require_records_a_missing_field() {
        let mut errors = ValidationErrors::new();
        assert_eq!(errors.require::<u8>("email", None), None);
        assert_eq!(errors.require("username", Some(1)), Some(1));
        assert_eq!(errors.errors().len(), 1);
        assert_eq!(errors.errors()[0].code, "required");
        assert!(errors.into_result().is_err());
    }
}
