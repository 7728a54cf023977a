package golangci_test

import (
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"

	"github.com/lockstep-dev/lockstep/analyzer/golangci"
	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
	"github.com/lockstep-dev/lockstep/analyzer/publishintx"
)

func TestNew(t *testing.T) {
	if _, err := register.GetPlugin("txvet"); err != nil {
		t.Fatalf("importing the package registers no plugin: %v", err)
	}
	tests := []struct {
		name     string
		settings any
		want     string // analyzer names, or the error
	}{
		{"no settings", nil, "getorcreate lostupdate publishintx"},
		{"all on", map[string]any{"lostupdate": true}, "getorcreate lostupdate publishintx"},
		{"one off", map[string]any{"lostupdate": false}, "getorcreate publishintx"},
		{"functions", map[string]any{
			"begin-funcs":   []string{"(*example.com/shop/store.DB).InTx"},
			"publish-funcs": []string{"example.com/shop/events.Send"},
		}, "getorcreate lostupdate publishintx"},
		{"all off", map[string]any{"getorcreate": false, "lostupdate": false, "publishintx": false}, "error: every analyzer is turned off"},
		{"unknown field", map[string]any{"beginfuncs": []string{"a.B"}}, `error: unknown field "beginfuncs"`},
		{"bad name", map[string]any{"begin-funcs": []string{"InTx"}}, `error: begin-funcs: bad function name "InTx"`},
		{"wrong type", map[string]any{"lostupdate": "no"}, "error: cannot unmarshal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := golangci.New(tt.settings)
			var got string
			if err != nil {
				got = "error: " + err.Error()
				if !strings.HasPrefix(tt.want, "error: ") || !strings.Contains(got, strings.TrimPrefix(tt.want, "error: ")) {
					t.Fatalf("New: %v, want %s", err, tt.want)
				}
				return
			}
			if p.GetLoadMode() != register.LoadModeTypesInfo {
				t.Errorf("load mode %q, want %q", p.GetLoadMode(), register.LoadModeTypesInfo)
			}
			as, err := p.BuildAnalyzers()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range as {
				names = append(names, a.Name)
			}
			if got = strings.Join(names, " "); got != tt.want {
				t.Errorf("analyzers %q, want %q", got, tt.want)
			}
		})
	}
	// The function lists reach the analyzers' flags.
	if s := txn.BeginFuncs.String(); !strings.Contains(s, "example.com/shop/store.DB.InTx") {
		t.Errorf("txn.BeginFuncs = %q, want the begin-funcs setting in it", s)
	}
	if s := publishintx.Funcs.String(); !strings.Contains(s, "example.com/shop/events.Send") {
		t.Errorf("publishintx.Funcs = %q, want the publish-funcs setting in it", s)
	}
}
