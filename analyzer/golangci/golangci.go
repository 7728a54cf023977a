// Package golangci makes txvet a golangci-lint v2 module plugin named
// "txvet". Importing it registers the plugin; `golangci-lint custom` builds a
// golangci-lint that imports it (see the README's CI section).
//
// Settings, all optional (unknown ones are rejected):
//
//	begin-funcs:   [pkg.Func, (*pkg.T).Method]  as txvet's -txvet.beginfuncs
//	publish-funcs: [pkg.Func]                   as txvet's -publishintx.funcs
//	getorcreate:   false                        turn one check off (each is on by default)
//	lostupdate:    false
//	publishintx:   false
package golangci

import (
	"fmt"
	"strings"
	"sync"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
	"github.com/lockstep-dev/lockstep/analyzer/publishintx"
	"github.com/lockstep-dev/lockstep/analyzer/suite"
)

func init() {
	register.Plugin("txvet", New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	BeginFuncs   []string `json:"begin-funcs"`
	PublishFuncs []string `json:"publish-funcs"`
	Getorcreate  *bool    `json:"getorcreate"`
	Lostupdate   *bool    `json:"lostupdate"`
	Publishintx  *bool    `json:"publishintx"`
}

// plugin is txvet as golangci-lint sees it.
type plugin struct {
	analyzers []*analysis.Analyzer
}

// configureMu serialises New's writes to the function sets, which are
// package-level flag values the analyzers read while they run.
var configureMu sync.Mutex

// New decodes the settings and applies the function lists to the analyzers.
// golangci-lint calls it while loading its configuration, before any package
// is analysed, so every package is analysed with the same sets and the
// analyzers only ever read them. The sets only grow: a second New adds to
// them.
func New(raw any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](raw)
	if err != nil {
		return nil, fmt.Errorf("txvet settings: %w", err)
	}
	configureMu.Lock()
	defer configureMu.Unlock()
	for _, set := range []struct {
		key   string
		names []string
		into  txn.FuncSet
	}{
		{"begin-funcs", s.BeginFuncs, txn.BeginFuncs},
		{"publish-funcs", s.PublishFuncs, publishintx.Funcs},
	} {
		if err := set.into.Set(strings.Join(set.names, ",")); err != nil {
			return nil, fmt.Errorf("txvet settings: %s: %w", set.key, err)
		}
	}
	on := map[string]*bool{"getorcreate": s.Getorcreate, "lostupdate": s.Lostupdate, "publishintx": s.Publishintx}
	p := &plugin{}
	for _, a := range suite.Analyzers {
		if enabled, ok := on[a.Name]; !ok || enabled == nil || *enabled {
			p.analyzers = append(p.analyzers, a)
		}
	}
	if len(p.analyzers) == 0 {
		return nil, fmt.Errorf("txvet settings: every analyzer is turned off")
	}
	return p, nil
}

// BuildAnalyzers returns the analyzers the settings leave on.
func (p *plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return p.analyzers, nil
}

// GetLoadMode asks for type information: the analyzers follow values
// through SSA and pass facts between packages.
func (p *plugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}
