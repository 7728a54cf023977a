// Package analyzerdoc takes an analyzer's Doc from its package's doc.go, as
// x/tools' analyzers do, so the package documentation and the text txvet
// prints are one text.
//
// doc.go holds the package comment with a section
//
//	# Analyzer NAME
//
//	NAME: title
//
//	explanation...
//
// and the analyzer embeds the file and extracts the section:
//
//	//go:embed doc.go
//	var doc string
//
//	var Analyzer = &analysis.Analyzer{Name: "NAME", Doc: analyzerdoc.Extract(doc, "NAME"), ...}
package analyzerdoc

import (
	"fmt"
	"go/parser"
	"go/token"
	"strings"
)

// Extract returns the title and explanation of the "# Analyzer name"
// section of the package comment in content, the source of a doc.go: the
// title line after "name:", a blank line, then the rest of the section. It
// panics when there is no such section, which the analyzer's tests catch.
func Extract(content, name string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", content, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil || f.Doc == nil {
		panic(fmt.Sprintf("analyzer %s: doc.go has no package comment", name))
	}
	for section := range strings.SplitSeq(f.Doc.Text(), "\n# ") {
		body, ok := strings.CutPrefix(section, "Analyzer "+name+"\n")
		if !ok {
			continue
		}
		doc, ok := strings.CutPrefix(strings.TrimSpace(body), name+":")
		if !ok {
			panic(fmt.Sprintf("analyzer %s: the doc.go section does not start with %q", name, name+": title"))
		}
		return strings.TrimSpace(doc)
	}
	panic(fmt.Sprintf("analyzer %s: doc.go has no %q section", name, "# Analyzer "+name))
}
