-- The outbox: domain events written in the same transaction as the change
-- that caused them. The relay turns each unhandled event into jobs and sets
-- handled_at in one transaction; handled events are kept for
-- jobs.retention_hours (webhook deliveries read them) and then pruned.
CREATE TABLE outbox_events (
    id uuid CONSTRAINT outbox_events_pkey PRIMARY KEY,
    event_type text NOT NULL,
    -- The event's serde form: {"type": ..., "data": {...}}.
    body jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    handled_at timestamptz
);

-- The relay reads the oldest unhandled events; the index holds only those.
CREATE INDEX outbox_events_pending_idx ON outbox_events (occurred_at, id) WHERE handled_at IS NULL;
CREATE INDEX outbox_events_handled_idx ON outbox_events (handled_at) WHERE handled_at IS NOT NULL;

-- Durable jobs. A worker claims due rows with FOR UPDATE SKIP LOCKED, sets
-- state 'running' and a lease; a running row whose lease expired is due
-- again (its worker died). `attempts` is the fencing token: an outcome is
-- recorded only by the attempt that holds the job.
CREATE TABLE jobs (
    id uuid CONSTRAINT jobs_pkey PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    state text NOT NULL CONSTRAINT jobs_state_check
        CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
    attempts integer NOT NULL DEFAULT 0 CONSTRAINT jobs_attempts_check CHECK (attempts >= 0),
    max_attempts integer NOT NULL CONSTRAINT jobs_max_attempts_check CHECK (max_attempts > 0),
    run_at timestamptz NOT NULL,
    lease_until timestamptz,
    locked_by text,
    last_error text,
    -- At most one job per key, ever (until pruned): relaying an event twice
    -- or two instances scheduling the same tick store one job.
    dedupe_key text CONSTRAINT jobs_dedupe_key_key UNIQUE,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT jobs_lease_check CHECK ((state = 'running') = (lease_until IS NOT NULL))
);

CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_listing_idx ON jobs (state, created_at DESC, id DESC);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_finished_idx ON jobs (updated_at) WHERE state = 'succeeded';
