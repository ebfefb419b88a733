//! `folio seed`: the command line around `folio_seed`.
//!
//! Every seeded account gets the same password, [`DEMO_PASSWORD`], hashed once
//! at the configured bcrypt cost: anyone can sign in as any seeded user (for
//! example `demo@example.com`), and seeding does not spend minutes hashing.

use std::io::Write as _;
use std::time::Instant;

use anyhow::Context as _;
use folio_auth::BcryptHasher;
use folio_domain::accounts::ports::PasswordHasher as _;
use folio_domain::accounts::values::Password;
use folio_seed::{Existing, SeedPlan, SeedProgress};

use crate::database::prepare_database;
use crate::settings::Settings;

/// The password of every seeded account. Demo data only: never seed a
/// database that real people use.
pub const DEMO_PASSWORD: &str = "folio-demo-password";

/// Sizes and options of `folio seed`.
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Accounts (the first is `demo`, demo@example.com).
    #[arg(long, default_value_t = 10_000)]
    pub users: u32,
    /// Posts (about 94% published, 5% drafts, 1% deleted).
    #[arg(long, default_value_t = 100_000)]
    pub posts: u32,
    /// Favourites.
    #[arg(long, default_value_t = 1_000_000)]
    pub favorites: u32,
    /// Follows.
    #[arg(long, default_value_t = 200_000)]
    pub follows: u32,
    /// Comments.
    #[arg(long, default_value_t = 300_000)]
    pub comments: u32,
    /// Random seed: the same sizes and seed give the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Delete every account, session and piece of content first. Without it,
    /// a database that has accounts is refused.
    #[arg(long)]
    pub reset: bool,
}

/// Creates (if configured) and migrates the database, then seeds it.
///
/// # Errors
/// When the database cannot be prepared, already has accounts (without
/// `--reset`), or a statement fails.
pub async fn run(settings: &Settings, args: &SeedArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    prepare_database(settings).await?;
    let plan = SeedPlan {
        users: args.users,
        posts: args.posts,
        favorites: args.favorites,
        follows: args.follows,
        comments: args.comments,
        seed: args.seed,
    };
    let hasher = BcryptHasher::new(settings.auth.bcrypt_cost)?;
    let password = Password::parse(DEMO_PASSWORD.to_owned())
        .map_err(|error| anyhow::anyhow!("the demo password is refused by the password policy: {error}"))?;
    let hash = hasher.hash(&password).await.context("cannot hash the demo password")?;

    let mut out = std::io::stdout();
    let _ = writeln!(out, "seeding {plan:?}");
    let mut report = |progress: SeedProgress| {
        let at = started.elapsed().as_secs_f64();
        let _ = match progress {
            SeedProgress::Rows { table, done, total } => {
                writeln!(out, "[{at:6.1} s] {table}: {done}/{total} rows sent")
            }
            SeedProgress::Loaded { table, rows, elapsed } => {
                writeln!(out, "[{at:6.1} s] {table}: {rows} rows loaded in {:.1} s", elapsed.as_secs_f64())
            }
            SeedProgress::Step { what, elapsed } => {
                writeln!(out, "[{at:6.1} s] {what}: {:.1} s", elapsed.as_secs_f64())
            }
        };
    };
    let existing = if args.reset { Existing::Reset } else { Existing::Refuse };
    let summary = folio_seed::seed(&settings.database.url, &plan, hash.as_str(), existing, &mut report).await?;

    let mut out = std::io::stdout();
    writeln!(
        out,
        "seeded {} users, {} posts ({} published), {} follows, {} favourites, {} comments in {:.1} s",
        summary.users,
        summary.posts,
        summary.published,
        summary.follows,
        summary.favorites,
        summary.comments,
        started.elapsed().as_secs_f64()
    )?;
    writeln!(
        out,
        "every seeded account's password is {DEMO_PASSWORD:?} (one bcrypt hash at cost {}, shared by all); \
         sign in as demo@example.com, or any seeded user's e-mail",
        settings.auth.bcrypt_cost
    )?;
    Ok(())
}
