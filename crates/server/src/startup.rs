//! Wiring: every adapter built from the settings and handed to the services,
//! then the HTTP server.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use anyhow::Context as _;
use folio_auth::{BcryptHasher, JwtIssuer, SystemClock, UuidV7Generator};
use folio_domain::accounts::Accounts;
use folio_domain::content::Content;
use folio_http::HttpSettings;
use folio_postgres::{
    PgCommentRepository, PgPool, PgPostRepository, PgProfileRepository, PgSessionStore, PgUserRepository,
};

use crate::settings::Settings;

/// The account services as the binary builds them.
pub type AccountServices =
    Accounts<PgUserRepository, PgSessionStore, BcryptHasher, JwtIssuer, SystemClock, UuidV7Generator>;

/// The content services as the binary builds them.
pub type ContentServices =
    Content<PgProfileRepository, PgPostRepository, PgCommentRepository, SystemClock, UuidV7Generator>;

/// The services the HTTP adapter calls.
pub struct AppServices {
    accounts: AccountServices,
    content: ContentServices,
    pool: PgPool,
}

impl std::fmt::Debug for AppServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppServices").finish_non_exhaustive()
    }
}

impl folio_http::Services for AppServices {
    type Accounts = AccountServices;
    type UserAdmin = AccountServices;
    type Content = ContentServices;

    fn accounts(&self) -> &Self::Accounts {
        &self.accounts
    }

    fn user_admin(&self) -> &Self::UserAdmin {
        &self.accounts
    }

    fn content(&self) -> &Self::Content {
        &self.content
    }

    async fn ready(&self) -> bool {
        matches!(tokio::time::timeout(Duration::from_secs(2), folio_postgres::ping(&self.pool)).await, Ok(Ok(())))
    }
}

/// Prepares the database as configured: creates it if missing, migrates it.
///
/// # Errors
/// When the database cannot be reached, created or migrated.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<()> {
    if settings.database.create_if_missing {
        folio_postgres::ensure_database_exists(&settings.database.url).await?;
    }
    if settings.database.migrate_on_start {
        folio_postgres::run_migrations(&settings.database.url).await?;
    }
    Ok(())
}

/// Builds the pool and the account services.
///
/// # Errors
/// When the pool or the password hasher cannot be built.
pub fn build_accounts(settings: &Settings) -> anyhow::Result<(AccountServices, PgPool)> {
    let pool = folio_postgres::build_pool(&settings.database.pool())?;
    let hasher = BcryptHasher::new(settings.auth.bcrypt_cost)?;
    let tokens = JwtIssuer::new(&settings.auth.jwt(settings.jwt_secret()));
    let accounts = Accounts::new(
        PgUserRepository::new(pool.clone()),
        PgSessionStore::new(pool.clone()),
        hasher,
        tokens,
        SystemClock,
        UuidV7Generator,
    );
    Ok((accounts, pool))
}

/// A bound, not yet running, server.
pub struct Application {
    server: Server,
    port: u16,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Prepares the database, builds everything and binds the listener.
    ///
    /// # Errors
    /// When the database or the listener cannot be set up.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        prepare_database(settings).await?;
        let (accounts, pool) = build_accounts(settings)?;
        let content = Content::new(
            PgProfileRepository::new(pool.clone()),
            PgPostRepository::new(pool.clone()),
            PgCommentRepository::new(pool.clone()),
            SystemClock,
            UuidV7Generator,
        );
        let services = web::Data::new(AppServices { accounts, content, pool });
        let http = HttpSettings {
            body_limit: settings.server.body_limit_bytes,
            cors: folio_http::CorsSettings { allowed_origins: settings.cors.allowed_origins.clone() },
        };
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener =
            TcpListener::bind(address).with_context(|| format!("cannot listen on {}:{}", address.0, address.1))?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || folio_http::app(services.clone(), http.clone()))
            .shutdown_timeout(settings.server.shutdown_timeout_seconds);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server.listen(listener)?.run();
        tracing::info!("listening on http://{}:{port}", settings.server.host);
        Ok(Self { server, port })
    }

    /// The port actually bound (useful when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
