-- name: DomainAllNames :many
SELECT name FROM domains;

-- name: DomainBulkInsert :exec
-- A multi-row insert without a conflict clause, as bulk_create issues.
INSERT INTO domains (name) SELECT unnest(@names::text[]);
