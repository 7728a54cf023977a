package both // want package:"uses a database and a broker"

// both reaches the database and the broker through its imports.

import (
	"apistest/store"
	"apistest/viabroker"
)

var (
	_ *store.Pool
	_ *viabroker.Channel
)
