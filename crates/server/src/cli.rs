//! The command line: `serve` (default), `worker`, `migrate`, `create-admin`, `seed`, `openapi`.

use std::io::{BufRead as _, Write as _};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use folio_auth::BcryptHasher;
use folio_domain::ValidationErrors;
use folio_domain::accounts::values::{Email, Password, Role, Username};
use folio_domain::accounts::{RegisterError, Registration};

use crate::database::prepare_database;
use crate::settings::Settings;
use crate::startup::Application;
use crate::startup::services::{build_accounts, build_limiter};

/// Folio: a content-platform backend.
#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about = "Folio: a content-platform backend (accounts, posts, feeds) over PostgreSQL."
)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default), with `jobs.workers` background workers.
    Serve,
    /// Run background jobs only (no HTTP): e-mail, webhooks, scheduled clean-up.
    /// Any number may run, on any number of machines, beside `serve`.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI 3.1 document of the native API (/api/v1) as JSON to
    /// standard output. Needs no configuration and no database.
    #[command(name = "openapi")]
    Openapi,
    /// Create an admin account. The password is read from FOLIO_ADMIN_PASSWORD or,
    /// if that is unset, from one line of standard input; never from an argument.
    CreateAdmin {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// The admin's username.
        #[arg(long)]
        username: String,
    },
    /// Fill an empty database with a reproducible demo dataset (also the
    /// benchmark's). Every seeded account's password is the demo password it prints.
    Seed(crate::seed::SeedArgs),
}

impl Cli {
    /// Runs the chosen command.
    ///
    /// # Errors
    /// Whatever stops the command, as one message.
    pub async fn run(self, settings: Settings) -> anyhow::Result<()> {
        match self.command.unwrap_or(Command::Serve) {
            Command::Serve => Application::build(&settings).await?.run().await.context("server failed"),
            Command::Worker => crate::startup::run_worker(&settings).await,
            Command::Migrate => {
                if settings.database.create_if_missing {
                    crate::database::create_if_missing(&settings).await?;
                }
                crate::database::migrate(&settings).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::CreateAdmin { email, username } => create_admin(&settings, &email, &username).await,
            Command::Openapi => print_openapi(),
            Command::Seed(args) => crate::seed::run(&settings, &args).await,
        }
    }
}

/// `folio openapi`: the document, exactly as `GET /api/v1/openapi.json` serves it.
///
/// # Errors
/// When standard output cannot be written.
pub fn print_openapi() -> anyhow::Result<()> {
    writeln!(std::io::stdout(), "{}", folio_http::openapi::to_json()).context("cannot write to standard output")
}

fn read_admin_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("FOLIO_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn describe(errors: &ValidationErrors) -> String {
    errors.errors().iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

async fn create_admin(settings: &Settings, email: &str, username: &str) -> anyhow::Result<()> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", Email::parse(email));
    let username = errors.check("username", Username::parse(username));
    let password = errors.check("password", Password::parse(read_admin_password()?));
    let (Some(email), Some(username), Some(password)) = (email, username, password) else {
        bail!("cannot create the admin: {}", describe(&errors));
    };
    prepare_database(settings).await?;
    let limiter = build_limiter(settings).await?;
    let (accounts, _pool) = build_accounts(settings, &limiter, BcryptHasher::new(settings.auth.bcrypt_cost)?)?;
    let registration = Registration { email, username, password, display_name: None };
    let user = match accounts.create_account(registration, Role::Admin).await {
        Ok(user) => user,
        Err(RegisterError::Validation(errors)) => bail!("cannot create the admin: {}", describe(&errors)),
        Err(RegisterError::EmailTaken) => bail!("cannot create the admin: the email is already registered"),
        Err(RegisterError::UsernameTaken) => bail!("cannot create the admin: the username is already taken"),
        Err(RegisterError::Unknown(error)) => return Err(error.context("cannot create the admin")),
    };
    writeln!(std::io::stdout(), "created admin {} ({}) with id {}", user.username, user.email, user.id)?;
    Ok(())
}
