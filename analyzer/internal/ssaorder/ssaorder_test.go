package ssaorder_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// src marks the instructions of interest as calls of functions named for
// them: read, write, and the stores s1, s2, s3 that may stand between.
const src = `package p

func read()  {}
func write() {}
func s1()    {}
func s2()    {}
func s3()    {}

func ifElse(c bool) {
	read()
	if c {
		s1()
	} else {
		s2()
	}
	write()
}

func ifOnly(c bool) {
	read()
	if c {
		s1()
	}
	write()
}

func switchDefault(n int) {
	read()
	switch n {
	case 0:
		s1()
	case 1:
		s2()
	default:
		s3()
	}
	write()
}

func switchNoDefault(n int) {
	read()
	switch n {
	case 0:
		s1()
	case 1:
		s2()
	}
	write()
}

func earlyReturn(c bool) {
	read()
	if c {
		s1()
		return
	}
	write()
}

func loopBody(n int) {
	read()
	for i := 0; i < n; i++ {
		s1()
	}
	write()
}

func loopBack(n int) {
	read()
	for i := 0; i < n; i++ {
		write()
		s1()
	}
}

func sameBlock() {
	read()
	s1()
	write()
}
`

func TestReachableAvoiding(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := ssautil.BuildPackage(&types.Config{}, fset, types.NewPackage("p", ""), []*ast.File{f}, ssa.SanityCheckFunctions)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fn    string
		from  string
		walls []string
		want  bool
	}{
		{"ifElse", "read", []string{"s1", "s2"}, false},
		{"ifElse", "read", []string{"s1"}, true},
		{"ifElse", "read", nil, true},
		{"ifOnly", "read", []string{"s1"}, true},
		{"switchDefault", "read", []string{"s1", "s2", "s3"}, false},
		{"switchDefault", "read", []string{"s1", "s2"}, true},
		{"switchNoDefault", "read", []string{"s1", "s2"}, true},
		{"earlyReturn", "read", []string{"s1"}, true},
		{"earlyReturn", "s1", nil, false},
		{"loopBody", "read", []string{"s1"}, true},
		{"loopBack", "read", []string{"s1"}, true},
		{"loopBack", "s1", []string{"s1"}, true},
		{"sameBlock", "read", []string{"s1"}, false},
		{"sameBlock", "s1", []string{"s1"}, true},
	} {
		fn := pkg.Func(tc.fn)
		from := callOf(t, fn, tc.from)
		var walls []ssa.Instruction
		for _, w := range tc.walls {
			walls = append(walls, callOf(t, fn, w))
		}
		if got := ssaorder.ReachableAvoiding(from, callOf(t, fn, "write"), walls...); got != tc.want {
			t.Errorf("%s: ReachableAvoiding(%s, write, %v) = %v, want %v", tc.fn, tc.from, tc.walls, got, tc.want)
		}
	}
}

// callOf returns the one call of the function named name in fn.
func callOf(t *testing.T, fn *ssa.Function, name string) ssa.Instruction {
	t.Helper()
	var found ssa.Instruction
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if c, ok := instr.(*ssa.Call); ok {
				if callee := c.Call.StaticCallee(); callee != nil && callee.Name() == name {
					if found != nil {
						t.Fatalf("%s: two calls of %s", fn.Name(), name)
					}
					found = c
				}
			}
		}
	}
	if found == nil {
		t.Fatalf("%s: no call of %s", fn.Name(), name)
	}
	return found
}
