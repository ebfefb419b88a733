//! [`MailJobs`](super::super::MailJobs): deciding at send time, rendering and sending.

use super::*;

fn job(kind: JobKind, payload: serde_json::Value) -> ClaimedJob {
    ClaimedJob { id: JobId::new(JOB), kind, payload, attempt: 1, max_attempts: 5 }
}

fn welcome_job() -> ClaimedJob {
    job(JobKind::WelcomeMail, serde_json::json!({ "userId": ALICE }))
}

fn token_job(kind: JobKind) -> ClaimedJob {
    job(kind, serde_json::json!({ "userId": ALICE, "tokenId": TOKEN }))
}

fn notice_job() -> ClaimedJob {
    job(JobKind::CommentNoticeMail, serde_json::json!({ "commentId": 42, "recipientId": ALICE }))
}

#[tokio::test]
async fn the_welcome_job_stores_a_verification_token_named_after_the_job_and_mails_its_link() {
    // Arrange
    let welcome_token = token_for(AccountTokenId::new(JOB), TokenPurpose::VerifyEmail);
    let expected = NewAccountToken {
        id: AccountTokenId::new(JOB),
        user_id: UserId::new(ALICE),
        purpose: TokenPurpose::VerifyEmail,
        email: alice().email,
        hash: digest_of(&welcome_token),
        created_at: now(),
        expires_at: now() + Duration::hours(24),
    };
    let mut ports = Ports::new().finding_user(alice());
    ports
        .tokens
        .expect_store()
        .withf(move |token, events| *token == expected && events.is_empty())
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let (ports, sent) = ports.recording_mail();

    // Act
    let outcome = ports.into_jobs().run(&welcome_job()).await.expect("the job succeeds");

    // Assert
    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    let link = format!("{BASE}/verify-email?token={}", welcome_token.expose_secret());
    assert_eq!((message.id, message.to.as_str()), (JOB, "alice@example.com"));
    assert_eq!(message.to_name.as_deref(), Some("Alice <Admin>"));
    assert_eq!(message.subject, "Welcome to Folio");
    assert!(message.text.contains(&link), "text: {}", message.text);
    assert!(message.html.contains(&format!("href=\"{link}\"")), "html: {}", message.html);
    assert!(message.html.contains("Hi Alice &lt;Admin&gt;,"), "the name is escaped: {}", message.html);
    assert!(!message.html.contains("<Admin>"), "no raw user content in HTML");
}

#[tokio::test]
async fn the_welcome_job_for_a_verified_address_sends_no_link_and_stores_no_token() {
    let mut ports = Ports::new().finding_user(alice().verified());
    ports.tokens.expect_store().times(0);
    let (ports, sent) = ports.recording_mail();

    let outcome = ports.into_jobs().run(&welcome_job()).await.expect("the job succeeds");

    assert_eq!(outcome, Outcome::Sent);
    assert!(!only(&sent).text.contains("verify-email"));
}

#[tokio::test]
async fn the_welcome_job_for_a_deactivated_or_vanished_account_sends_nothing() {
    for user in [Some(alice().deactivated()), None] {
        let mut ports = Ports::new().writing_nothing();
        ports.users.expect_find_by_id().times(1).returning(move |_| ready(Ok(user.clone())));

        let outcome = ports.into_jobs().run(&welcome_job()).await.expect("nothing to do is a success");

        assert!(matches!(outcome, Outcome::Skipped(_)), "got {outcome:?}");
    }
}

#[tokio::test]
async fn the_verification_job_mails_the_link_of_its_token() {
    let ports = Ports::new().finding_token_by_id(Some(record(TokenPurpose::VerifyEmail))).finding_user(alice());
    let (ports, sent) = ports.recording_mail();

    let outcome = ports.into_jobs().run(&token_job(JobKind::VerificationMail)).await.expect("the job succeeds");

    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    let link = format!("{BASE}/verify-email?token={}", presented(TokenPurpose::VerifyEmail).expose_secret());
    assert!(message.text.contains(&link) && message.html.contains(&link), "{message:?}");
    assert!(message.text.contains("24 hours"));
}

#[tokio::test]
async fn the_password_reset_job_mails_the_link_of_its_token() {
    let ports = Ports::new().finding_token_by_id(Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
    let (ports, sent) = ports.recording_mail();

    let outcome = ports.into_jobs().run(&token_job(JobKind::PasswordResetMail)).await.expect("the job succeeds");

    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    let link = format!("{BASE}/reset-password?token={}", presented(TokenPurpose::ResetPassword).expose_secret());
    assert_eq!(message.subject, "Reset your Folio password");
    assert!(message.text.contains(&link) && message.html.contains(&link), "{message:?}");
    assert!(message.text.contains("60 minutes"));
}

#[tokio::test]
async fn token_jobs_send_nothing_when_the_token_or_account_no_longer_qualifies() {
    let cases: [(&str, Option<AccountTokenRecord>, Option<User>); 5] = [
        ("purged", None, None),
        ("spent", Some(record(TokenPurpose::ResetPassword).spent()), None),
        ("expired", Some(record(TokenPurpose::ResetPassword).expired()), None),
        ("deactivated", Some(record(TokenPurpose::ResetPassword)), Some(alice().deactivated())),
        ("address changed", Some(record(TokenPurpose::ResetPassword)), Some(alice().at("alice@example.org"))),
    ];
    for (case, record, user) in cases {
        let mut ports = Ports::new().finding_token_by_id(record).writing_nothing();
        if let Some(user) = user {
            ports = ports.finding_user(user);
        }

        let outcome = ports.into_jobs().run(&token_job(JobKind::PasswordResetMail)).await;

        assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "{case}: got {outcome:?}");
    }
}

#[tokio::test]
async fn the_verification_job_sends_nothing_once_the_address_is_verified() {
    let ports = Ports::new()
        .finding_token_by_id(Some(record(TokenPurpose::VerifyEmail)))
        .finding_user(alice().verified())
        .writing_nothing();

    let outcome = ports.into_jobs().run(&token_job(JobKind::VerificationMail)).await;

    assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "got {outcome:?}");
}

#[tokio::test]
async fn a_token_job_whose_token_has_another_purpose_fails_for_good() {
    let ports = Ports::new().finding_token_by_id(Some(record(TokenPurpose::VerifyEmail))).writing_nothing();

    let outcome = ports.into_jobs().run(&token_job(JobKind::PasswordResetMail)).await;

    assert!(matches!(outcome, Err(JobError::Permanent(_))), "got {outcome:?}");
}

fn notice() -> CommentNotice {
    CommentNotice {
        comment_id: CommentId::new(42),
        body: CommentBody::parse("Great <b>post</b> & thanks!\nSecond line").expect("a valid comment"),
        commenter_id: UserId::new(BOB),
        commenter: Username::parse("bob").expect("a valid username"),
        post_id: PostId::new(POST),
        post_title: Title::parse("Rust & <friends>").expect("a valid title"),
        post_slug: Slug::parse("rust-friends").expect("a valid slug"),
        post_author_id: UserId::new(ALICE),
    }
}

fn finding_notice(mut ports: Ports, notice: Option<CommentNotice>) -> Ports {
    ports
        .notices
        .expect_comment_notice()
        .with(eq(CommentId::new(42)))
        .times(1)
        .returning(move |_| ready(Ok(notice.clone())));
    ports
}

#[tokio::test]
async fn the_comment_notice_quotes_the_comment_escaped_and_links_the_post() {
    // Arrange
    let ports = finding_notice(Ports::new(), Some(notice())).finding_user(alice());
    let (ports, sent) = ports.recording_mail();

    // Act
    let outcome = ports.into_jobs().run(&notice_job()).await.expect("the job succeeds");

    // Assert
    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    assert_eq!(message.to.as_str(), "alice@example.com");
    assert_eq!(message.subject, "bob commented on \"Rust & <friends>\"");
    assert!(message.text.contains("> Great <b>post</b> & thanks!\n> Second line"), "text: {}", message.text);
    assert!(
        message.html.contains("Great &lt;b&gt;post&lt;/b&gt; &amp; thanks!<br>\nSecond line"),
        "html: {}",
        message.html
    );
    assert!(!message.html.contains("<b>post</b>"), "no raw user content in HTML");
    assert!(message.html.contains("Rust &amp; &lt;friends&gt;"));
    assert!(message.html.contains(&format!("{BASE}/posts/rust-friends")));
    assert!(message.text.contains(&format!("{BASE}/settings")));
}

#[tokio::test]
async fn the_comment_notice_is_not_sent_to_an_author_who_turned_notices_off() {
    let ports = finding_notice(Ports::new(), Some(notice())).finding_user(alice().without_notices()).writing_nothing();

    let outcome = ports.into_jobs().run(&notice_job()).await;

    assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "got {outcome:?}");
}

#[tokio::test]
async fn the_comment_notice_is_not_sent_for_a_deleted_comment_own_comment_or_deactivated_author() {
    let own = CommentNotice { commenter_id: UserId::new(ALICE), ..notice() };
    let cases: [(&str, Option<CommentNotice>, Option<User>); 3] = [
        ("deleted", None, None),
        ("own comment", Some(own), None),
        ("deactivated", Some(notice()), Some(alice().deactivated())),
    ];
    for (case, notice, user) in cases {
        let mut ports = finding_notice(Ports::new(), notice).writing_nothing();
        if let Some(user) = user {
            ports = ports.finding_user(user);
        }

        let outcome = ports.into_jobs().run(&notice_job()).await;

        assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "{case}: got {outcome:?}");
    }
}

#[tokio::test]
async fn mailer_failures_keep_their_kind() {
    let cases = [
        (MailError::Transient(anyhow::anyhow!("connection refused")), true),
        (MailError::Permanent(anyhow::anyhow!("550 mailbox unavailable")), false),
    ];
    for (error, transient) in cases {
        let mut ports = Ports::new().finding_user(alice().verified());
        let error = Mutex::new(Some(error));
        ports
            .mailer
            .expect_send()
            .times(1)
            .returning(move |_| ready(Err(error.lock().expect("not poisoned").take().expect("called once"))));

        let result = JobHandler::handle(&ports.into_jobs(), &welcome_job()).await;

        match (result, transient) {
            (Err(JobError::Transient(message)), true) => assert!(message.contains("connection refused")),
            (Err(JobError::Permanent(message)), false) => assert!(message.contains("550")),
            (other, _) => panic!("transient={transient}: got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_bad_payload_or_a_foreign_kind_fails_for_good() {
    let jobs = Ports::new().writing_nothing().into_jobs();
    let bad = job(JobKind::WelcomeMail, serde_json::json!({ "user": "alice" }));
    let foreign = job(JobKind::WebhookDelivery, serde_json::json!({}));

    assert!(matches!(jobs.run(&bad).await, Err(JobError::Permanent(_))));
    assert!(matches!(jobs.run(&foreign).await, Err(JobError::Permanent(_))));
}

#[tokio::test]
async fn an_outage_while_reading_is_transient() {
    let mut ports = Ports::new().writing_nothing();
    ports.users.expect_find_by_id().times(1).returning(|_| ready(Err(unavailable())));

    let result = ports.into_jobs().run(&welcome_job()).await;

    assert!(matches!(result, Err(JobError::Transient(_))), "got {result:?}");
}
