package broker // want package:"uses a broker"

// broker imports the broker client: it can publish.

import amqp "github.com/rabbitmq/amqp091-go"

// Channel is the broker channel the package publishes on.
type Channel = amqp.Channel
