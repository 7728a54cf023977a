package consumers

import (
	"testing"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/message"
)

// A consumer's message decoding never panics, and what it accepts has the
// ids its consumer needs.
func FuzzDecodeMessages(f *testing.F) {
	id := uuid.NewString()
	for _, seed := range []string{
		``, `{`, `null`, `[]`, `{"task_id": "` + id + `", "job_id": "` + id + `"}`,
		`{"task_id": "not-a-uuid"}`, `{"task_id": "00000000-0000-0000-0000-000000000000"}`, "\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if m, err := decodeMessage(body, validateTask); err == nil && m.TaskID == uuid.Nil {
			t.Fatalf("task message %q accepted without a task id", body)
		}
		if m, err := decodeMessage(body, validateResult); err == nil && (m.TaskID == uuid.Nil || m.JobID == uuid.Nil) {
			t.Fatalf("result message %q accepted without its ids", body)
		}
		_, _ = decodeMessage[message.Event](body, func(message.Event) error { return nil })
	})
}
