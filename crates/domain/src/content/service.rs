//! [`Content`]: the content use cases over the ports.

use super::model::{Comment, Post, PostSummary, Profile, TagUsage};
use super::ports::{CommentRepository, NewComment, NewPost, PostRepository, PostWriteError, ProfileRepository};
use super::values::{CommentBody, CommentId, PostStatus, Slug, Title};
use super::{
    AuthorSelector, ContentService, ListPostsError, PostDraft, PostError, PostListing, PostUpdate, ProfileError,
};
use crate::accounts::values::{Principal, UserId, Username};
use crate::events::{EventData, NewEvent, PostRef, UserRef};
use crate::pagination::{Page, PageRequest};
use crate::system::{Clock, IdGenerator};

/// How many slugs to try before giving up: the first is the title's own, the
/// others carry a random suffix, so a second collision is already unlikely.
const SLUG_ATTEMPTS: usize = 5;

/// The content use cases, generic over the ports they need.
#[derive(Debug, Clone)]
pub struct Content<P, Po, C, Cl, I> {
    profiles: P,
    posts: Po,
    comments: C,
    clock: Cl,
    ids: I,
}

fn reader_id(reader: Option<&Principal>) -> Option<UserId> {
    reader.map(|principal| principal.user_id)
}

/// Drafts exist only for their author, moderators and admins.
fn can_see(post: &Post, reader: Option<&Principal>) -> bool {
    post.summary.status == PostStatus::Published
        || reader.is_some_and(|r| r.user_id == post.summary.author.id || r.role.can_moderate())
}

fn is_author(post: &Post, principal: &Principal) -> bool {
    post.summary.author.id == principal.user_id
}

fn user_ref(id: UserId, username: &Username) -> UserRef {
    UserRef { id: id.as_uuid(), username: username.as_str().to_owned() }
}

/// `post` as events describe it, with the slug and title it has after a change.
fn post_ref(post: &PostSummary, slug: &Slug, title: &Title) -> PostRef {
    PostRef {
        id: post.id.as_uuid(),
        slug: slug.as_str().to_owned(),
        title: title.as_str().to_owned(),
        author: user_ref(post.author.id, &post.author.username),
    }
}

fn unexpected(error: PostWriteError, action: &str) -> PostError {
    match error {
        PostWriteError::Port(error) => error.into(),
        PostWriteError::NotFound => PostError::NotFound,
        PostWriteError::SlugTaken => PostError::Unknown(anyhow::anyhow!("slug taken while {action}")),
    }
}

impl<P, Po, C, Cl, I> Content<P, Po, C, Cl, I>
where
    P: ProfileRepository,
    Po: PostRepository,
    C: CommentRepository,
    Cl: Clock,
    I: IdGenerator,
{
    /// Builds the service from its ports.
    pub fn new(profiles: P, posts: Po, comments: C, clock: Cl, ids: I) -> Self {
        Self { profiles, posts, comments, clock, ids }
    }

    fn event(&self, data: EventData) -> NewEvent {
        NewEvent { occurred_at: self.clock.now(), data }
    }

    /// The `attempt`-th candidate slug for `base`: itself, then with a random suffix.
    fn candidate(&self, base: &Slug, attempt: usize) -> Slug {
        if attempt == 0 {
            return base.clone();
        }
        // The tail of a UUID v7 is random; six hex digits make a collision
        // between two posts of the same title about one in sixteen million.
        let random = self.ids.new_id().simple().to_string();
        base.with_suffix(&random[random.len() - 6..])
    }

    async fn visible_post(&self, reader: Option<&Principal>, slug: &Slug) -> Result<Post, PostError> {
        self.posts
            .find_by_slug(slug, reader_id(reader))
            .await?
            .filter(|post| can_see(post, reader))
            .ok_or(PostError::NotFound)
    }

    async fn reread(&self, reader: &Principal, slug: &Slug) -> Result<Post, PostError> {
        self.posts
            .find_by_slug(slug, Some(reader.user_id))
            .await?
            // Deleted by someone else between the write and this read.
            .ok_or(PostError::NotFound)
    }

    async fn existing_profile(&self, reader: Option<UserId>, username: &Username) -> Result<Profile, ProfileError> {
        self.profiles.find_profile(username, reader).await?.ok_or(ProfileError::NotFound)
    }

    async fn change_follow(
        &self,
        reader: Principal,
        username: Username,
        follow: bool,
    ) -> Result<Profile, ProfileError> {
        let profile = self.existing_profile(Some(reader.user_id), &username).await?;
        if profile.author.id == reader.user_id {
            return Err(ProfileError::CannotFollowSelf);
        }
        if follow {
            let followed = self.event(EventData::UserFollowed {
                follower: user_ref(reader.user_id, &reader.username),
                followee: user_ref(profile.author.id, &profile.author.username),
            });
            self.profiles.follow(reader.user_id, profile.author.id, self.clock.now(), &[followed]).await?;
        } else {
            self.profiles.unfollow(reader.user_id, profile.author.id).await?;
        }
        self.existing_profile(Some(reader.user_id), &username).await
    }
}

impl<P, Po, C, Cl, I> ContentService for Content<P, Po, C, Cl, I>
where
    P: ProfileRepository,
    Po: PostRepository,
    C: CommentRepository,
    Cl: Clock,
    I: IdGenerator,
{
    async fn profile(&self, reader: Option<Principal>, username: Username) -> Result<Profile, ProfileError> {
        self.existing_profile(reader_id(reader.as_ref()), &username).await
    }

    async fn follow(&self, reader: Principal, username: Username) -> Result<Profile, ProfileError> {
        self.change_follow(reader, username, true).await
    }

    async fn unfollow(&self, reader: Principal, username: Username) -> Result<Profile, ProfileError> {
        self.change_follow(reader, username, false).await
    }

    async fn create_post(&self, author: Principal, draft: PostDraft) -> Result<Post, PostError> {
        let base = Slug::from_title(&draft.title);
        let mut post = NewPost {
            id: super::values::PostId::new(self.ids.new_id()),
            slug: base.clone(),
            author_id: author.user_id,
            created_at: self.clock.now(),
            draft,
        };
        for attempt in 0..SLUG_ATTEMPTS {
            post.slug = self.candidate(&base, attempt);
            let events: Vec<NewEvent> = match post.draft.status {
                PostStatus::Published => vec![self.event(EventData::PostPublished {
                    post: PostRef {
                        id: post.id.as_uuid(),
                        slug: post.slug.as_str().to_owned(),
                        title: post.draft.title.as_str().to_owned(),
                        author: user_ref(author.user_id, &author.username),
                    },
                })],
                PostStatus::Draft => Vec::new(),
            };
            match self.posts.create(&post, &events).await {
                Ok(()) => return self.reread(&author, &post.slug).await,
                Err(PostWriteError::SlugTaken) => {}
                Err(PostWriteError::NotFound) => {
                    return Err(PostError::Unknown(anyhow::anyhow!("store reported a missing post on insert")));
                }
                Err(error) => return Err(unexpected(error, "creating a post")),
            }
        }
        Err(PostError::Unknown(anyhow::anyhow!("no free slug for {base} after {SLUG_ATTEMPTS} attempts")))
    }

    async fn post(&self, reader: Option<Principal>, slug: Slug) -> Result<Post, PostError> {
        self.visible_post(reader.as_ref(), &slug).await
    }

    async fn update_post(&self, editor: Principal, slug: Slug, update: PostUpdate) -> Result<Post, PostError> {
        let post = self.visible_post(Some(&editor), &slug).await?;
        if !is_author(&post, &editor) {
            return Err(PostError::Forbidden);
        }
        if update == PostUpdate::default() {
            return Ok(post);
        }
        // The slug follows the title only when the title's own slug changes;
        // a new title with the same words keeps links working. Compare with the
        // slug of the old title, not with the stored slug: `learning-rust` looks
        // like `learning` plus a uniqueness suffix, yet retitling "Learning Rust"
        // as "Learning" must move the slug.
        let old_base = Slug::from_title(&post.summary.title);
        let new_base =
            update.title.as_ref().map(Slug::from_title).filter(|base| *base != old_base && *base != post.summary.slug);
        let now = self.clock.now();
        // Drafts are nobody else's business: only published posts announce edits.
        let updated = |slug: &Slug, title: &Title| match post.summary.status {
            PostStatus::Published => {
                vec![self.event(EventData::PostUpdated { post: post_ref(&post.summary, slug, title) })]
            }
            PostStatus::Draft => Vec::new(),
        };
        let new_title = update.title.clone().unwrap_or_else(|| post.summary.title.clone());
        let Some(base) = new_base else {
            let events = updated(&slug, &new_title);
            self.posts
                .update(post.summary.id, &update, None, now, &events)
                .await
                .map_err(|e| unexpected(e, "updating a post"))?;
            return self.reread(&editor, &slug).await;
        };
        for attempt in 0..SLUG_ATTEMPTS {
            let candidate = self.candidate(&base, attempt);
            let events = updated(&candidate, &new_title);
            match self.posts.update(post.summary.id, &update, Some(candidate.clone()), now, &events).await {
                Ok(()) => return self.reread(&editor, &candidate).await,
                Err(PostWriteError::SlugTaken) => {}
                Err(error) => return Err(unexpected(error, "updating a post")),
            }
        }
        Err(PostError::Unknown(anyhow::anyhow!("no free slug for {base} after {SLUG_ATTEMPTS} attempts")))
    }

    async fn publish_post(&self, editor: Principal, slug: Slug) -> Result<Post, PostError> {
        let post = self.visible_post(Some(&editor), &slug).await?;
        if !is_author(&post, &editor) {
            return Err(PostError::Forbidden);
        }
        if post.summary.status == PostStatus::Published {
            return Ok(post);
        }
        let published = self
            .event(EventData::PostPublished { post: post_ref(&post.summary, &post.summary.slug, &post.summary.title) });
        self.posts
            .publish(post.summary.id, self.clock.now(), &[published])
            .await
            .map_err(|e| unexpected(e, "publishing"))?;
        self.reread(&editor, &slug).await
    }

    async fn delete_post(&self, actor: Principal, slug: Slug) -> Result<(), PostError> {
        let post = self.visible_post(Some(&actor), &slug).await?;
        if !is_author(&post, &actor) && !actor.role.can_moderate() {
            return Err(PostError::Forbidden);
        }
        let events = match post.summary.status {
            PostStatus::Published => vec![self.event(EventData::PostDeleted {
                post: post_ref(&post.summary, &post.summary.slug, &post.summary.title),
            })],
            PostStatus::Draft => Vec::new(),
        };
        self.posts.delete(post.summary.id, self.clock.now(), &events).await.map_err(|e| unexpected(e, "deleting"))
    }

    async fn list_posts(
        &self,
        reader: Option<Principal>,
        mut listing: PostListing,
    ) -> Result<Page<PostSummary>, ListPostsError> {
        match (&listing.author, listing.status()) {
            (Some(AuthorSelector::Me), _) | (None, PostStatus::Draft) if reader.is_none() => {
                return Err(ListPostsError::SignInRequired);
            }
            // A reader's drafts are their own: drafts without an author are theirs.
            (None, PostStatus::Draft) => listing.author = Some(AuthorSelector::Me),
            (Some(AuthorSelector::Username(_)), PostStatus::Draft) => return Err(ListPostsError::DraftsOfOthers),
            _ => {}
        }
        Ok(self.posts.list(&listing, reader_id(reader.as_ref())).await?)
    }

    async fn feed(&self, reader: Principal, page: PageRequest) -> Result<Page<PostSummary>, ListPostsError> {
        Ok(self.posts.feed(reader.user_id, page).await?)
    }

    async fn favorite(&self, reader: Principal, slug: Slug) -> Result<Post, PostError> {
        let post = self.visible_post(Some(&reader), &slug).await?;
        self.posts.favorite(reader.user_id, post.summary.id, self.clock.now()).await?;
        self.reread(&reader, &slug).await
    }

    async fn unfavorite(&self, reader: Principal, slug: Slug) -> Result<Post, PostError> {
        let post = self.visible_post(Some(&reader), &slug).await?;
        self.posts.unfavorite(reader.user_id, post.summary.id).await?;
        self.reread(&reader, &slug).await
    }

    async fn comments(
        &self,
        reader: Option<Principal>,
        slug: Slug,
        page: PageRequest,
    ) -> Result<Page<Comment>, PostError> {
        let post = self.visible_post(reader.as_ref(), &slug).await?;
        Ok(self.comments.list(post.summary.id, reader_id(reader.as_ref()), page).await?)
    }

    async fn add_comment(&self, author: Principal, slug: Slug, body: CommentBody) -> Result<Comment, PostError> {
        let post = self.visible_post(Some(&author), &slug).await?;
        let id = self.comments.next_id().await?;
        let created = self.event(EventData::CommentCreated {
            comment_id: id.get(),
            post: post_ref(&post.summary, &post.summary.slug, &post.summary.title),
            author: user_ref(author.user_id, &author.username),
            body: body.as_str().to_owned(),
        });
        let comment =
            NewComment { id, post_id: post.summary.id, author_id: author.user_id, body, created_at: self.clock.now() };
        Ok(self.comments.create(&comment, &[created]).await?)
    }

    async fn delete_comment(&self, actor: Principal, slug: Slug, id: CommentId) -> Result<(), PostError> {
        let post = self.visible_post(Some(&actor), &slug).await?;
        let comment = self.comments.find(post.summary.id, id).await?.ok_or(PostError::NotFound)?;
        let allowed = comment.author_id == actor.user_id || is_author(&post, &actor) || actor.role.can_moderate();
        if !allowed {
            return Err(PostError::Forbidden);
        }
        Ok(self.comments.delete(id).await?)
    }

    async fn tags(&self) -> Result<Vec<TagUsage>, ListPostsError> {
        Ok(self.posts.tags_in_use().await?)
    }
}
