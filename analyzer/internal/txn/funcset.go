package txn

import (
	"fmt"
	"go/types"
	"sort"
	"strings"
)

// FuncSet is a set of functions and methods named on the command line, as a
// comma-separated list of pkg.Func, (*pkg.T).Method or (pkg.T).Method, where
// pkg is the full import path. It implements flag.Value. A method matches
// whether or not its receiver is a pointer.
type FuncSet map[string]bool

// String returns the set as a sorted comma-separated list.
func (s FuncSet) String() string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// Set adds the comma-separated names in v to the set.
func (s FuncSet) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		key, err := parseFuncName(name)
		if err != nil {
			return err
		}
		s[key] = true
	}
	return nil
}

// Has reports whether f is in the set.
func (s FuncSet) Has(f *types.Func) bool {
	return len(s) > 0 && f != nil && s[FuncKey(f)]
}

// parseFuncName turns pkg.Func, (*pkg.T).Method or (pkg.T).Method into the
// form FuncKey returns.
func parseFuncName(name string) (string, error) {
	if strings.HasPrefix(name, "(") {
		end := strings.Index(name, ")")
		if end < 0 || end+2 > len(name) || name[end+1] != '.' {
			return "", fmt.Errorf("bad method name %q: want (*pkg.T).Method", name)
		}
		recv := strings.TrimPrefix(name[1:end], "*")
		if strings.LastIndex(recv, ".") <= 0 {
			return "", fmt.Errorf("bad method name %q: want (*pkg.T).Method", name)
		}
		return recv + "." + name[end+2:], nil
	}
	if strings.LastIndex(name, ".") <= 0 {
		return "", fmt.Errorf("bad function name %q: want pkg.Func", name)
	}
	return name, nil
}

// FuncKey names f as pkgpath.Func or pkgpath.T.Method.
func FuncKey(f *types.Func) string {
	f = f.Origin()
	sig, _ := f.Type().(*types.Signature)
	if sig != nil && sig.Recv() != nil {
		if named := namedOf(sig.Recv().Type()); named != nil && named.Obj().Pkg() != nil {
			return named.Obj().Pkg().Path() + "." + named.Obj().Name() + "." + f.Name()
		}
		return f.Name()
	}
	if f.Pkg() == nil {
		return f.Name()
	}
	return f.Pkg().Path() + "." + f.Name()
}

// namedOf returns the named type of t or *t, or nil.
func namedOf(t types.Type) *types.Named {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}
