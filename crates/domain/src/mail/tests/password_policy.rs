//! The password policy on a password set by a reset link.

use super::*;
use crate::accounts::values::PasswordPolicy;

#[tokio::test]
async fn reset_password_to_a_well_known_one_follows_the_policy() {
    for (policy, refused) in [(PasswordPolicy::STRICT, true), (PasswordPolicy::LENIENT, false)] {
        // Arrange
        let token = presented(TokenPurpose::ResetPassword);
        let mut ports =
            Ports::new().finding_token(&token, Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
        ports.hasher.expect_hash().times(usize::from(!refused)).returning(|_| ready(Ok(new_hash())));
        ports
            .tokens
            .expect_reset_password()
            .times(usize::from(!refused))
            .returning(|_, _, _| ready(Ok(Redemption::Redeemed)));
        let service = ports.into_service().with_password_policy(policy);
        let well_known = Password::parse("password123".to_owned()).expect("a valid shape");

        // Act
        let result = service.reset_password(token, well_known).await;

        // Assert
        if refused {
            let Err(ResetPasswordError::Validation(errors)) = result else {
                panic!("{policy:?}: expected Validation, got {result:?}")
            };
            let error = &errors.errors()[0];
            assert_eq!((error.field.as_str(), error.code), ("newPassword", "too_common"));
        } else {
            assert!(result.is_ok(), "{policy:?}: {result:?}");
        }
    }
}
