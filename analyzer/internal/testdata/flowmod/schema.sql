CREATE TABLE accounts (
    id      bigserial PRIMARY KEY,
    owner   text   NOT NULL UNIQUE,
    balance bigint NOT NULL DEFAULT 0
);

CREATE TABLE entries (
    id         bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    key        text   NOT NULL UNIQUE,
    amount     bigint NOT NULL
);
