//! `folio seed`: fills an empty database with a realistic, reproducible
//! dataset (users, posts, follows, favourites, comments), loaded in bulk.
//!
//! Contract:
//! - The same [`SeedPlan`] gives the same rows, byte for byte, on any machine
//!   (a seeded, portable random source; timestamps fall in 2024 and 2025, not
//!   around "now").
//! - Everything is written in one transaction with `COPY`: either the whole
//!   dataset is there or none of it. As `pg_restore` does, the secondary
//!   indexes and the foreign keys of the loaded tables are dropped first and
//!   made again at the end from their own definitions: building an index once
//!   is much cheaper than growing it row by row, and one join checks a foreign
//!   key for a million rows faster than a million lookups. Every constraint
//!   is checked before the commit; nobody sees the tables in between.
//! - A database that already has accounts is refused unless the caller asks
//!   for [`Existing::Reset`], which empties every account and content table.
//! - Every account shares one password hash, given by the caller, so that
//!   anyone may sign in as any seeded user without paying for 10,000 bcrypt
//!   hashes. `posts.favorites_count` equals the number of `favorites` rows of
//!   each post, as the adapter keeps it.
//! - Afterwards the tables are vacuumed and analysed, so that the planner and
//!   index-only scans see the data as a long-running database would.

mod random;
mod text;
mod words;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bytes::{BufMut as _, Bytes, BytesMut};
use folio_domain::content::values::{Slug, Title};
use futures_util::SinkExt as _;
use secrecy::SecretString;
use tokio_postgres::{CopyInSink, NoTls, Transaction};
use uuid::Uuid;

use self::random::{PowerLaw, Rng, Shuffle};
use self::text::Writer;
use self::words::{FIRST_NAMES, LAST_NAMES, TAG_SUFFIXES, TAG_WORDS, TOPICS};
use crate::error::{DatabaseError, error_chain};
use crate::pool::connect::{describe_target, parse_url};
use crate::pool::database::quote_identifier;

/// How much to make. The defaults are the benchmark's dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedPlan {
    /// Accounts.
    pub users: u32,
    /// Posts: about 94% published, 5% drafts, 1% published then deleted.
    pub posts: u32,
    /// Favourites, on published posts (fewer if there are not enough distinct pairs).
    pub favorites: u32,
    /// Follows (fewer if there are not enough distinct pairs).
    pub follows: u32,
    /// Comments, on published posts.
    pub comments: u32,
    /// The random seed: the same plan makes the same data.
    pub seed: u64,
}

impl Default for SeedPlan {
    fn default() -> Self {
        Self { users: 10_000, posts: 100_000, favorites: 1_000_000, follows: 200_000, comments: 300_000, seed: 1 }
    }
}

/// What to do when the database already has accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Stop with [`SeedError::NotEmpty`].
    Refuse,
    /// Delete every account, session and piece of content first, and the
    /// rows of every table that refers to them (`TRUNCATE ... CASCADE`).
    Reset,
}

/// Progress, reported as the seed goes.
#[derive(Debug, Clone, Copy)]
pub enum SeedProgress {
    /// `done` of `total` rows of `table` are sent.
    Rows {
        /// The table being loaded.
        table: &'static str,
        /// Rows sent so far.
        done: u64,
        /// Rows to send.
        total: u64,
    },
    /// A table is loaded.
    Loaded {
        /// The table.
        table: &'static str,
        /// Its rows.
        rows: u64,
        /// How long it took.
        elapsed: Duration,
    },
    /// A step other than loading a table finished (`rebuilding indexes`, `vacuum and analyse`).
    Step {
        /// What was done.
        what: &'static str,
        /// How long it took.
        elapsed: Duration,
    },
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    /// Accounts.
    pub users: u64,
    /// Posts of every status.
    pub posts: u64,
    /// Published, not deleted posts.
    pub published: u64,
    /// Follows.
    pub follows: u64,
    /// Favourites.
    pub favorites: u64,
    /// Comments.
    pub comments: u64,
}

/// Why seeding failed. Nothing was written unless the error says so.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The database has accounts and the caller did not ask to reset it.
    #[error(
        "the database already has {users} accounts; seed an empty database, or pass --reset to delete \
         every account and all content first"
    )]
    NotEmpty {
        /// How many.
        users: i64,
    },
    /// The plan cannot be made (posts without users, for example).
    #[error("invalid seed plan: {0}")]
    InvalidPlan(&'static str),
    /// The database could not be reached.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// A statement failed; the transaction was rolled back (unless the step
    /// is `vacuum and analyse`, which runs after the commit).
    #[error("could not {action} on {target}: {reason}")]
    Query {
        /// What was being done.
        action: &'static str,
        /// `user@host:port/database`.
        target: String,
        /// The server's reason.
        reason: String,
    },
}

/// Start of the seeded time range: 2024-01-01T00:00:00Z, in milliseconds.
const START_MS: i64 = 1_704_067_200_000;
/// End of the seeded time range: 2026-01-01T00:00:00Z.
const END_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 86_400_000;

/// Flush a `COPY` buffer to the server past this many bytes.
const CHUNK_BYTES: usize = 1 << 20;

/// Independent random streams, one per concern.
mod stream {
    pub(super) const USERS: u64 = 1;
    pub(super) const POSTS: u64 = 2;
    pub(super) const FAVORITES: u64 = 3;
    pub(super) const FOLLOWS: u64 = 4;
    pub(super) const COMMENTS: u64 = 5;
    pub(super) const TEXT: u64 = 6;
    pub(super) const POPULARITY: u64 = 7;
}

/// The tables loaded, parents first.
const TABLES: [&str; 5] = ["users", "posts", "follows", "favorites", "comments"];

/// Fills the database at `url` as `plan` says; every account gets
/// `password_hash` (a hash in the hasher's own format).
///
/// The database must be migrated. `progress` is called as rows are sent and
/// as steps finish.
///
/// # Errors
/// [`SeedError::NotEmpty`] when there are accounts and `existing` is
/// [`Existing::Refuse`]; [`SeedError::InvalidPlan`]; [`SeedError::Database`]
/// when the server cannot be reached; [`SeedError::Query`] when a statement
/// fails (nothing is kept).
pub async fn seed(
    url: &SecretString,
    plan: &SeedPlan,
    password_hash: &str,
    existing: Existing,
    progress: &mut (dyn FnMut(SeedProgress) + Send),
) -> Result<SeedSummary, SeedError> {
    check(plan)?;
    let config = parse_url(url)?;
    let target = describe_target(&config);
    let failed = |action: &'static str| {
        let target = target.clone();
        move |error: tokio_postgres::Error| SeedError::Query { action, target, reason: error_chain(&error) }
    };
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|error| DatabaseError::Connect { target: target.clone(), source: connection_error(&error) })?;
    let driver = tokio::spawn(connection);

    let dataset = Dataset::plan(plan);
    let transaction = client.transaction().await.map_err(failed("begin a transaction"))?;
    // Building indexes wants memory; a lost seed is simply run again, so
    // waiting for the commit to reach the disk buys nothing.
    transaction
        .batch_execute("SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL synchronous_commit = off")
        .await
        .map_err(failed("configure the session"))?;
    let users: i64 =
        transaction.query_one("SELECT count(*) FROM users", &[]).await.map_err(failed("count the accounts"))?.get(0);
    if users > 0 {
        match existing {
            Existing::Refuse => return Err(SeedError::NotEmpty { users }),
            Existing::Reset => transaction
                .batch_execute(
                    "TRUNCATE users, sessions, refresh_tokens, follows, posts, favorites, comments \
                     RESTART IDENTITY CASCADE",
                )
                .await
                .map_err(failed("empty the tables"))?,
        }
    }

    let indexes = secondary_indexes(&transaction).await.map_err(failed("list the secondary indexes"))?;
    for (name, _) in &indexes {
        transaction.batch_execute(&format!("DROP INDEX {name}")).await.map_err(failed("drop a secondary index"))?;
    }
    let foreign_keys = foreign_keys(&transaction).await.map_err(failed("list the foreign keys"))?;
    for key in &foreign_keys {
        transaction.batch_execute(&key.drop()).await.map_err(failed("drop a foreign key"))?;
    }

    let summary = dataset.load(&transaction, password_hash, progress).await.map_err(failed("load the rows"))?;

    let started = Instant::now();
    for (_, definition) in &indexes {
        transaction.batch_execute(definition).await.map_err(failed("rebuild a secondary index"))?;
    }
    progress(SeedProgress::Step { what: "rebuilding indexes", elapsed: started.elapsed() });
    let started = Instant::now();
    for key in &foreign_keys {
        transaction.batch_execute(&key.add()).await.map_err(failed("add and check a foreign key"))?;
    }
    progress(SeedProgress::Step { what: "adding and checking foreign keys", elapsed: started.elapsed() });
    transaction.commit().await.map_err(failed("commit"))?;

    let started = Instant::now();
    client
        .batch_execute(&format!("VACUUM (ANALYZE) {}", TABLES.join(", ")))
        .await
        .map_err(failed("vacuum and analyse"))?;
    progress(SeedProgress::Step { what: "vacuum and analyse", elapsed: started.elapsed() });
    drop(client);
    // The connection ends when the client is dropped; its result adds nothing.
    let _ = driver.await;
    Ok(summary)
}

fn check(plan: &SeedPlan) -> Result<(), SeedError> {
    if plan.users == 0 && (plan.posts > 0 || plan.follows > 0) {
        return Err(SeedError::InvalidPlan("posts and follows need users"));
    }
    if plan.posts == 0 && (plan.favorites > 0 || plan.comments > 0) {
        return Err(SeedError::InvalidPlan("favorites and comments need posts"));
    }
    if plan.users > 100_000_000 || plan.posts > 100_000_000 {
        return Err(SeedError::InvalidPlan("at most 100,000,000 users or posts"));
    }
    Ok(())
}

fn connection_error(error: &tokio_postgres::Error) -> diesel::ConnectionError {
    diesel::ConnectionError::BadConnection(error_chain(error))
}

/// The indexes of the seeded tables that back no constraint, as
/// `(qualified name, CREATE INDEX statement)`.
async fn secondary_indexes(transaction: &Transaction<'_>) -> Result<Vec<(String, String)>, tokio_postgres::Error> {
    let rows = transaction
        .query(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
             FROM pg_index i \
             WHERE i.indrelid = ANY($1::text[]::regclass[]) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
             ORDER BY 1",
            &[&TABLES.to_vec()],
        )
        .await?;
    Ok(rows.into_iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// A foreign key of a seeded table.
#[derive(Debug)]
struct ForeignKey {
    /// The table, as `regclass` prints it (quoted if need be).
    table: String,
    name: String,
    /// `FOREIGN KEY (...) REFERENCES ...`, as `pg_get_constraintdef` prints it.
    definition: String,
}

impl ForeignKey {
    fn drop(&self) -> String {
        format!("ALTER TABLE {} DROP CONSTRAINT {}", self.table, quote_identifier(&self.name))
    }

    fn add(&self) -> String {
        format!("ALTER TABLE {} ADD CONSTRAINT {} {}", self.table, quote_identifier(&self.name), self.definition)
    }
}

async fn foreign_keys(transaction: &Transaction<'_>) -> Result<Vec<ForeignKey>, tokio_postgres::Error> {
    let rows = transaction
        .query(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' AND conrelid = ANY($1::text[]::regclass[]) ORDER BY 1, 2",
            &[&TABLES.to_vec()],
        )
        .await?;
    Ok(rows.into_iter().map(|row| ForeignKey { table: row.get(0), name: row.get(1), definition: row.get(2) }).collect())
}

/// A user as the other tables need them.
#[derive(Debug, Clone, Copy)]
struct UserMeta {
    id: Uuid,
    created: i64,
}

/// A post as the other tables need it.
#[derive(Debug, Clone, Copy)]
struct PostMeta {
    id: Uuid,
    author: u32,
    created: i64,
    published: Option<i64>,
    deleted: Option<i64>,
    /// Indexes into [`TOPICS`]: what the post (and its comments) talk about.
    topics: [u16; 3],
}

impl PostMeta {
    fn is_live_published(&self) -> bool {
        self.published.is_some() && self.deleted.is_none()
    }

    fn topic_words(&self) -> [&'static str; 3] {
        self.topics.map(|t| TOPICS[usize::from(t)])
    }
}

/// Everything but the text, decided before the first row is sent: the
/// favourites counts of posts depend on the favourites, which are loaded
/// after the posts.
#[derive(Debug)]
struct Dataset {
    plan: SeedPlan,
    users: Vec<UserMeta>,
    posts: Vec<PostMeta>,
    /// `(follower << 32) | followee`, sorted.
    follows: Vec<u64>,
    /// `(user << 32) | post`, sorted.
    favorites: Vec<u64>,
    favorites_count: Vec<u32>,
    /// `(created, post, author)`, oldest first (comment ids follow time).
    comments: Vec<(i64, u32, u32)>,
    tags: Vec<String>,
}

/// A UUID v7 for a time in milliseconds, its random bits from `rng`.
fn uuid_v7(rng: &mut Rng, millis: i64) -> Uuid {
    let mut random = [0_u8; 10];
    random[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    random[8..].copy_from_slice(&rng.next_u64().to_le_bytes()[..2]);
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(millis).unwrap_or(0), &random).into_uuid()
}

/// The tag vocabulary, most popular first: topics and kinds of post
/// interleaved, then the remaining topics, then `topic-suffix` combinations,
/// 500 in all.
fn tag_vocabulary() -> Vec<String> {
    const SIZE: usize = 500;
    let mut tags: Vec<String> = Vec::with_capacity(SIZE);
    let mut add = |tag: String| {
        if tags.len() < SIZE && !tags.contains(&tag) {
            tags.push(tag);
        }
    };
    for (i, topic) in TOPICS.iter().enumerate() {
        add((*topic).to_owned());
        if let Some(word) = TAG_WORDS.get(i) {
            add((*word).to_owned());
        }
    }
    for suffix in TAG_SUFFIXES {
        for topic in TOPICS {
            add(format!("{topic}-{suffix}"));
        }
    }
    tags
}

impl Dataset {
    fn plan(plan: &SeedPlan) -> Self {
        let users = Self::users(plan);
        let mut popularity = Rng::new(plan.seed, stream::POPULARITY);
        // Who writes (and is followed) most, and which posts draw readers.
        let user_rank = Shuffle::new(users.len(), &mut popularity);
        let posts = Self::posts(plan, &users, user_rank);
        let published: Vec<u32> =
            (0..posts.len()).filter(|&i| posts[i].is_live_published()).map(|i| i as u32).collect();
        let post_rank = Shuffle::new(published.len(), &mut popularity);
        let follows = Self::follows(plan, users.len(), user_rank);
        let favorites = Self::favorites(plan, users.len(), &published, post_rank);
        let mut favorites_count = vec![0_u32; posts.len()];
        for pair in &favorites {
            favorites_count[(pair & 0xffff_ffff) as usize] += 1;
        }
        let comments = Self::comments(plan, &users, &posts, &published, post_rank);
        Self { plan: *plan, users, posts, follows, favorites, favorites_count, comments, tags: tag_vocabulary() }
    }

    /// Accounts made evenly from six months before the range to a month
    /// before its end, in id order.
    fn users(plan: &SeedPlan) -> Vec<UserMeta> {
        let mut rng = Rng::new(plan.seed, stream::USERS);
        let first = START_MS - 180 * DAY_MS;
        let span = (END_MS - 30 * DAY_MS - first) as f64;
        let n = f64::from(plan.users.max(1));
        (0..plan.users)
            .map(|i| {
                let created = first + (span * (f64::from(i) + rng.unit()) / n) as i64;
                UserMeta { id: uuid_v7(&mut rng, created), created }
            })
            .collect()
    }

    fn posts(plan: &SeedPlan, users: &[UserMeta], user_rank: Shuffle) -> Vec<PostMeta> {
        let mut rng = Rng::new(plan.seed, stream::POSTS);
        // A few prolific authors, a long tail of occasional ones.
        let authors = PowerLaw::new(users.len(), 0.8);
        let topics = PowerLaw::new(TOPICS.len(), 0.9);
        (0..plan.posts)
            .map(|_| {
                let author = user_rank.apply(authors.sample(&mut rng));
                let earliest = users[author].created.max(START_MS) + DAY_MS / 24;
                let at = earliest + rng.below(u64::try_from(END_MS - earliest).unwrap_or(1).max(1)) as i64;
                let kind = rng.below(100);
                let created = (at - rng.exponential(DAY_MS as f64) as i64).max(earliest);
                let (published, deleted) = match kind {
                    0..=4 => (None, None),
                    5 => (Some(at), Some((at + rng.exponential(30.0 * DAY_MS as f64) as i64).min(END_MS))),
                    _ => (Some(at), None),
                };
                let topic = |rng: &mut Rng| topics.sample(rng) as u16;
                PostMeta {
                    id: uuid_v7(&mut rng, created),
                    author: author as u32,
                    created,
                    published,
                    deleted,
                    topics: [topic(&mut rng), topic(&mut rng), topic(&mut rng)],
                }
            })
            .collect()
    }

    /// Out-degrees are exponential around the mean (so some readers follow
    /// fifty or more people); whom they follow is a power law over the same
    /// ranking as authorship, so prolific authors are the followed ones.
    fn follows(plan: &SeedPlan, users: usize, user_rank: Shuffle) -> Vec<u64> {
        if users < 2 || plan.follows == 0 {
            return Vec::new();
        }
        let mut rng = Rng::new(plan.seed, stream::FOLLOWS);
        let most = users as u64 - 1;
        let target = u64::from(plan.follows).min(users as u64 * most);
        let mean = target as f64 / users as f64;
        let mut degrees: Vec<u64> = (0..users).map(|_| (rng.exponential(mean).round() as u64).min(most)).collect();
        let mut sum: u64 = degrees.iter().sum();
        while sum > target {
            let i = rng.index(users);
            if degrees[i] > 0 {
                degrees[i] -= 1;
                sum -= 1;
            }
        }
        while sum < target {
            let i = rng.index(users);
            if degrees[i] < most {
                degrees[i] += 1;
                sum += 1;
            }
        }
        let followees = PowerLaw::new(users, 0.8);
        let mut follows = Vec::with_capacity(target as usize);
        let mut chosen = HashSet::new();
        for (follower, degree) in degrees.into_iter().enumerate() {
            chosen.clear();
            let mut attempts = 0;
            while (chosen.len() as u64) < degree && attempts < degree * 20 + 100 {
                attempts += 1;
                let followee = user_rank.apply(followees.sample(&mut rng));
                if followee != follower {
                    chosen.insert(followee as u64);
                }
            }
            follows.extend(chosen.iter().map(|&followee| ((follower as u64) << 32) | followee));
        }
        follows.sort_unstable();
        follows
    }

    /// Readers are a power law (some favourite a lot), and so are posts, over
    /// the same popularity ranking that comments use.
    fn favorites(plan: &SeedPlan, users: usize, published: &[u32], post_rank: Shuffle) -> Vec<u64> {
        if users == 0 || published.is_empty() {
            return Vec::new();
        }
        let mut rng = Rng::new(plan.seed, stream::FAVORITES);
        let target = u64::from(plan.favorites).min(users as u64 * published.len() as u64) as usize;
        let fans = PowerLaw::new(users, 0.6);
        let favourites = PowerLaw::new(published.len(), 0.9);
        let fan_rank = Shuffle::new(users, &mut rng);
        let mut pairs = HashSet::with_capacity(target);
        let mut attempts = 0;
        while pairs.len() < target && attempts < target * 20 + 1000 {
            attempts += 1;
            let user = fan_rank.apply(fans.sample(&mut rng)) as u64;
            let post = u64::from(published[post_rank.apply(favourites.sample(&mut rng))]);
            pairs.insert((user << 32) | post);
        }
        let mut pairs: Vec<u64> = pairs.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }

    fn comments(
        plan: &SeedPlan,
        users: &[UserMeta],
        posts: &[PostMeta],
        published: &[u32],
        post_rank: Shuffle,
    ) -> Vec<(i64, u32, u32)> {
        if users.is_empty() || published.is_empty() {
            return Vec::new();
        }
        let mut rng = Rng::new(plan.seed, stream::COMMENTS);
        let discussed = PowerLaw::new(published.len(), 0.9);
        let commenters = PowerLaw::new(users.len(), 0.7);
        let commenter_rank = Shuffle::new(users.len(), &mut rng);
        let mut comments: Vec<(i64, u32, u32)> = (0..plan.comments)
            .map(|_| {
                let post = published[post_rank.apply(discussed.sample(&mut rng))];
                let author = commenter_rank.apply(commenters.sample(&mut rng));
                let meta = &posts[post as usize];
                let after = meta.published.unwrap_or(meta.created).max(users[author].created);
                let created = (after + rng.exponential(3.0 * DAY_MS as f64) as i64).min(END_MS.max(after));
                (created, post, author as u32)
            })
            .collect();
        comments.sort_unstable();
        comments
    }

    async fn load(
        &self,
        transaction: &Transaction<'_>,
        password_hash: &str,
        progress: &mut (dyn FnMut(SeedProgress) + Send),
    ) -> Result<SeedSummary, tokio_postgres::Error> {
        let writer = Writer::new();
        let mut text = Rng::new(self.plan.seed, stream::TEXT);

        // Users.
        let mut copy = Copy::start(
            transaction,
            "users",
            "COPY users (id, email, username, password_hash, display_name, bio, image, role, status, \
             created_at, updated_at) FROM STDIN",
            self.users.len(),
        )
        .await?;
        for (i, user) in self.users.iter().enumerate() {
            let (username, display_name) = if i == 0 {
                ("demo".to_owned(), "Demo User".to_owned())
            } else {
                let first = *text.pick(FIRST_NAMES);
                let last = *text.pick(LAST_NAMES);
                let mut display = String::new();
                let capital = |word: &str, out: &mut String| {
                    out.push(word.as_bytes()[0].to_ascii_uppercase() as char);
                    out.push_str(&word[1..]);
                };
                capital(first, &mut display);
                display.push(' ');
                capital(last, &mut display);
                (format!("{first}_{last}{i}"), display)
            };
            let row = copy.row();
            row.uuid(user.id);
            row.text(&format!("{username}@example.com"));
            row.text(&username);
            row.text(password_hash);
            row.text(&display_name);
            if text.chance(0.4) {
                row.text(&writer.bio(&mut text))
            } else {
                row.null()
            }
            if text.chance(0.6) {
                row.text(&format!("https://images.example.com/avatars/{username}.jpg"));
            } else {
                row.null();
            }
            row.text("user");
            row.text("active");
            row.time(user.created);
            row.time(user.created);
            copy.end_row(progress).await?;
        }
        copy.finish(progress).await?;

        // Posts.
        let mut copy = Copy::start(
            transaction,
            "posts",
            "COPY posts (id, slug, title, description, body, tags, status, author_id, favorites_count, \
             created_at, updated_at, published_at, deleted_at) FROM STDIN",
            self.posts.len(),
        )
        .await?;
        let tag_law = PowerLaw::new(self.tags.len(), 1.0);
        let mut slugs: HashSet<String> = HashSet::with_capacity(self.posts.len());
        let mut body = String::new();
        let mut tags: Vec<&str> = Vec::with_capacity(5);
        for (i, post) in self.posts.iter().enumerate() {
            let topics = post.topic_words();
            let title = writer.title(&mut text, &topics);
            let slug = unique_slug(&title, &mut slugs, &mut text);
            body.clear();
            let target = (1400.0 * (0.7 * text.normal()).exp()).clamp(150.0, 30_000.0) as usize;
            writer.body(&mut text, &topics, target, &mut body);
            tags.clear();
            let wanted = match text.below(100) {
                0..=9 => 0,
                10..=29 => 1,
                30..=54 => 2,
                55..=79 => 3,
                80..=91 => 4,
                _ => 5,
            };
            if wanted > 0 && text.chance(0.4) {
                tags.push(topics[0]);
            }
            let mut attempts = 0;
            while tags.len() < wanted && attempts < 50 {
                attempts += 1;
                let tag = self.tags[tag_law.sample(&mut text)].as_str();
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            let last_change = post.published.unwrap_or(post.created).max(post.created);
            let updated = if text.chance(0.1) {
                (last_change + text.exponential(20.0 * DAY_MS as f64) as i64).min(END_MS.max(last_change))
            } else {
                last_change
            };
            let row = copy.row();
            row.uuid(post.id);
            row.text(&slug);
            row.text(&title);
            row.text(&writer.description(&mut text, &topics));
            row.text(&body);
            row.plain_array(&tags);
            row.text(if post.published.is_some() { "published" } else { "draft" });
            row.uuid(self.users[post.author as usize].id);
            row.int(i64::from(self.favorites_count[i]));
            row.time(post.created);
            row.time(updated.max(post.deleted.unwrap_or(updated)));
            row.maybe_time(post.published);
            row.maybe_time(post.deleted);
            copy.end_row(progress).await?;
        }
        copy.finish(progress).await?;

        // Follows.
        let mut rng = Rng::new(self.plan.seed, stream::FOLLOWS ^ 0xff);
        let mut copy = Copy::start(
            transaction,
            "follows",
            "COPY follows (follower_id, followee_id, created_at) FROM STDIN",
            self.follows.len(),
        )
        .await?;
        for pair in &self.follows {
            let (follower, followee) = (&self.users[(pair >> 32) as usize], &self.users[(pair & 0xffff_ffff) as usize]);
            let after = follower.created.max(followee.created);
            let row = copy.row();
            row.uuid(follower.id);
            row.uuid(followee.id);
            row.time((after + rng.exponential(60.0 * DAY_MS as f64) as i64).min(END_MS.max(after)));
            copy.end_row(progress).await?;
        }
        copy.finish(progress).await?;

        // Favourites.
        let mut copy = Copy::start(
            transaction,
            "favorites",
            "COPY favorites (user_id, post_id, created_at) FROM STDIN",
            self.favorites.len(),
        )
        .await?;
        for pair in &self.favorites {
            let user = &self.users[(pair >> 32) as usize];
            let post = &self.posts[(pair & 0xffff_ffff) as usize];
            let after = post.published.unwrap_or(post.created).max(user.created);
            let row = copy.row();
            row.uuid(user.id);
            row.uuid(post.id);
            row.time((after + rng.exponential(30.0 * DAY_MS as f64) as i64).min(END_MS.max(after)));
            copy.end_row(progress).await?;
        }
        copy.finish(progress).await?;

        // Comments.
        let mut copy = Copy::start(
            transaction,
            "comments",
            "COPY comments (post_id, author_id, body, created_at, updated_at) FROM STDIN",
            self.comments.len(),
        )
        .await?;
        for &(created, post, author) in &self.comments {
            let post = &self.posts[post as usize];
            let row = copy.row();
            row.uuid(post.id);
            row.uuid(self.users[author as usize].id);
            row.text(&writer.comment(&mut text, &post.topic_words()));
            row.time(created);
            row.time(created);
            copy.end_row(progress).await?;
        }
        copy.finish(progress).await?;

        Ok(SeedSummary {
            users: self.users.len() as u64,
            posts: self.posts.len() as u64,
            published: self.posts.iter().filter(|p| p.is_live_published()).count() as u64,
            follows: self.follows.len() as u64,
            favorites: self.favorites.len() as u64,
            comments: self.comments.len() as u64,
        })
    }
}

/// The title's own slug if it is free, else with a short random suffix, as
/// the application makes them.
fn unique_slug(title: &str, taken: &mut HashSet<String>, rng: &mut Rng) -> String {
    let base = Title::parse(title).map_or_else(|_| "post".to_owned(), |title| Slug::from_title(&title).to_string());
    let mut slug = base.clone();
    while !taken.insert(slug.clone()) {
        slug = format!("{base}-{:06x}", rng.below(1 << 24));
    }
    slug
}

/// One `COPY ... FROM STDIN` in text format: rows are written into a buffer
/// that is sent to the server a megabyte at a time.
struct Copy {
    table: &'static str,
    sink: std::pin::Pin<Box<CopyInSink<Bytes>>>,
    row: Row,
    done: u64,
    total: u64,
    started: Instant,
}

impl Copy {
    async fn start(
        transaction: &Transaction<'_>,
        table: &'static str,
        statement: &str,
        total: usize,
    ) -> Result<Self, tokio_postgres::Error> {
        let sink = Box::pin(transaction.copy_in(statement).await?);
        Ok(Self {
            table,
            sink,
            row: Row { buffer: BytesMut::with_capacity(CHUNK_BYTES * 2), first: true },
            done: 0,
            total: total as u64,
            started: Instant::now(),
        })
    }

    fn row(&mut self) -> &mut Row {
        &mut self.row
    }

    async fn end_row(&mut self, progress: &mut (dyn FnMut(SeedProgress) + Send)) -> Result<(), tokio_postgres::Error> {
        self.row.buffer.put_u8(b'\n');
        self.row.first = true;
        self.done += 1;
        if self.row.buffer.len() >= CHUNK_BYTES {
            let chunk = self.row.buffer.split().freeze();
            self.sink.as_mut().send(chunk).await?;
        }
        // About ten reports per table.
        let step = (self.total / 10).max(1);
        if self.done.is_multiple_of(step) && self.done < self.total {
            progress(SeedProgress::Rows { table: self.table, done: self.done, total: self.total });
        }
        Ok(())
    }

    async fn finish(mut self, progress: &mut (dyn FnMut(SeedProgress) + Send)) -> Result<(), tokio_postgres::Error> {
        if !self.row.buffer.is_empty() {
            let chunk = self.row.buffer.split().freeze();
            self.sink.as_mut().send(chunk).await?;
        }
        let rows = self.sink.as_mut().finish().await?;
        progress(SeedProgress::Loaded { table: self.table, rows, elapsed: self.started.elapsed() });
        Ok(())
    }
}

/// The fields of one row in `COPY`'s text format: tab-separated, `\N` for
/// NULL, backslash escapes for the characters that would break the format.
struct Row {
    buffer: BytesMut,
    first: bool,
}

impl Row {
    fn separate(&mut self) {
        if !self.first {
            self.buffer.put_u8(b'\t');
        }
        self.first = false;
    }

    fn text(&mut self, value: &str) {
        self.separate();
        for byte in value.bytes() {
            match byte {
                b'\\' => self.buffer.put_slice(b"\\\\"),
                b'\n' => self.buffer.put_slice(b"\\n"),
                b'\r' => self.buffer.put_slice(b"\\r"),
                b'\t' => self.buffer.put_slice(b"\\t"),
                _ => self.buffer.put_u8(byte),
            }
        }
    }

    fn null(&mut self) {
        self.separate();
        self.buffer.put_slice(b"\\N");
    }

    fn uuid(&mut self, id: Uuid) {
        self.separate();
        let mut encoded = Uuid::encode_buffer();
        self.buffer.put_slice(id.hyphenated().encode_lower(&mut encoded).as_bytes());
    }

    fn int(&mut self, value: i64) {
        self.separate();
        let _ = write!(self.buffer, "{value}");
    }

    fn time(&mut self, millis: i64) {
        self.separate();
        match chrono::DateTime::from_timestamp_millis(millis) {
            Some(time) => {
                let _ = write!(self.buffer, "{}", time.format("%Y-%m-%d %H:%M:%S%.3f+00"));
            }
            None => self.buffer.put_slice(b"\\N"),
        }
    }

    fn maybe_time(&mut self, millis: Option<i64>) {
        match millis {
            Some(millis) => self.time(millis),
            None => self.null(),
        }
    }

    /// A `text[]` of words that need no quoting (letters, digits, hyphens;
    /// never `null`).
    fn plain_array(&mut self, items: &[&str]) {
        self.separate();
        self.buffer.put_u8(b'{');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.buffer.put_u8(b',');
            }
            self.buffer.put_slice(item.as_bytes());
        }
        self.buffer.put_u8(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_vocabulary_has_500_distinct_valid_tags() {
        let tags = tag_vocabulary();
        assert_eq!(tags.len(), 500);
        assert_eq!(tags.iter().collect::<HashSet<_>>().len(), 500, "no duplicates");
        for tag in &tags {
            let parsed = folio_domain::content::values::Tag::parse(tag).expect("a valid tag");
            assert_eq!(parsed.as_str(), tag, "already normalised");
            assert!(tag.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{tag}");
            assert_ne!(tag, "null", "would be NULL in an array literal");
        }
    }

    #[test]
    fn the_same_plan_gives_the_same_dataset() {
        let plan = SeedPlan { users: 50, posts: 200, favorites: 1000, follows: 300, comments: 400, seed: 9 };
        let (a, b) = (Dataset::plan(&plan), Dataset::plan(&plan));
        assert_eq!(a.favorites, b.favorites);
        assert_eq!(a.follows, b.follows);
        assert_eq!(a.comments, b.comments);
        assert_eq!(a.posts.iter().map(|p| p.id).collect::<Vec<_>>(), b.posts.iter().map(|p| p.id).collect::<Vec<_>>());
        let other = Dataset::plan(&SeedPlan { seed: 10, ..plan });
        assert_ne!(a.favorites, other.favorites);
    }

    #[test]
    fn pairs_are_distinct_and_favourites_are_counted_per_post() {
        let plan = SeedPlan { users: 30, posts: 100, favorites: 2000, follows: 400, comments: 10, seed: 1 };
        let dataset = Dataset::plan(&plan);
        assert_eq!(dataset.follows.len(), 400);
        assert!(dataset.follows.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        assert!(dataset.follows.iter().all(|pair| pair >> 32 != pair & 0xffff_ffff), "nobody follows themself");
        assert!(dataset.favorites.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        assert_eq!(dataset.favorites_count.iter().map(|&c| u64::from(c)).sum::<u64>(), dataset.favorites.len() as u64);
        for pair in &dataset.favorites {
            assert!(dataset.posts[(pair & 0xffff_ffff) as usize].is_live_published(), "only published posts");
        }
    }

    #[test]
    fn copy_text_escapes_what_would_break_the_format() {
        let mut row = Row { buffer: BytesMut::new(), first: true };
        row.text("a\tb\nc\\d\re");
        row.null();
        row.plain_array(&["rust", "web-dev"]);
        row.time(START_MS);
        assert_eq!(&row.buffer[..], b"a\\tb\\nc\\\\d\\re\t\\N\t{rust,web-dev}\t2024-01-01 00:00:00.000+00");
    }

    #[test]
    fn seeded_text_is_valid_for_the_domain() {
        use folio_domain::content::values::{Body, CommentBody, Description};
        let writer = Writer::new();
        let mut rng = Rng::new(5, 5);
        for _ in 0..200 {
            let topics = ["rust", "postgres", "trade-off"];
            let title = writer.title(&mut rng, &topics);
            Title::parse(&title).unwrap_or_else(|e| panic!("{title:?}: {e}"));
            let description = writer.description(&mut rng, &topics);
            Description::parse(&description).unwrap_or_else(|e| panic!("{description:?}: {e}"));
            let mut body = String::new();
            writer.body(&mut rng, &topics, 2000, &mut body);
            Body::parse(&body).unwrap_or_else(|e| panic!("{body:?}: {e}"));
            let comment = writer.comment(&mut rng, &topics);
            CommentBody::parse(&comment).unwrap_or_else(|e| panic!("{comment:?}: {e}"));
        }
    }
}
