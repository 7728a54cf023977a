package store // want package:"uses a database"

// store imports pgxpool: it can touch the database.

import "github.com/jackc/pgx/v5/pgxpool"

// Pool is the store's pool.
type Pool = pgxpool.Pool
