-- +goose Up
CREATE TYPE job_status AS ENUM ('pending', 'running', 'done', 'failed', 'stopped');
CREATE TYPE task_status AS ENUM ('pending', 'queued', 'processing', 'done', 'failed', 'stopped');

CREATE TABLE jobs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status          job_status NOT NULL DEFAULT 'pending',
    -- A retried POST /jobs with the same key returns the first job.
    idempotency_key text UNIQUE,
    input           jsonb NOT NULL DEFAULT '{}',
    output          jsonb,
    error           text,
    steps_total     integer NOT NULL CHECK (steps_total > 0),
    steps_done      integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE TABLE tasks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id          uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    execution_order integer NOT NULL CHECK (execution_order >= 0),
    handler         text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}',
    status          task_status NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    input           jsonb,
    result          jsonb,
    error           text,
    queued_at       timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    UNIQUE (job_id, execution_order)
);

-- Messages written in the same transaction as the state they announce and
-- published by the relay after commit.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    message_id   uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    exchange     text NOT NULL,
    routing_key  text NOT NULL,
    body         bytea NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Message ids a consumer has already applied; inserted in the same
-- transaction as the state change, so a redelivery is recognised.
CREATE TABLE inbox (
    consumer     text NOT NULL,
    message_id   uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

-- Job events, stored with the change they describe (S2).
CREATE TABLE events (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    type       text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_job ON events (job_id, created_at);

CREATE TABLE webhook_subscriptions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url        text NOT NULL UNIQUE,
    secret     text NOT NULL,
    -- Empty means every event type.
    event_types text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per delivery attempt of an event to a subscription.
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    attempt         integer NOT NULL,
    status_code     integer,
    error           text,
    succeeded       boolean NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, event_id, attempt)
);
-- At most one successful delivery per event and subscription.
CREATE UNIQUE INDEX webhook_deliveries_success ON webhook_deliveries (subscription_id, event_id) WHERE succeeded;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE events;
DROP TABLE inbox;
DROP TABLE outbox;
DROP TABLE tasks;
DROP TABLE jobs;
DROP TYPE task_status;
DROP TYPE job_status;
