//! Loading the planned dataset: the rows of every table, their text written
//! as they are sent.

use std::collections::HashSet;

use folio_domain::content::values::{Slug, Title};
use tokio_postgres::Transaction;

use crate::copy::Copy;
use crate::plan::Dataset;
use crate::random::{PowerLaw, Rng};
use crate::text::Writer;
use crate::words::{FIRST_NAMES, LAST_NAMES};
use crate::{DAY_MS, END_MS, SeedProgress, SeedSummary, stream};

impl Dataset {
    pub(crate) async fn load(
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
