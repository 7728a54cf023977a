// Package ignore implements txvet's suppression directive and is the one
// place every txvet analyzer reports through.
//
// A comment
//
//	//txvet:ignore <analyzer> <reason>
//
// on the line of a finding, or alone on the line above it, silences one
// finding of the named analyzer. The reason is required: a directive without
// one silences nothing and is itself reported, and so is a directive that
// silences no finding. Both are reported by the analyzer the directive names,
// when that analyzer calls [Reporter.Finish] at the end of its run.
// Findings in generated files (see [ast.IsGenerated]) are dropped.
//
// Usage inside an analyzer's run function:
//
//	rep := ignore.New(pass)
//	defer rep.Finish()
//	...
//	rep.Report(analysis.Diagnostic{Pos: pos, Message: "..."})
package ignore

import (
	"go/ast"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Prefix is the comment text that starts a directive.
const Prefix = "//txvet:ignore"

type directive struct {
	pos    token.Pos
	reason string
	used   bool
}

type lineKey struct {
	file *token.File
	line int
}

// Reporter reports an analyzer's diagnostics, applying the directives that
// name that analyzer. It is not safe for concurrent use.
type Reporter struct {
	pass       *analysis.Pass
	directives map[lineKey][]*directive
	ordered    []*directive
	generated  map[*token.File]bool
}

// New scans the pass's files for directives naming pass.Analyzer.
func New(pass *analysis.Pass) *Reporter {
	r := &Reporter{
		pass:       pass,
		directives: make(map[lineKey][]*directive),
		generated:  make(map[*token.File]bool),
	}
	name := pass.Analyzer.Name
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.FileStart)
		if tf == nil {
			continue
		}
		if ast.IsGenerated(f) {
			r.generated[tf] = true
			continue
		}
		for _, group := range f.Comments {
			for _, c := range group.List {
				target, reason, ok := parse(c.Text)
				if !ok || target != name {
					continue
				}
				d := &directive{pos: c.Slash, reason: reason}
				k := lineKey{tf, tf.Line(c.Slash)}
				r.directives[k] = append(r.directives[k], d)
				r.ordered = append(r.ordered, d)
			}
		}
	}
	return r
}

// parse splits a comment into the analyzer it names and the reason.
func parse(text string) (analyzer, reason string, ok bool) {
	rest, found := strings.CutPrefix(text, Prefix)
	if !found || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return "", "", false
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", "", false
	}
	return fields[0], strings.Join(fields[1:], " "), true
}

// Report reports d unless it lies in a generated file or a directive with a
// reason on its line or the line above silences it. Each directive silences
// one finding.
func (r *Reporter) Report(d analysis.Diagnostic) {
	tf := r.pass.Fset.File(d.Pos)
	if tf == nil {
		r.pass.Report(d)
		return
	}
	if r.generated[tf] {
		return
	}
	line := tf.Line(d.Pos)
	for _, l := range []int{line, line - 1} {
		for _, dir := range r.directives[lineKey{tf, l}] {
			if !dir.used && dir.reason != "" {
				dir.used = true
				return
			}
		}
	}
	r.pass.Report(d)
}

// Finish reports the directives naming this analyzer that have no reason or
// silenced nothing. Call it once, after the last Report.
func (r *Reporter) Finish() {
	name := r.pass.Analyzer.Name
	for _, dir := range r.ordered {
		switch {
		case dir.reason == "":
			r.pass.Report(analysis.Diagnostic{
				Pos:     dir.pos,
				Message: "txvet:ignore directive for " + name + " needs a reason (//txvet:ignore " + name + " <reason>)",
			})
		case !dir.used:
			r.pass.Report(analysis.Diagnostic{
				Pos:     dir.pos,
				Message: "txvet:ignore directive for " + name + " silences no finding; remove it",
			})
		}
	}
}
