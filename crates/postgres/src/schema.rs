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

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(users, sessions, refresh_tokens);
