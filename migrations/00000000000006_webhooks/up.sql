-- Webhooks: endpoints that admins register, and the log of what was sent to
-- each. Constraints are named so the adapter and the operators can refer to
-- them.

-- An endpoint receives signed POSTs of the public events it subscribes to.
CREATE TABLE webhook_endpoints (
    id uuid CONSTRAINT webhook_endpoints_pkey PRIMARY KEY,
    -- Normalised and checked by the domain (WebhookUrl); the check here only
    -- keeps obviously foreign values out.
    url text NOT NULL CONSTRAINT webhook_endpoints_url_check
        CHECK (char_length(url) BETWEEN 8 AND 2048 AND url ~ '^https?://'),
    -- Public event names only, at least one. A new public event type needs a
    -- migration that widens this list.
    events text[] NOT NULL CONSTRAINT webhook_endpoints_events_check
        CHECK (
            array_ndims(events) = 1
            AND cardinality(events) > 0
            AND array_position(events, NULL) IS NULL
            AND events <@ ARRAY['user.registered', 'post.published', 'post.updated', 'post.deleted',
                                'comment.created', 'user.followed']::text[]
        ),
    -- The HMAC key. Stored in clear because every delivery is signed with
    -- it; the API shows it once, when the endpoint is created.
    secret text NOT NULL CONSTRAINT webhook_endpoints_secret_check CHECK (char_length(secret) >= 32),
    -- Disabled endpoints have both a reason and a time; enabled ones neither.
    disabled_reason text CONSTRAINT webhook_endpoints_disabled_reason_check
        CHECK (disabled_reason IN ('admin', 'failures')),
    disabled_at timestamptz,
    -- Failed attempts since the last success; at webhooks.disable_after_failures
    -- the endpoint is disabled with reason 'failures'.
    consecutive_failures integer NOT NULL DEFAULT 0
        CONSTRAINT webhook_endpoints_consecutive_failures_check CHECK (consecutive_failures >= 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT webhook_endpoints_disabled_check CHECK ((disabled_reason IS NULL) = (disabled_at IS NULL))
);

-- The admin listing: oldest first, ties by id.
CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (created_at, id);
-- The relay: enabled endpoints subscribed to an event type (events @> ARRAY[type]).
CREATE INDEX webhook_endpoints_events_idx ON webhook_endpoints USING gin (events) WHERE disabled_at IS NULL;

-- One row per (endpoint, event): created pending when the event is relayed,
-- updated by every attempt. Its id is the X-Folio-Delivery header, the same
-- on every retry.
CREATE TABLE webhook_deliveries (
    id uuid CONSTRAINT webhook_deliveries_pkey PRIMARY KEY,
    endpoint_id uuid NOT NULL
        CONSTRAINT webhook_deliveries_endpoint_id_fkey REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The outbox event. No foreign key: handled outbox rows are pruned on
    -- their own schedule, and the log outlives them.
    event_id uuid NOT NULL,
    event_type text NOT NULL CONSTRAINT webhook_deliveries_event_type_check
        CHECK (event_type IN ('user.registered', 'post.published', 'post.updated', 'post.deleted',
                              'comment.created', 'user.followed')),
    status text NOT NULL CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0),
    -- The latest attempt: the receiver's status (if it answered), how long it
    -- took, and why it failed (or why the delivery was given up).
    response_code integer CONSTRAINT webhook_deliveries_response_code_check
        CHECK (response_code BETWEEN 100 AND 999),
    latency_ms integer CONSTRAINT webhook_deliveries_latency_ms_check CHECK (latency_ms >= 0),
    last_error text,
    created_at timestamptz NOT NULL,
    last_attempt_at timestamptz,
    updated_at timestamptz NOT NULL,
    -- Relaying an event twice stores one delivery per endpoint (ON CONFLICT
    -- DO NOTHING); also how a job finds its delivery.
    CONSTRAINT webhook_deliveries_endpoint_event_key UNIQUE (endpoint_id, event_id)
);

-- An endpoint's delivery log: newest first, ties by id.
CREATE INDEX webhook_deliveries_listing_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- Pruning finished deliveries by age.
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (created_at) WHERE status <> 'pending';
