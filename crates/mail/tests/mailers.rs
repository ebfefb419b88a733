//! The mailers against a real folder and a fake SMTP relay, and the domain's
//! mail jobs writing real `.eml` files, read back as a mail client would.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use folio_auth::HmacAccountTokenKeys;
use folio_domain::accounts::model::{User, UserSettings};
use folio_domain::accounts::ports::MockUserRepository;
use folio_domain::accounts::values::{AccountStatus, DisplayName, Email, Role, UserId, Username};
use folio_domain::content::values::{CommentBody, PostId, Slug, Title};
use folio_domain::jobs::model::ClaimedJob;
use folio_domain::jobs::ports::JobHandler;
use folio_domain::jobs::values::{JobId, JobKind};
use folio_domain::mail::ports::{
    AccountTokenKeys, CommentNotice, MailError, MailMessage, Mailer, MockAccountTokenRepository, MockCommentNotices,
    NewAccountToken,
};
use folio_domain::mail::values::{AccountToken, PublicBaseUrl};
use folio_domain::mail::{MailJobs, MailPolicy};
use folio_domain::system::MockClock;
use folio_mail::{FileMailer, Sender, SmtpMailer, SmtpSettings, SmtpTls};
use mailparse::{MailHeaderMap, ParsedMail};
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use uuid::Uuid;

/// A fresh folder under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("folio-mail-test-{}", Uuid::now_v7().simple())))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sender() -> Sender {
    Sender::parse("Folio <no-reply@folio.example.com>").expect("a valid sender")
}

fn message() -> MailMessage {
    MailMessage {
        id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_00aa),
        to: Email::parse("alice@example.com").expect("valid"),
        to_name: Some("Alice Liddell".to_owned()),
        subject: "Café & croissants".to_owned(),
        text: "Hello Alice,\n\nopen https://folio.example.com/verify-email?token=abc.def\n".to_owned(),
        html:
            "<p>Hello &lt;Alice&gt;,</p><p><a href=\"https://folio.example.com/verify-email?token=abc.def\">go</a></p>"
                .to_owned(),
    }
}

/// The `.eml` files in `dir`, sorted by name; panics on anything else but
/// files that are being written (hidden temporary files are not expected
/// once `send` returned).
fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("the folder exists").map(|entry| entry.expect("readable").path()).collect();
    files.sort();
    for file in &files {
        assert_eq!(file.extension().and_then(|e| e.to_str()), Some("eml"), "only .eml files remain: {file:?}");
    }
    files
}

/// The text and HTML parts of a `multipart/alternative` message, decoded.
fn parts(mail: &ParsedMail<'_>) -> (String, String) {
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    assert_eq!(mail.subparts.len(), 2, "a text and an HTML part");
    assert_eq!(mail.subparts[0].ctype.mimetype, "text/plain");
    assert_eq!(mail.subparts[1].ctype.mimetype, "text/html", "HTML last: clients prefer the last part");
    (mail.subparts[0].get_body().expect("decodable"), mail.subparts[1].get_body().expect("decodable"))
}

#[tokio::test]
async fn the_file_mailer_writes_each_message_as_a_complete_eml_file() {
    // Arrange
    let dir = TempDir::new();
    let mailer = FileMailer::new(dir.0.join("nested"), sender()).expect("the folder is created");

    // Act
    mailer.send(&message()).await.expect("written");
    mailer.send(&message()).await.expect("written again");

    // Assert
    let files = eml_files(mailer.dir());
    assert_eq!(files.len(), 2, "unique names, nothing overwritten");
    let raw = std::fs::read(&files[0]).expect("readable");
    let mail = mailparse::parse_mail(&raw).expect("an RFC 5322 message");
    let headers = mail.get_headers();
    assert_eq!(headers.get_first_value("Subject").as_deref(), Some("Café & croissants"));
    assert_eq!(headers.get_first_value("From").as_deref(), Some("Folio <no-reply@folio.example.com>"));
    assert_eq!(headers.get_first_value("To").as_deref(), Some("\"Alice Liddell\" <alice@example.com>"));
    assert_eq!(
        headers.get_first_value("Message-ID").as_deref(),
        Some("<01920000-0000-7000-8000-0000000000aa@folio.example.com>")
    );
    assert!(headers.get_first_value("Date").is_some());
    let (text, html) = parts(&mail);
    assert_eq!(text.replace("\r\n", "\n"), message().text);
    assert!(html.contains("href=\"https://folio.example.com/verify-email?token=abc.def\""), "{html}");
}

#[tokio::test]
async fn the_file_mailer_reports_an_unwritable_folder_as_transient() {
    let dir = TempDir::new();
    let mailer = FileMailer::new(&dir.0, sender()).expect("the folder is created");
    std::fs::remove_dir_all(&dir.0).expect("removed");

    let result = mailer.send(&message()).await;

    assert!(matches!(result, Err(MailError::Transient(_))), "got {result:?}");
}

// ----------------------------------------------------------------------------
// SMTP, against a fake relay
// ----------------------------------------------------------------------------

/// A minimal SMTP server on a free local port: answers `rcpt_reply` to
/// `RCPT TO` and records every message it accepts.
async fn fake_relay(rcpt_reply: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake.relay ESMTP\r\n").await.expect("greeting");
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &str = if command.starts_with("EHLO") || command.starts_with("HELO") {
                        "250 fake.relay"
                    } else if command.starts_with("MAIL FROM") || command.starts_with("RSET") {
                        "250 ok"
                    } else if command.starts_with("RCPT TO") {
                        rcpt_reply
                    } else if command.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.expect("reply");
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        log.lock().expect("not poisoned").push(data);
                        "250 queued"
                    } else if command.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        "250 ok"
                    };
                    if write.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

fn smtp(port: u16) -> SmtpMailer {
    let settings = SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        timeout: Duration::from_secs(5),
    };
    SmtpMailer::new(&settings, sender()).expect("valid settings")
}

#[tokio::test]
async fn the_smtp_mailer_hands_the_message_to_the_relay() {
    let (port, received) = fake_relay("250 ok").await;

    smtp(port).send(&message()).await.expect("delivered");

    let received = received.lock().expect("not poisoned").clone();
    assert_eq!(received.len(), 1);
    let mail = mailparse::parse_mail(received[0].as_bytes()).expect("an RFC 5322 message");
    assert_eq!(mail.get_headers().get_first_value("Subject").as_deref(), Some("Café & croissants"));
    let (text, _) = parts(&mail);
    assert!(text.contains("verify-email?token=abc.def"));
}

#[tokio::test]
async fn smtp_refusals_are_permanent_for_5xx_and_transient_otherwise() {
    let (refusing, _) = fake_relay("550 no such mailbox").await;
    let (busy, _) = fake_relay("451 try again later").await;
    // A port nothing listens on (bound, then released).
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("a free port").local_addr().expect("bound").port();

    let refused = smtp(refusing).send(&message()).await;
    let deferred = smtp(busy).send(&message()).await;
    let unreachable = smtp(closed).send(&message()).await;

    assert!(matches!(refused, Err(MailError::Permanent(_))), "550: {refused:?}");
    assert!(matches!(deferred, Err(MailError::Transient(_))), "451: {deferred:?}");
    assert!(matches!(unreachable, Err(MailError::Transient(_))), "refused connection: {unreachable:?}");
}

#[tokio::test]
async fn smtp_settings_with_tls_build_without_connecting() {
    for tls in [SmtpTls::StartTls, SmtpTls::Tls] {
        let settings = SmtpSettings {
            host: "smtp.example.com".to_owned(),
            port: 587,
            tls,
            username: Some("folio".to_owned()),
            password: Some(SecretString::from("hunter2".to_owned())),
            timeout: Duration::from_secs(10),
        };
        let mailer = SmtpMailer::new(&settings, sender()).expect("valid settings");
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }
}

// ----------------------------------------------------------------------------
// The domain's mail jobs, into a folder
// ----------------------------------------------------------------------------

const BASE: &str = "https://folio.example.com";

fn alice() -> User {
    User {
        id: UserId::new(Uuid::from_u128(0xa11ce)),
        email: Email::parse("alice@example.com").expect("valid"),
        username: Username::parse("alice").expect("valid"),
        display_name: Some(DisplayName::parse("Alice \"Al\" <Liddell>").expect("valid")),
        bio: None,
        image: None,
        role: Role::User,
        status: AccountStatus::Active,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        email_verified_at: None,
        settings: UserSettings::default(),
    }
}

type Jobs = MailJobs<
    MockUserRepository,
    MockAccountTokenRepository,
    HmacAccountTokenKeys,
    MockCommentNotices,
    FileMailer,
    MockClock,
>;

fn keys() -> HmacAccountTokenKeys {
    HmacAccountTokenKeys::from_server_secret(&SecretString::from("test-secret".to_owned()))
}

async fn jobs(
    dir: &TempDir,
    users: MockUserRepository,
    tokens: MockAccountTokenRepository,
    notices: MockCommentNotices,
) -> Jobs {
    let mut clock = MockClock::new();
    clock.expect_now().returning(Utc::now);
    let mailer = FileMailer::new(&dir.0, sender()).expect("the folder is created");
    let policy = MailPolicy::new(PublicBaseUrl::parse(BASE).expect("valid"));
    MailJobs::new(users, tokens, keys(), notices, mailer, clock, policy)
}

fn finding(user: User) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    users.expect_find_by_id().returning(move |_| {
        let user = user.clone();
        Box::pin(async move { Ok(Some(user)) })
    });
    users
}

fn only_message(dir: &TempDir) -> Vec<u8> {
    let files = eml_files(&dir.0);
    assert_eq!(files.len(), 1, "one message");
    std::fs::read(&files[0]).expect("readable")
}

#[tokio::test]
async fn the_welcome_job_writes_an_eml_whose_link_is_the_stored_token() {
    // Arrange
    let dir = TempDir::new();
    let stored: Arc<Mutex<Option<NewAccountToken>>> = Arc::default();
    let log = Arc::clone(&stored);
    let mut tokens = MockAccountTokenRepository::new();
    tokens.expect_store().times(1).returning(move |token, _| {
        *log.lock().expect("not poisoned") = Some(token.clone());
        Box::pin(async { Ok(()) })
    });
    let jobs = jobs(&dir, finding(alice()), tokens, MockCommentNotices::new()).await;
    let job = ClaimedJob {
        id: JobId::new(Uuid::now_v7()),
        kind: JobKind::WelcomeMail,
        payload: serde_json::json!({ "userId": alice().id.as_uuid() }),
        attempt: 1,
        max_attempts: 5,
    };

    // Act
    jobs.handle(&job).await.expect("the job succeeds");

    // Assert
    let raw = only_message(&dir);
    let mail = mailparse::parse_mail(&raw).expect("an RFC 5322 message");
    let headers = mail.get_headers();
    let to = headers.get_first_header("To").expect("a To header");
    let to = mailparse::addrparse_header(to).expect("a mailbox list");
    let [mailparse::MailAddr::Single(to)] = &to[..] else { panic!("one mailbox: {to:?}") };
    let name = to.display_name.as_deref();
    assert_eq!((name, to.addr.as_str()), (Some("Alice \"Al\" <Liddell>"), "alice@example.com"), "quoted, not injected");
    let (text, html) = parts(&mail);
    let prefix = format!("{BASE}/verify-email?token=");
    let start = text.find(&prefix).expect("the text part has the link") + prefix.len();
    let token: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(html.contains(&format!("{prefix}{token}")), "the HTML part has the same link");
    assert!(html.contains("Hi Alice &quot;Al&quot; &lt;Liddell&gt;,"), "the name is escaped: {html}");
    let stored = stored.lock().expect("not poisoned").clone().expect("a token was stored");
    assert_eq!(stored.id.as_uuid(), job.id.as_uuid());
    assert_eq!(keys().digest(&AccountToken::new(token)), stored.hash, "the link carries the stored token");
}

#[tokio::test]
async fn the_comment_notice_writes_an_eml_with_the_comment_escaped_in_html() {
    // Arrange
    let dir = TempDir::new();
    let bob = UserId::new(Uuid::from_u128(0xb0b));
    let mut notices = MockCommentNotices::new();
    notices.expect_comment_notice().returning(move |id| {
        let notice = CommentNotice {
            comment_id: id,
            body: CommentBody::parse("<script>alert('hi')</script> & more").expect("valid"),
            commenter_id: bob,
            commenter: Username::parse("bob").expect("valid"),
            post_id: PostId::new(Uuid::now_v7()),
            post_title: Title::parse("Tips & <tricks>").expect("valid"),
            post_slug: Slug::parse("tips-tricks").expect("valid"),
            post_author_id: alice().id,
        };
        Box::pin(async move { Ok(Some(notice)) })
    });
    let jobs = jobs(&dir, finding(alice()), MockAccountTokenRepository::new(), notices).await;
    let job = ClaimedJob {
        id: JobId::new(Uuid::now_v7()),
        kind: JobKind::CommentNoticeMail,
        payload: serde_json::json!({ "commentId": 7, "recipientId": alice().id.as_uuid() }),
        attempt: 1,
        max_attempts: 5,
    };

    // Act
    jobs.handle(&job).await.expect("the job succeeds");

    // Assert
    let raw = only_message(&dir);
    let mail = mailparse::parse_mail(&raw).expect("an RFC 5322 message");
    assert_eq!(mail.get_headers().get_first_value("Subject").as_deref(), Some("bob commented on \"Tips & <tricks>\""));
    let (text, html) = parts(&mail);
    assert!(text.contains("> <script>alert('hi')</script> & more"), "text: {text}");
    assert!(html.contains("&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; more"), "html: {html}");
    assert!(!html.contains("<script>"), "no markup from users in the HTML part");
    assert!(html.contains("Tips &amp; &lt;tricks&gt;"));
    assert!(html.contains(&format!("href=\"{BASE}/posts/tips-tricks\"")));
}
