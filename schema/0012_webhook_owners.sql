-- +goose Up
-- A subscription belongs to the API token that created it: only that token
-- lists, changes, rotates or deletes it (NULL for subscriptions made before
-- tokens, which no token owns). During a secret rotation the previous
-- secret keeps signing until previous_until, beside the new one.
ALTER TABLE webhook_subscriptions
    ADD COLUMN token_id        uuid REFERENCES api_tokens (id) ON DELETE CASCADE,
    ADD COLUMN previous_secret text,
    ADD COLUMN previous_until  timestamptz;
CREATE INDEX webhook_subscriptions_token ON webhook_subscriptions (token_id);
-- Deliveries are signed the Standard Webhooks way, with "whsec_" secrets
-- whose base64 part is the key. An older secret becomes the key
-- SHA-256(old secret): receivers verify with that secret from now on.
UPDATE webhook_subscriptions
SET secret = 'whsec_' || encode(sha256(convert_to(secret, 'UTF8')), 'base64')
WHERE secret NOT LIKE 'whsec\_%';

-- +goose Down
DROP INDEX webhook_subscriptions_token;
ALTER TABLE webhook_subscriptions
    DROP COLUMN previous_until,
    DROP COLUMN previous_secret,
    DROP COLUMN token_id;
