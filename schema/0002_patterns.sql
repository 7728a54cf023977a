-- +goose Up
-- S3: a get-or-create target keyed by a unique token.
CREATE TABLE sessions (
    id         bigserial PRIMARY KEY,
    token      text NOT NULL UNIQUE,
    user_name  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- S4: one state row per (owner, thing), updated or created.
CREATE TABLE owner_states (
    owner      text NOT NULL,
    thing      text NOT NULL,
    state      text NOT NULL,
    version    bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, thing)
);

-- S3: a likes counter.
CREATE TABLE posts (
    id    bigserial PRIMARY KEY,
    title text NOT NULL,
    likes bigint NOT NULL DEFAULT 0
);

-- S3: scraped domains, unique by name.
CREATE TABLE domains (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- S3: a transfer token is unique among transfers not yet executed.
CREATE TABLE transfers (
    id             bigserial PRIMARY KEY,
    token          text NOT NULL,
    amount         bigint NOT NULL,
    execution_time bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX transfers_live_token ON transfers (token) WHERE execution_time = 0;

-- +goose Down
DROP TABLE transfers;
DROP TABLE domains;
DROP TABLE posts;
DROP TABLE owner_states;
DROP TABLE sessions;
