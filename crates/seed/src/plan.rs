//! The dataset's plan: everything but the text, decided before the first row
//! is sent (who follows and favourites what, when each post is published),
//! from the seeded random streams.

use std::collections::HashSet;

use uuid::Uuid;

use crate::random::{PowerLaw, Rng, Shuffle};
use crate::words::{TAG_SUFFIXES, TAG_WORDS, TOPICS};
use crate::{DAY_MS, END_MS, START_MS, SeedPlan, stream};

/// A user as the other tables need them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserMeta {
    pub(crate) id: Uuid,
    pub(crate) created: i64,
}

/// A post as the other tables need it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PostMeta {
    pub(crate) id: Uuid,
    pub(crate) author: u32,
    pub(crate) created: i64,
    pub(crate) published: Option<i64>,
    pub(crate) deleted: Option<i64>,
    /// Indexes into [`TOPICS`]: what the post (and its comments) talk about.
    pub(crate) topics: [u16; 3],
}

impl PostMeta {
    pub(crate) fn is_live_published(&self) -> bool {
        self.published.is_some() && self.deleted.is_none()
    }

    pub(crate) fn topic_words(&self) -> [&'static str; 3] {
        self.topics.map(|t| TOPICS[usize::from(t)])
    }
}

/// Everything but the text, decided before the first row is sent: the
/// favourites counts of posts depend on the favourites, which are loaded
/// after the posts.
#[derive(Debug)]
pub(crate) struct Dataset {
    pub(crate) plan: SeedPlan,
    pub(crate) users: Vec<UserMeta>,
    pub(crate) posts: Vec<PostMeta>,
    /// `(follower << 32) | followee`, sorted.
    pub(crate) follows: Vec<u64>,
    /// `(user << 32) | post`, sorted.
    pub(crate) favorites: Vec<u64>,
    pub(crate) favorites_count: Vec<u32>,
    /// `(created, post, author)`, oldest first (comment ids follow time).
    pub(crate) comments: Vec<(i64, u32, u32)>,
    pub(crate) tags: Vec<String>,
}

/// A UUID v7 for a time in milliseconds, its random bits from `rng`.
pub(crate) fn uuid_v7(rng: &mut Rng, millis: i64) -> Uuid {
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
    pub(crate) fn plan(plan: &SeedPlan) -> Self {
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
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

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
}
