package viabroker // want package:"uses a broker"

// viabroker imports a package that publishes: it can publish too.

import "apistest/broker"

// Channel is the channel of package broker.
type Channel = broker.Channel
