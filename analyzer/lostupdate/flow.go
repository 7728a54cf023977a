package lostupdate

import (
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// flowFact summarises a function for callers: which parameters each result
// derives from, so a value read by the caller and passed through a helper
// (next := bump(r.Counter)) is still seen as read.
type flowFact struct {
	From [][]int // From[i]: parameters result i derives from
}

func (*flowFact) AFact()         {}
func (*flowFact) String() string { return "flow" }

// source is where a value comes from: a column of a read's result, or a
// leaf (parameter, constant, opaque call) used to tell rows apart.
type source struct {
	read   ssa.CallInstruction // the read, when the value is read
	column string              // result field or SQL column name; "" for a scalar result
	leaf   any                 // otherwise: an ssa.Value, or a constant's text
	// kept is set when the read value flows only where it was found
	// non-empty, and a fresh value replaces it where it was empty.
	kept bool
}

// tracer follows SSA values backwards to their sources.
type tracer struct {
	pass    *analysis.Pass
	cat     *catalog.Catalog
	calls   map[ssa.CallInstruction]*catalog.Call
	summary map[*ssa.Function]*flowFact
	busy    map[*ssa.Function]bool
	// returns memoises the sources of a callee's results, so a helper
	// called from many places (and helpers calling helpers) is traced once.
	returns map[returnKey][]source
	// write is the write whose values writtenBy traces: a variable handed
	// to it (Save(&u)) is read as it is at that call.
	write ssa.Instruction
}

type returnKey struct {
	fn    *ssa.Function
	index int
	field string
}

func newTracer(pass *analysis.Pass, cat *catalog.Catalog) *tracer {
	return &tracer{
		pass:    pass,
		cat:     cat,
		calls:   make(map[ssa.CallInstruction]*catalog.Call),
		summary: make(map[*ssa.Function]*flowFact),
		busy:    make(map[*ssa.Function]bool),
		returns: make(map[returnKey][]source),
	}
}

// call returns the catalog's view of a call, memoised.
func (t *tracer) call(ci ssa.CallInstruction) *catalog.Call {
	if c, ok := t.calls[ci]; ok {
		return c
	}
	c := t.cat.Of(ci.Common())
	t.calls[ci] = c
	return c
}

// readOf returns the read ci runs whose results the code can use: its
// statement, or the read it runs first (FirstOrCreate's); or nil.
func (t *tracer) readOf(ci ssa.CallInstruction) *catalog.Call {
	c := t.call(ci)
	if c != nil && c.Stmt.Kind == catalog.Read {
		return c
	}
	if c != nil {
		return c.Read
	}
	return nil
}

// isRead reports whether ci runs a read whose results the code can use.
func (t *tracer) isRead(ci ssa.CallInstruction) bool {
	return t.readOf(ci) != nil
}

// sourceSet collects sources once each: a helper reached through many
// paths would otherwise multiply its sources up every call chain.
type sourceSet struct {
	list []source
	seen map[source]bool
}

// add records s unless it is already there. Sources are comparable: their
// fields hold SSA pointers and strings.
func (set *sourceSet) add(s source) {
	if set.seen[s] {
		return
	}
	if set.seen == nil {
		set.seen = make(map[source]bool)
	}
	set.seen[s] = true
	set.list = append(set.list, s)
}

type visitKey struct {
	v     ssa.Value
	field string
}

// sources returns the sources of v; field selects a field of a struct value
// ("" for the value itself).
func (t *tracer) sources(v ssa.Value, field string) []source {
	var out sourceSet
	seen := make(map[visitKey]bool)
	t.trace(v, field, seen, &out, 0)
	return out.list
}

// writtenBy returns the sources of a value the write at runs with: fields
// assigned before the write on every path hide what the variable held
// before (w.Name = req.Name; Save(&w) does not write back the Name read),
// also through a pointer a helper returned (w, _ := load(id); w.Name = ...).
func (t *tracer) writtenBy(v ssa.Value, field string, at ssa.Instruction) []source {
	t.write = at
	defer func() { t.write = nil }()
	if field != "" {
		base := v
		if mi, ok := v.(*ssa.MakeInterface); ok {
			base = mi.X // Save(w) takes any
		}
		if stores := assignedBefore(base, field, at); stores != nil {
			var out sourceSet
			for _, fs := range stores {
				for _, s := range t.sources(fs.st.Val, fs.field) {
					out.add(s)
				}
			}
			return out.list
		}
	}
	return t.sources(v, field)
}

// assignedBefore returns the stores into field of the struct the pointer
// base points to (also of a whole embedded struct holding it) that may
// still hold the field when at runs, when every path from where base is
// defined to at runs one of them: what base held before is hidden from at.
// Nil otherwise, and for a local variable, which allocField follows with
// its whole-value stores.
func assignedBefore(base ssa.Value, field string, at ssa.Instruction) []fieldStore {
	if _, ok := base.(*ssa.Alloc); ok {
		return nil
	}
	if _, ok := base.Type().Underlying().(*types.Pointer); !ok {
		return nil
	}
	_, stores := fieldAddrs(base, field)
	walls := make([]ssa.Instruction, len(stores))
	for i, fs := range stores {
		walls[i] = fs.st
	}
	from := definedAt(base)
	if len(stores) == 0 || from == nil || from.Parent() != at.Parent() || ssaorder.ReachableAvoiding(from, at, walls...) {
		return nil
	}
	return slices.DeleteFunc(stores, func(fs fieldStore) bool { return !ssaorder.ReachableAvoiding(fs.st, at, walls...) })
}

// definedAt returns the instruction defining v, or the first of the
// function for a parameter or a free variable; nil for other values.
func definedAt(v ssa.Value) ssa.Instruction {
	switch v := v.(type) {
	case ssa.Instruction:
		return v
	case *ssa.Parameter, *ssa.FreeVar:
		if fn := v.Parent(); len(fn.Blocks) > 0 && len(fn.Blocks[0].Instrs) > 0 {
			return fn.Blocks[0].Instrs[0]
		}
	}
	return nil
}

func (t *tracer) trace(v ssa.Value, field string, seen map[visitKey]bool, out *sourceSet, depth int) {
	if v == nil || depth > 64 {
		return
	}
	k := visitKey{v, field}
	if seen[k] {
		return
	}
	seen[k] = true
	next := func(v ssa.Value, field string) { t.trace(v, field, seen, out, depth+1) }
	keep := func(v ssa.Value, field string) {
		var kept sourceSet
		t.trace(v, field, seen, &kept, depth+1)
		for _, s := range kept.list {
			s.kept = s.read != nil
			out.add(s)
		}
	}
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value != nil {
			out.add(source{leaf: v.Value.ExactString()})
		}
	case *ssa.Parameter:
		out.add(source{leaf: v, column: field})
	case *ssa.Global:
		out.add(source{leaf: v})
	case *ssa.BinOp:
		next(v.X, "")
		next(v.Y, "")
	case *ssa.UnOp:
		if v.Op.String() == "*" {
			t.load(v.X, field, v, next, keep, out)
			return
		}
		next(v.X, "")
	case *ssa.Convert:
		next(v.X, "")
	case *ssa.ChangeType:
		next(v.X, field)
	case *ssa.MakeInterface:
		next(v.X, field)
	case *ssa.ChangeInterface:
		next(v.X, field)
	case *ssa.TypeAssert:
		next(v.X, field)
	case *ssa.Phi:
		kept := keptEdge(v)
		for i, e := range v.Edges {
			if i == kept {
				keep(e, field)
			} else {
				next(e, field)
			}
		}
	case *ssa.Field:
		if field == "" {
			next(v.X, fieldName(v.X.Type(), v.Field))
		}
	case *ssa.Index:
		next(v.X, field)
	case *ssa.Extract:
		if ci, ok := v.Tuple.(*ssa.Call); ok {
			t.callResult(ci, v.Index, field, next, out)
		}
	case *ssa.Call:
		t.callResult(v, 0, field, next, out)
	case *ssa.Alloc:
		// A field of a variable handed to an ORM write (Save(&u)).
		if field != "" {
			t.allocField(v, field, t.write, next, keep, out)
			return
		}
		out.add(source{leaf: v})
	case *ssa.FreeVar:
		// A field of a variable of the enclosing function (u.N in a
		// closure that writes it).
		if a := boundAlloc(v); a != nil && field != "" {
			t.allocField(a, field, nil, next, keep, out)
			return
		}
		out.add(source{leaf: v})
	default:
		out.add(source{leaf: v})
	}
}

// callResult traces result i of a call: a read is a source; a helper is
// followed through its summary.
func (t *tracer) callResult(ci *ssa.Call, i int, field string, next func(ssa.Value, string), out *sourceSet) {
	if t.isRead(ci) {
		switch {
		case i == 0 && t.readOf(ci).Reads(field):
			out.add(source{read: ci, column: field})
		case i == 0:
			out.add(source{leaf: ci}) // set beside the row, not read
		}
		return
	}
	common := ci.Common()
	if fn := common.StaticCallee(); fn != nil && fn.Pkg != nil && fn.Pkg.Pkg == t.pass.Pkg && fn.Blocks != nil {
		t.throughCallee(fn, common.Args, i, field, next, out)
		return
	}
	if sum := t.summaryOf(common); sum != nil && i < len(sum.From) {
		args := common.Args
		for _, p := range sum.From[i] {
			if p < len(args) {
				next(args[p], field)
			}
		}
		return
	}
	out.add(source{leaf: ci})
}

// throughCallee traces result i of a function of this package through its
// return statements, field by field, back to the call's arguments: a helper
// that copies a row into a params struct keeps each field's origin.
func (t *tracer) throughCallee(fn *ssa.Function, args []ssa.Value, i int, field string, next func(ssa.Value, string), out *sourceSet) {
	params := make(map[ssa.Value]int)
	for k, p := range fn.Params {
		params[p] = k
	}
	for _, s := range t.returnSources(fn, i, field) {
		if v, ok := s.leaf.(ssa.Value); ok {
			if k, ok := params[v]; ok && k < len(args) {
				next(args[k], s.column)
				continue
			}
		}
		out.add(s)
	}
}

// returnSources returns the sources of result i of fn, in terms of fn's
// own parameters and reads; memoised.
func (t *tracer) returnSources(fn *ssa.Function, i int, field string) []source {
	key := returnKey{fn, i, field}
	if s, ok := t.returns[key]; ok {
		return s
	}
	if t.busy[fn] {
		return nil // recursion: the outer trace of fn covers it
	}
	t.busy[fn] = true
	defer delete(t.busy, fn)
	var out sourceSet
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || i >= len(ret.Results) {
			continue
		}
		for _, s := range t.sources(ret.Results[i], field) {
			out.add(s)
		}
	}
	t.returns[key] = out.list
	return out.list
}

// load traces *addr, loaded by the instruction at; keep traces a value
// kept only where it was found non-empty.
func (t *tracer) load(addr ssa.Value, field string, at ssa.Instruction, next, keep func(ssa.Value, string), out *sourceSet) {
	switch a := addr.(type) {
	case *ssa.FieldAddr:
		if field != "" {
			return // nested structs: not followed
		}
		name := fieldName(a.X.Type(), a.Field)
		base := embeddingAlloc(a.X)
		if alloc, ok := base.(*ssa.Alloc); ok {
			t.allocField(alloc, name, at, next, keep, out)
			return
		}
		if stores := assignedBefore(base, name, at); stores != nil {
			for _, fs := range stores {
				next(fs.st.Val, fs.field)
			}
			return
		}
		t.stores(a, next, out)
		next(a.X, name)
	case *ssa.Alloc:
		t.allocField(a, field, at, next, keep, out)
	case *ssa.IndexAddr:
		next(a.X, field)
	case *ssa.FreeVar, *ssa.Global, *ssa.Parameter:
		out.add(source{leaf: a})
	default:
		out.add(source{leaf: addr})
	}
}

// allocField traces field of the local variable a ("" for all of it) as
// loaded by at: the values stored into the field and into the whole
// variable, and Scans into either, leaving out those that every path from
// them to at overwrites (by a store to the field or to the whole variable,
// or by declaring the variable anew). When the field is replaced only where
// it was found empty (if r.F == "" { r.F = fresh() }), the other stores are
// kept values.
func (t *tracer) allocField(a *ssa.Alloc, field string, at ssa.Instruction, next, keep func(ssa.Value, string), out *sourceSet) {
	var writes []fieldStore
	kills := []ssa.Instruction{a}
	for _, ref := range catalog.Referrers(a) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == a {
			writes = append(writes, fieldStore{st, field})
			kills = append(kills, st)
		}
	}
	var addrs []*ssa.FieldAddr
	var fieldStores []fieldStore
	if field == "" {
		for _, ref := range catalog.Referrers(a) {
			if fa, ok := ref.(*ssa.FieldAddr); ok {
				addrs = append(addrs, fa)
				fieldStores = append(fieldStores, storesTo(fa)...)
			}
		}
	} else {
		addrs, fieldStores = fieldAddrs(a, field)
		for _, fs := range fieldStores {
			kills = append(kills, fs.st) // not for the whole variable, replaced only in part
		}
	}
	writes = append(writes, fieldStores...)
	// live reports whether what from puts in the variable may be there when
	// at loads it.
	live := func(from ssa.Instruction) bool {
		return at == nil || from.Parent() != at.Parent() || ssaorder.ReachableAvoiding(from, at, kills...)
	}
	fills := make(map[ssa.Instruction]bool)
	for _, w := range writes {
		if w.field == "" && fillsEmpty(w.st.Block(), a, field) {
			fills[w.st] = true
		}
	}
	for _, w := range writes {
		if !live(w.st) {
			continue
		}
		if len(fills) > 0 && !fills[w.st] {
			keep(w.st.Val, w.field)
		} else {
			next(w.st.Val, w.field)
		}
	}
	// Reads into the variable are kept values too where it is filled in.
	var reads sourceSet
	t.filled(a, field, live, &reads)
	t.scanned(a, live, &reads)
	for _, fa := range addrs {
		t.scanned(fa, live, &reads)
	}
	for _, s := range reads.list {
		s.kept = len(fills) > 0
		out.add(s)
	}
}

// stores traces the values stored at addr, and a Scan into it.
func (t *tracer) stores(addr ssa.Value, next func(ssa.Value, string), out *sourceSet) {
	for _, ref := range catalog.Referrers(addr) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == addr {
			next(st.Val, "")
		}
	}
	t.scanned(addr, nil, out)
}

// scanned finds a Scan(..., addr, ...) on the result of a read, also in a
// closure addr is captured by (a batch's row callback), and records the
// read and the column scanned into addr; with live, only a Scan whose
// value live says may still be there.
func (t *tracer) scanned(addr ssa.Value, live func(ssa.Instruction) bool, out *sourceSet) {
	t.scannedAt(addr, live, out, 0)
}

func (t *tracer) scannedAt(addr ssa.Value, live func(ssa.Instruction) bool, out *sourceSet, depth int) {
	for _, ref := range catalog.Referrers(addr) {
		if mc, ok := ref.(*ssa.MakeClosure); ok && depth < 4 {
			if fn, ok := mc.Fn.(*ssa.Function); ok {
				for i, b := range mc.Bindings {
					if b == addr && i < len(fn.FreeVars) {
						t.scannedAt(fn.FreeVars[i], live, out, depth+1)
					}
				}
			}
			continue
		}
		var val ssa.Value = addr
		if mi, ok := ref.(*ssa.MakeInterface); ok {
			val = mi
			if len(catalog.Referrers(mi)) == 0 {
				continue
			}
			ref = catalog.Referrers(mi)[0]
		}
		st, ok := ref.(*ssa.Store)
		if !ok || st.Val != val {
			continue
		}
		ia, ok := st.Addr.(*ssa.IndexAddr)
		if !ok {
			continue
		}
		k, ok := ia.Index.(*ssa.Const)
		if !ok {
			continue
		}
		for _, sref := range catalog.Referrers(ia.X) {
			sl, ok := sref.(*ssa.Slice)
			if !ok {
				continue
			}
			for _, cref := range catalog.Referrers(sl) {
				ci, ok := cref.(ssa.CallInstruction)
				if !ok {
					continue
				}
				common := ci.Common()
				name := ""
				var recv ssa.Value
				if common.IsInvoke() {
					name, recv = common.Method.Name(), common.Value
				} else if f := common.StaticCallee(); f != nil && len(common.Args) > 0 {
					name, recv = f.Name(), common.Args[0]
				}
				if name != "Scan" || (live != nil && !live(ci)) {
					continue
				}
				rc := t.rowsOf(recv)
				if rc == nil {
					continue
				}
				col := ""
				cols := t.readOf(rc).Stmt.Columns
				if i := int(k.Int64()); i < len(cols) {
					col = cols[i]
				}
				out.add(source{read: rc, column: col})
			}
		}
	}
}

// rowsOf returns the read whose rows or row recv is (a Queryx's rows, also
// as the *sql.Rows they embed), or nil.
func (t *tracer) rowsOf(recv ssa.Value) ssa.CallInstruction {
	recv = catalog.Underlying(recv)
	if ex, ok := recv.(*ssa.Extract); ok {
		recv = ex.Tuple
	}
	if rc := t.cat.ResultsOf(recv); rc != nil && t.isRead(rc) {
		return rc
	}
	return nil
}

// filled finds a read into the variable a as its destination (an ORM's
// First(&u), sqlx's Get(&u, ...), or the StructScan(&u) of a read's rows),
// also in a closure it is captured by, and records the read and the field,
// if live says its value may still be there.
func (t *tracer) filled(a *ssa.Alloc, field string, live func(ssa.Instruction) bool, out *sourceSet) {
	var visit func(v ssa.Value, depth int)
	visit = func(v ssa.Value, depth int) {
		for _, ref := range catalog.Referrers(v) {
			switch r := ref.(type) {
			case *ssa.MakeInterface:
				for _, mref := range catalog.Referrers(r) {
					ci, ok := mref.(*ssa.Call)
					if !ok || !live(ci) {
						continue
					}
					if read := t.readOf(ci); read != nil && read.Dest == v && fills(read, field) {
						out.add(source{read: ci, column: field})
					}
					if args := ci.Common().Args; len(args) == 2 && args[1] == r && !ci.Common().IsInvoke() && apis.IsStructScan(catalog.Callee(ci.Common())) {
						if rc := t.rowsOf(args[0]); rc != nil {
							out.add(source{read: rc, column: field})
						}
					}
				}
			case *ssa.MakeClosure:
				fn, ok := r.Fn.(*ssa.Function)
				if !ok || depth > 4 {
					continue
				}
				for i, b := range r.Bindings {
					if b == v && i < len(fn.FreeVars) {
						visit(fn.FreeVars[i], depth+1)
					}
				}
			}
		}
	}
	visit(a, 0)
}

// embeddingAlloc returns the variable whose field, promoted from structs
// embedded by value, addr is the address of those structs in (w of
// w.Base.Balance), or addr itself.
func embeddingAlloc(addr ssa.Value) ssa.Value {
	for {
		fa, ok := addr.(*ssa.FieldAddr)
		if !ok || !embeddedField(fa) {
			return addr
		}
		addr = fa.X
	}
}

// fieldStore is a store that replaces a field: into the field itself
// (field ""), or of a whole value holding it (field selects it from the
// value stored: w = v, or w.Funds = f for w.Balance promoted from Funds).
type fieldStore struct {
	st    *ssa.Store
	field string
}

// fieldAddrs returns the addresses of field of the struct base points to,
// reached through the structs embedded by value it is promoted from
// (w.Funds.Balance for w.Balance), and the stores into them: into the
// field, and of a whole embedded struct holding it (w.Funds = f), which
// replaces the field too. The other embedded structs' stores do not.
func fieldAddrs(base ssa.Value, field string) ([]*ssa.FieldAddr, []fieldStore) {
	path := fieldPath(base.Type(), field)
	var stores []fieldStore
	level := []ssa.Value{base}
	for k, index := range path {
		var inner []ssa.Value
		for _, x := range level {
			for _, ref := range catalog.Referrers(x) {
				if fa, ok := ref.(*ssa.FieldAddr); ok && fa.Field == index {
					inner = append(inner, fa)
					for _, fs := range storesTo(fa) {
						if k < len(path)-1 {
							fs.field = field
						}
						stores = append(stores, fs)
					}
				}
			}
		}
		level = inner
	}
	var addrs []*ssa.FieldAddr
	for _, v := range level {
		if fa, ok := v.(*ssa.FieldAddr); ok {
			addrs = append(addrs, fa)
		}
	}
	return addrs, stores
}

// storesTo returns the stores into addr.
func storesTo(addr ssa.Value) []fieldStore {
	var out []fieldStore
	for _, ref := range catalog.Referrers(addr) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == addr {
			out = append(out, fieldStore{st: st})
		}
	}
	return out
}

// fieldPath returns the indices of the fields leading to the field name of
// the struct t is or points to: one for a field of its own, one more for
// each struct embedded by value it is promoted through. Nil when there is
// no such field, or it is reached through an embedded pointer.
func fieldPath(t types.Type, name string) []int {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	for i := range st.NumFields() {
		if st.Field(i).Name() == name {
			return []int{i} // its own, also unexported in a struct type literal
		}
	}
	var pkg *types.Package
	if n, ok := types.Unalias(t).(*types.Named); ok {
		pkg = n.Obj().Pkg()
	}
	obj, index, indirect := types.LookupFieldOrMethod(t, false, pkg, name)
	if _, ok := obj.(*types.Var); !ok || indirect {
		return nil
	}
	return index
}

// embeddedField reports whether fa is the address of an embedded field.
func embeddedField(fa *ssa.FieldAddr) bool {
	t := fa.X.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	return ok && fa.Field < st.NumFields() && st.Field(fa.Field).Embedded()
}

// fills reports whether a read into a destination fills its field ("" for
// the whole value): not when the read selects other columns.
func fills(read *catalog.Call, field string) bool {
	return field == "" || read.DestFields == nil || slices.Contains(read.DestFields, field)
}

// boundAlloc returns the variable of an enclosing function that the free
// variable fv captures, when every closure made of fv's function binds the
// same one.
func boundAlloc(fv *ssa.FreeVar) *ssa.Alloc {
	fn := fv.Parent()
	idx := slices.Index(fn.FreeVars, fv)
	if idx < 0 || fn.Parent() == nil {
		return nil
	}
	var found *ssa.Alloc
	for _, b := range fn.Parent().Blocks {
		for _, instr := range b.Instrs {
			mc, ok := instr.(*ssa.MakeClosure)
			if !ok || mc.Fn != fn || idx >= len(mc.Bindings) {
				continue
			}
			var a *ssa.Alloc
			switch v := mc.Bindings[idx].(type) {
			case *ssa.Alloc:
				a = v
			case *ssa.FreeVar:
				a = boundAlloc(v)
			}
			if a == nil || (found != nil && a != found) {
				return nil
			}
			found = a
		}
	}
	return found
}

// summaryOf returns the flow summary of a called function: computed for
// functions of this package, imported as a fact otherwise.
func (t *tracer) summaryOf(common *ssa.CallCommon) *flowFact {
	fn := common.StaticCallee()
	if fn == nil {
		return nil
	}
	if fn.Pkg != nil && fn.Pkg.Pkg == t.pass.Pkg && fn.Blocks != nil {
		return t.summarize(fn)
	}
	obj, ok := fn.Object().(*types.Func)
	if !ok {
		return nil
	}
	f := new(flowFact)
	if t.pass.ImportObjectFact(obj, f) {
		return f
	}
	return nil
}

// summarize computes which parameters each result of fn derives from.
func (t *tracer) summarize(fn *ssa.Function) *flowFact {
	if s, ok := t.summary[fn]; ok {
		return s
	}
	if t.busy[fn] {
		return nil
	}
	t.busy[fn] = true
	defer delete(t.busy, fn)
	n := fn.Signature.Results().Len()
	sum := &flowFact{From: make([][]int, n)}
	params := make(map[ssa.Value]int)
	for i, p := range fn.Params {
		params[p] = i
	}
	any := false
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, r := range ret.Results {
			for _, s := range t.sources(r, "") {
				v, ok := s.leaf.(ssa.Value)
				if !ok {
					continue
				}
				if p, ok := params[v]; ok && !contains(sum.From[i], p) {
					sum.From[i] = append(sum.From[i], p)
					any = true
				}
			}
		}
	}
	if !any {
		sum = nil
	}
	t.summary[fn] = sum
	return sum
}

func contains(list []int, x int) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// fieldName returns the name of field i of the struct type t (or *t).
func fieldName(t types.Type, i int) string {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if s, ok := t.Underlying().(*types.Struct); ok && i < s.NumFields() {
		return s.Field(i).Name()
	}
	return ""
}

// keptEdge returns the edge of a two-edge phi that keeps a value where it
// was found non-empty while the other replaces it where it was empty
// (v := r.F; if v == "" { v = fresh() }), or -1.
func keptEdge(phi *ssa.Phi) int {
	if len(phi.Edges) != 2 {
		return -1
	}
	for k, x := range phi.Edges {
		for _, t := range emptyTests(x, true) {
			if fromBranch(phi.Block(), k, t.iff.Block(), 1-t.empty) && fromBranch(phi.Block(), 1-k, t.iff.Block(), t.empty) {
				return k
			}
		}
	}
	return -1
}

// fillsEmpty reports whether b runs only where field of the local variable
// a ("" for all of it) was found empty: b is dominated by the empty branch
// of a test of a load of it.
func fillsEmpty(b *ssa.BasicBlock, a *ssa.Alloc, field string) bool {
	for _, load := range loadsOf(a, field) {
		for _, t := range emptyTests(load, false) {
			if dominatedBy(b, t.iff.Block(), t.empty) {
				return true
			}
		}
	}
	return false
}

// loadsOf returns the loads of field of the local variable a ("" for all
// of it).
func loadsOf(a *ssa.Alloc, field string) []ssa.Value {
	if field != "" {
		for _, ref := range catalog.Referrers(a) {
			if fa, ok := ref.(*ssa.FieldAddr); ok && fieldName(a.Type(), fa.Field) == field {
				return fieldLoads(a, fa.Field)
			}
		}
		return nil
	}
	var out []ssa.Value
	for _, ref := range catalog.Referrers(a) {
		if load, ok := ref.(*ssa.UnOp); ok && load.Op == token.MUL {
			out = append(out, load)
		}
	}
	return out
}

// fieldLoads returns the loads of field i of the struct variable base.
func fieldLoads(base ssa.Value, i int) []ssa.Value {
	var out []ssa.Value
	for _, ref := range catalog.Referrers(base) {
		if fa, ok := ref.(*ssa.FieldAddr); ok && fa.Field == i {
			for _, fref := range catalog.Referrers(fa) {
				if load, ok := fref.(*ssa.UnOp); ok && load.Op == token.MUL {
					out = append(out, load)
				}
			}
		}
	}
	return out
}

// emptyTest is a branch on whether a value is empty: empty is the
// successor of iff taken when it is.
type emptyTest struct {
	iff   *ssa.If
	empty int
}

// emptyTests returns the branches on v compared with its zero value ("",
// 0, nil), directly or through len(v); with alike, also on the other reads
// of the same field of the same struct value (r.F tested, r.F kept).
func emptyTests(v ssa.Value, alike bool) []emptyTest {
	var out []emptyTest
	if alike {
		switch v := v.(type) {
		case *ssa.Field: // r.F of a struct value
			for _, ref := range catalog.Referrers(v.X) {
				if g, ok := ref.(*ssa.Field); ok && g.Field == v.Field {
					out = append(out, emptyTests(g, false)...)
				}
			}
			return out
		case *ssa.UnOp: // *(&r.F) of a struct variable
			if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
				for _, load := range fieldLoads(fa.X, fa.Field) {
					out = append(out, emptyTests(load, false)...)
				}
				return out
			}
		}
	}
	for _, ref := range catalog.Referrers(v) {
		if call, ok := ref.(*ssa.Call); ok {
			if b, ok := call.Common().Value.(*ssa.Builtin); ok && b.Name() == "len" {
				out = append(out, emptyTests(call, false)...)
			}
			continue
		}
		bin, ok := ref.(*ssa.BinOp)
		if !ok {
			continue
		}
		for _, bref := range catalog.Referrers(bin) {
			if iff, ok := bref.(*ssa.If); ok {
				if x, empty := emptyTested(iff); x == v {
					out = append(out, emptyTest{iff, empty})
				}
			}
		}
	}
	return out
}

// emptyTested returns the value the branch iff compares with its zero
// value ("", 0, nil; a len call itself, not its operand) and the successor
// taken when it is empty, or nil.
func emptyTested(iff *ssa.If) (ssa.Value, int) {
	bin, ok := iff.Cond.(*ssa.BinOp)
	if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
		return nil, 0
	}
	x := bin.X
	if catalog.IsZeroConst(x) {
		x = bin.Y
	} else if !catalog.IsZeroConst(bin.Y) {
		return nil, 0
	}
	if bin.Op == token.NEQ {
		return x, 1
	}
	return x, 0
}

// lenOperand returns x when v is len(x), else v.
func lenOperand(v ssa.Value) ssa.Value {
	if call, ok := v.(*ssa.Call); ok {
		if b, ok := call.Common().Value.(*ssa.Builtin); ok && b.Name() == "len" {
			return call.Common().Args[0]
		}
	}
	return v
}

// fromBranch reports whether edge k of block b comes from successor succ
// of the branch block br: directly, or through blocks only that branch
// reaches.
func fromBranch(b *ssa.BasicBlock, k int, br *ssa.BasicBlock, succ int) bool {
	if k >= len(b.Preds) {
		return false
	}
	pred := b.Preds[k]
	if pred == br {
		return br.Succs[succ] == b
	}
	return dominatedBy(pred, br, succ)
}

// dominatedBy reports whether b runs only after br took successor succ.
func dominatedBy(b, br *ssa.BasicBlock, succ int) bool {
	s := br.Succs[succ]
	return len(s.Preds) == 1 && s.Dominates(b)
}
