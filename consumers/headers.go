package consumers

import (
	"encoding/json"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// headersFromJSON turns an outbox row's headers (a JSON object) into AMQP
// headers; nested objects become nested tables.
func headersFromJSON(raw []byte) (amqp.Table, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("decode headers: %w", err)
	}
	if len(fields) == 0 {
		return nil, nil
	}
	table, _ := toAMQP(fields).(amqp.Table)
	if err := table.Validate(); err != nil {
		return nil, fmt.Errorf("headers: %w", err)
	}
	return table, nil
}

func toAMQP(v any) any {
	switch v := v.(type) {
	case map[string]any:
		t := make(amqp.Table, len(v))
		for k, field := range v {
			t[k] = toAMQP(field)
		}
		return t
	case []any:
		for i := range v {
			v[i] = toAMQP(v[i])
		}
		return v
	}
	return v
}
