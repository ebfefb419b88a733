//! [`FileMailer`]: each message as a complete `.eml` file in a folder, for
//! development and tests.
//!
//! A message is written to a hidden temporary file in the folder and then
//! renamed to `<UTC time>-<UUID v7>.eml`: a rename within one folder is
//! atomic, so a reader that lists `*.eml` never sees half a message, and the
//! names are unique and sort in the order the messages were written.

use std::path::{Path, PathBuf};

use chrono::Utc;
use folio_domain::mail::ports::{MailError, MailMessage, Mailer};
use tokio::io::AsyncWriteExt as _;
use uuid::Uuid;

use crate::message::{Sender, build};

/// [`Mailer`] that writes `.eml` files into a folder.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
    sender: Sender,
}

impl FileMailer {
    /// A mailer writing into `dir` (created if missing, at once: this runs
    /// at start-up, so a folder that cannot be created stops it) as `sender`.
    ///
    /// # Errors
    /// When the folder cannot be created.
    pub fn new(dir: impl Into<PathBuf>, sender: Sender) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir, sender })
    }

    /// The folder messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn write(&self, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let id = Uuid::now_v7();
        let name = format!("{}-{}.eml", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"), id.simple());
        let temporary = self.dir.join(format!(".{name}.tmp"));
        let path = self.dir.join(name);
        let written = async {
            let mut file = tokio::fs::File::create(&temporary).await?;
            file.write_all(bytes).await?;
            file.sync_all().await?;
            tokio::fs::rename(&temporary, &path).await
        }
        .await;
        if let Err(error) = written {
            // Best effort: a leftover temporary file is hidden and harmless.
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(error);
        }
        Ok(path)
    }
}

impl Mailer for FileMailer {
    #[tracing::instrument(name = "mail.file.send", skip_all, fields(message_id = %message.id))]
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let bytes = build(&self.sender, message)?.formatted();
        let path = self.write(&bytes).await.map_err(|error| {
            // A full disk or a permission fixed by an operator: worth retrying.
            MailError::Transient(
                anyhow::Error::new(error).context(format!("writing a message into {}", self.dir.display())),
            )
        })?;
        tracing::info!(path = %path.display(), "message written");
        Ok(())
    }
}
