//! The password policy: the rules a new password must pass beyond its shape,
//! applied by the services everywhere a password is set (registration, an
//! admin account, a change, a reset).
//!
//! The list of well-known passwords is a setting: on for production, off
//! where people and test suites use the RealWorld spec's own examples
//! (`password123`), which it would refuse. The rule that a password must not
//! be the account's e-mail or username always holds.

use super::credentials::{Password, PasswordError};
use super::identity::{Email, Username};

/// Passwords at the top of every breach corpus; a short list keeps the check
/// cheap while stopping the guesses an attacker makes first.
const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "password",
    "password1",
    "password123",
    "qwertyui",
    "qwerty123",
    "11111111",
    "00000000",
    "iloveyou",
    "abc12345",
    "abcd1234",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "letmein1",
    "passw0rd",
    "admin123",
    "trustno1",
    "superman",
    "starwars",
    "1q2w3e4r",
    "qwertyuiop",
    "87654321",
    "12341234",
];

/// Which rules a new password must pass beyond [`Password::parse`]'s shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    reject_common: bool,
}

impl PasswordPolicy {
    /// Every rule: well-known passwords are refused.
    pub const STRICT: Self = Self { reject_common: true };
    /// Well-known passwords are accepted (development and tests).
    pub const LENIENT: Self = Self { reject_common: false };

    /// A policy that refuses well-known passwords if `reject_common` is set.
    pub fn new(reject_common: bool) -> Self {
        Self { reject_common }
    }

    /// Whether well-known passwords are refused.
    pub fn rejects_common_passwords(self) -> bool {
        self.reject_common
    }

    /// Checks `password` as the new password of the account with `email`
    /// and `username`.
    ///
    /// # Errors
    /// [`PasswordError::Common`] for a well-known password when the policy
    /// refuses them (ignoring case); [`PasswordError::MatchesIdentity`] when it
    /// is the e-mail address, its local part or the username.
    pub fn check(self, password: &Password, email: &Email, username: &Username) -> Result<(), PasswordError> {
        if self.reject_common && COMMON_PASSWORDS.contains(&password.expose_secret().to_lowercase().as_str()) {
            return Err(PasswordError::Common);
        }
        password.check_identity(email, username)
    }
}

/// The strict policy: a library user who sets nothing gets every rule.
impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::STRICT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(policy: PasswordPolicy, raw: &str) -> Result<(), PasswordError> {
        let email = Email::parse("alice.smith@example.com").expect("valid");
        let username = Username::parse("alice_smith").expect("valid");
        policy.check(&Password::parse(raw.to_owned()).expect("a valid shape"), &email, &username)
    }

    #[test]
    fn the_strict_policy_refuses_well_known_passwords_in_any_case() {
        for raw in ["password123", "PassWord123", "12345678", "qwertyuiop"] {
            assert_eq!(check(PasswordPolicy::STRICT, raw), Err(PasswordError::Common), "{raw}");
        }
        assert_eq!(check(PasswordPolicy::STRICT, "correct horse battery"), Ok(()));
        assert_eq!(PasswordPolicy::default(), PasswordPolicy::STRICT, "strict unless told otherwise");
    }

    #[test]
    fn the_lenient_policy_accepts_them_and_both_refuse_the_account_s_own_names() {
        for raw in ["password123", "PassWord123", "12345678"] {
            assert_eq!(check(PasswordPolicy::LENIENT, raw), Ok(()), "{raw}");
        }
        for raw in ["alice.smith@example.com", "ALICE_SMITH", "alice.smith"] {
            for policy in [PasswordPolicy::LENIENT, PasswordPolicy::STRICT] {
                assert_eq!(check(policy, raw), Err(PasswordError::MatchesIdentity), "{raw} under {policy:?}");
            }
        }
    }
}
