-- Account e-mail: verified addresses, the comment-notice setting, and the
-- single-use tokens that verification and password-reset links carry.

-- When the owner proved they read mail at the current address; NULL until
-- then, and again after the address changes (the adapter clears it).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Mail me when someone comments on my posts. On by default, for existing
-- accounts too.
ALTER TABLE users ADD COLUMN notify_on_comment boolean NOT NULL DEFAULT true;

-- A token is `<id>.<secret>` where the secret is a keyed MAC of the id: only
-- its SHA-256 digest is stored, so the table grants nothing on its own, and
-- events and jobs can name a token by id without carrying it. A token is live
-- while unused and unexpired; spending it is an atomic
-- UPDATE ... WHERE used_at IS NULL AND expires_at > now.
CREATE TABLE account_tokens (
    id uuid CONSTRAINT account_tokens_pkey PRIMARY KEY,
    user_id uuid NOT NULL
        CONSTRAINT account_tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL
        CONSTRAINT account_tokens_purpose_check CHECK (purpose IN ('verify_email', 'reset_password')),
    -- 32 bytes is a SHA-256 digest; it also keeps a raw token from being
    -- stored by mistake.
    token_hash bytea NOT NULL
        CONSTRAINT account_tokens_token_hash_key UNIQUE
        CONSTRAINT account_tokens_token_hash_length CHECK (octet_length(token_hash) = 32),
    -- The address the link was sent to: the token works only while the
    -- account still has it.
    email text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    -- When it was spent, or voided (a successful reset voids the account's
    -- other reset tokens).
    used_at timestamptz,
    CONSTRAINT account_tokens_lifetime_check CHECK (expires_at > created_at)
);

-- The ON DELETE CASCADE, and voiding a user's unused reset tokens.
CREATE INDEX account_tokens_user_id_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL;
-- The scheduled purge of expired tokens.
CREATE INDEX account_tokens_expires_at_idx ON account_tokens (expires_at);
