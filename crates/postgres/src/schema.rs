//! Diesel's view of the tables, written by hand to match `migrations/`.
//!
//! Keep it in step with the migrations: a column here that the database lacks
//! fails at query time, not at compile time, and the tests are what catch it.

diesel::table! {
    /// Accounts (`00000000000001_create_accounts`).
    users (id) {
        id -> Uuid,
        email -> Text,
        username -> Text,
        password_hash -> Text,
        display_name -> Nullable<Text>,
        bio -> Nullable<Text>,
        image -> Nullable<Text>,
        role -> Text,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        /// `00000000000005_account_tokens`.
        email_verified_at -> Nullable<Timestamptz>,
        notify_on_comment -> Bool,
    }
}

diesel::table! {
    /// Log-in sessions: one refresh-token family each.
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Refresh tokens, by SHA-256 digest.
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Who follows whom (`00000000000002_create_content`).
    follows (follower_id, followee_id) {
        follower_id -> Uuid,
        followee_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Posts, drafts and soft-deleted ones included. The generated `search`
    /// tsvector column is left out: nothing writes it, and the one place that
    /// reads it (the full-text filter and rank) uses SQL fragments with binds.
    posts (id) {
        id -> Uuid,
        slug -> Text,
        title -> Text,
        description -> Text,
        body -> Text,
        tags -> Array<Text>,
        status -> Text,
        author_id -> Uuid,
        favorites_count -> BigInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Who favourited which post.
    favorites (user_id, post_id) {
        user_id -> Uuid,
        post_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Comments on posts; ids are assigned by the database.
    comments (id) {
        id -> BigInt,
        post_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Published, live posts per publication day, kept by triggers
    /// (`00000000000003_list_counts`).
    post_days (day) {
        day -> Integer,
        posts -> Integer,
        /// Published, live posts of all earlier days (`00000000000009_post_days_older`).
        older -> BigInt,
    }
}

diesel::table! {
    /// The number of published, live posts: one row, kept by triggers.
    post_total (singleton) {
        singleton -> Bool,
        posts -> BigInt,
    }
}

diesel::table! {
    /// Published, live posts per tag, kept by triggers.
    tag_counts (tag) {
        tag -> Text,
        posts -> BigInt,
    }
}

diesel::table! {
    /// Domain events written with the change that caused them.
    outbox_events (id) {
        id -> Uuid,
        event_type -> Text,
        body -> Jsonb,
        occurred_at -> Timestamptz,
        handled_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Durable background jobs.
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Single-use verification and password-reset tokens, by SHA-256 digest
    /// (`00000000000005_account_tokens`).
    account_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        purpose -> Text,
        token_hash -> Bytea,
        email -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Webhook endpoints (`00000000000006_webhooks`).
    webhook_endpoints (id) {
        id -> Uuid,
        url -> Text,
        events -> Array<Text>,
        secret -> Text,
        disabled_reason -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        consecutive_failures -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// One event sent (or to be sent) to one webhook endpoint.
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Uuid,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        response_code -> Nullable<Integer>,
        latency_ms -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        last_attempt_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(posts -> users (author_id));
diesel::joinable!(favorites -> posts (post_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
// follows references users twice (follower and followee), so it has no
// joinable!: its joins name their ON clause.

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    refresh_tokens,
    follows,
    posts,
    favorites,
    comments,
    post_days,
    post_total,
    tag_counts,
    outbox_events,
    jobs,
    account_tokens,
    webhook_endpoints,
    webhook_deliveries
);
