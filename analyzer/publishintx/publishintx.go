package publishintx

import (
	_ "embed"
	"flag"
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/analyzerdoc"
	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/fixpoint"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ignore"
	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
)

//go:embed doc.go
var doc string

const (
	name = "publishintx"
	url  = "https://github.com/lockstep-dev/lockstep#publishintx"
)

// Analyzer reports publishes while a transaction is open and publishes
// followed by a database write.
var Analyzer = &analysis.Analyzer{
	Name:      name,
	Doc:       analyzerdoc.Extract(doc, name),
	URL:       url,
	Requires:  []*analysis.Analyzer{apis.Analyzer, txn.Analyzer, catalog.Analyzer, ctrlflow.Analyzer},
	FactTypes: []analysis.Fact{(*PublishFact)(nil)},
	Flags:     flags(),
	Run:       run,
}

// Funcs holds the -funcs flag: extra publish functions.
var Funcs = txn.FuncSet{}

func flags() flag.FlagSet {
	fs := flag.NewFlagSet("publishintx", flag.ExitOnError)
	fs.Var(Funcs, "funcs", "extra publish functions: comma-separated pkg.Func or (*pkg.T).Method")
	return *fs
}

// PublishFact marks a function that publishes a message (itself or through
// functions it calls) outside any transaction it can see.
type PublishFact struct {
	// Via is the broker call, e.g. "PublishWithContext".
	Via string
	// At is the broker call's file:line, for messages.
	At string
	// Field is set when every publish of the method is a Publish on this
	// field of its receiver (a decorator embedding message.Publisher): a
	// call of it publishes what the caller put in that field.
	Field string
}

// AFact marks PublishFact as an analysis fact.
func (*PublishFact) AFact() {}

func (f *PublishFact) String() string { return "publishes via " + f.Via + " at " + f.At }

// event is a call that publishes: a broker call or a call of a publisher.
type event struct {
	call ssa.CallInstruction
	via  string // "PublishWithContext", or "notify (PublishWithContext at events.go:40)"
	fact *PublishFact
	// direct is set for a broker call of the function itself, not of a
	// helper it calls.
	direct bool
	// tx is set when the call runs a publishing callback inside a
	// transaction (pgx.BeginFunc(ctx, pool, s.publishAll)).
	tx *txn.Tx
}

type checker struct {
	pass     *analysis.Pass
	tx       *txn.Result
	cat      *catalog.Catalog
	rep      *ignore.Reporter
	local    map[*ssa.Function]*PublishFact
	localObj map[*types.Func]*PublishFact
	stmts    map[*txn.Tx][]*catalog.Call
	stmtsOK  bool
}

func run(pass *analysis.Pass) (any, error) {
	rep := ignore.New(pass)
	defer rep.Finish()
	// A library's own packages publish through its API (the table), and
	// their internals, which call it, are no one's transaction.
	if apis.Own(pass.Pkg.Path()) || (!pass.ResultOf[apis.Analyzer].(*apis.Uses).Broker && len(Funcs) == 0) {
		return nil, nil
	}
	c := &checker{
		pass:     pass,
		tx:       pass.ResultOf[txn.Analyzer].(*txn.Result),
		cat:      pass.ResultOf[catalog.Analyzer].(*catalog.Catalog),
		rep:      rep,
		local:    make(map[*ssa.Function]*PublishFact),
		localObj: make(map[*types.Func]*PublishFact),
	}
	funcs := c.tx.SrcFuncs
	if !c.tx.Relevant {
		// No database, so no transaction and no write; but the package's
		// publishers still need their facts.
		funcs = txn.BuildSSA(pass)
	}
	c.summarise(funcs)
	for _, fn := range funcs {
		c.check(fn)
	}
	for fn, f := range c.local {
		if obj, ok := fn.Object().(*types.Func); ok && fn.Parent() == nil {
			pass.ExportObjectFact(obj, f)
		}
	}
	return nil, nil
}

// summarise finds the package's publishers: functions with a publish that is
// not inside a transaction they can see. Iterates to a fixed point so that
// callers of local publishers are publishers too.
func (c *checker) summarise(funcs []*ssa.Function) {
	fixpoint.Iterate(0, func() bool {
		changed := false
		for _, fn := range funcs {
			// A forwarding fact is looked at again: a publish found in a
			// later round makes it a plain one.
			if old := c.local[fn]; old != nil && old.Field == "" {
				continue
			}
			var fact *PublishFact
			for _, ev := range c.events(fn) {
				if ev.tx != nil || len(c.tx.Open(ev.call)) > 0 {
					continue
				}
				if fact == nil {
					f := *ev.fact
					fact = &f
					if !ev.direct {
						fact.Field = ""
					}
				} else if !ev.direct || ev.fact.Field != fact.Field {
					fact.Field = ""
				}
			}
			if fact == nil || (c.local[fn] != nil && *c.local[fn] == *fact) {
				continue
			}
			c.local[fn] = fact
			if obj, ok := fn.Object().(*types.Func); ok && fn.Parent() == nil {
				c.localObj[obj] = fact
			}
			changed = true
		}
		return changed
	})
}

// events returns fn's publishing calls, in order. Deferred calls are left
// out: when they run depends on the other deferred calls.
func (c *checker) events(fn *ssa.Function) []event {
	var out []event
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(ssa.CallInstruction)
			if !ok {
				continue
			}
			if _, isDefer := call.(*ssa.Defer); isDefer {
				continue
			}
			if ev, ok := c.publishes(call); ok {
				out = append(out, ev)
			} else if ev, ok := c.publishingCallback(call); ok {
				out = append(out, ev)
			}
		}
	}
	return out
}

// publishes reports whether call publishes a message.
func (c *checker) publishes(call ssa.CallInstruction) (event, bool) {
	common := call.Common()
	var f *types.Func
	callee := common.StaticCallee()
	if common.IsInvoke() {
		f, callee = common.Method, concreteMethod(call)
	}
	if callee != nil {
		if pf := c.local[callee]; pf != nil {
			if outboxInField(common, pf.Field) {
				return event{}, false
			}
			return c.helperEvent(call, callee.Name(), pf), true
		}
		f, _ = callee.Object().(*types.Func)
	}
	if f == nil {
		return event{}, false
	}
	f = f.Origin()
	publish := apis.IsPublish(f) || Funcs.Has(f)
	if recv := receiverOf(common); recv != nil && apis.IsOutbox(recv.Type()) {
		// An outbox in the caller's transaction, unless made with a pool.
		publish = apis.IsOutboxPublish(recv.Type(), f.Name()) && madeWithHandle(recv)
	}
	if publish {
		pos := c.pass.Fset.Position(call.Pos())
		fact := &PublishFact{Via: f.Name(), At: fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)}
		if common.IsInvoke() && callee == nil {
			fact.Field = receiverField(call)
		}
		return event{call: call, via: f.Name(), fact: fact, direct: true}, true
	}
	var pf PublishFact
	if f.Pkg() != nil && f.Pkg() != c.pass.Pkg && c.pass.ImportObjectFact(f, &pf) {
		if outboxInField(common, pf.Field) {
			return event{}, false
		}
		return c.helperEvent(call, f.Name(), &pf), true
	}
	return event{}, false
}

// concreteMethod returns the method an interface call runs when the
// receiver's concrete type is in sight (p := gochannel.NewGoChannel(...)
// held as a message.Publisher), or nil: a wrapper of another package's
// publisher (watermill's forwarder around an outbox) is then judged as
// itself, not as the interface it implements.
func concreteMethod(call ssa.CallInstruction) *ssa.Function {
	common := call.Common()
	recv := catalog.Underlying(common.Value)
	if types.IsInterface(recv.Type()) {
		return nil
	}
	return call.Parent().Prog.LookupMethod(recv.Type(), common.Method.Pkg(), common.Method.Name())
}

// receiverOf returns the receiver of a method call, through interface
// conversions, or nil.
func receiverOf(common *ssa.CallCommon) ssa.Value {
	switch {
	case common.IsInvoke():
		return catalog.Underlying(common.Value)
	case common.Signature().Recv() != nil && len(common.Args) > 0:
		return catalog.Underlying(common.Args[0])
	}
	return nil
}

// receiverField returns the name of the field of the enclosing method's
// receiver that an interface call is made on (s.Publisher.Publish(...) in
// a decorator's Publish), or "".
func receiverField(call ssa.CallInstruction) string {
	fn := call.Parent()
	if fn.Signature.Recv() == nil || len(fn.Params) == 0 {
		return ""
	}
	recv := fn.Params[0]
	var st types.Type
	idx := -1
	switch v := call.Common().Value.(type) {
	case *ssa.Field: // value receiver
		if v.X == recv {
			st, idx = recv.Type(), v.Field
		}
	case *ssa.UnOp: // *(&s.Publisher): a pointer receiver, or a value one spilled to a local
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL && (fa.X == recv || holds(fa.X, recv)) {
			st, idx = fa.X.Type().Underlying().(*types.Pointer).Elem(), fa.Field
		}
	}
	if idx < 0 {
		return ""
	}
	if str, ok := st.Underlying().(*types.Struct); ok {
		return str.Field(idx).Name()
	}
	return ""
}

// holds reports whether addr is a local that the value v is stored in.
func holds(addr, v ssa.Value) bool {
	if _, ok := addr.(*ssa.Alloc); !ok {
		return false
	}
	for _, ref := range catalog.Referrers(addr) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == addr && st.Val == v {
			return true
		}
	}
	return false
}

// outboxInField reports whether a call of a decorator forwarding to its
// receiver's field runs on a value built in sight whose field holds an
// outbox publisher in the caller's transaction
// (TracingPublisher{Publisher: sqlPublisherOnTx}.Publish(...)).
func outboxInField(common *ssa.CallCommon, field string) bool {
	if field == "" {
		return false
	}
	v := storedField(receiverOf(common), field, common)
	return v != nil && apis.IsOutbox(v.Type()) && !madeWithHandle(v)
}

// storedField returns the one value stored into the named field of the
// local struct that recv is (&T{...}) or is loaded from (T{...}), or nil
// when the struct is used in any other way, which could change the field.
func storedField(recv ssa.Value, field string, call *ssa.CallCommon) ssa.Value {
	if load, ok := recv.(*ssa.UnOp); ok && load.Op == token.MUL {
		recv = load.X
	}
	alloc, ok := recv.(*ssa.Alloc)
	if !ok {
		return nil
	}
	str, ok := alloc.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	var stored ssa.Value
	for _, ref := range catalog.Referrers(alloc) {
		switch r := ref.(type) {
		case *ssa.DebugRef:
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return nil
			}
		case *ssa.FieldAddr:
			for _, fref := range catalog.Referrers(r) {
				st, isStore := fref.(*ssa.Store)
				switch {
				case isStore && st.Addr == r && str.Field(r.Field).Name() == field:
					if stored != nil {
						return nil
					}
					stored = st.Val
				case isStore && st.Addr == r:
				default:
					if _, isDebug := fref.(*ssa.DebugRef); !isDebug {
						return nil
					}
				}
			}
		case ssa.CallInstruction:
			if r.Common() != call {
				return nil
			}
		default:
			return nil
		}
	}
	if stored == nil {
		return nil
	}
	return catalog.Underlying(stored)
}

// madeWithHandle reports whether the outbox publisher p was made, in
// sight, by a constructor given a pool or connection (directly or through
// one of its package's one-argument adapters, watermill-sql's
// BeginnerFromStdSQL(db)): its messages are then written outside the
// caller's transaction, visible before it commits.
func madeWithHandle(p ssa.Value) bool {
	if ex, ok := p.(*ssa.Extract); ok && ex.Index == 0 {
		p = ex.Tuple
	}
	ctor, ok := p.(*ssa.Call)
	if !ok || len(ctor.Common().Args) == 0 {
		return false
	}
	pkg := ctor.Common().StaticCallee()
	if pkg == nil || pkg.Pkg == nil {
		return false
	}
	exec := catalog.Underlying(ctor.Common().Args[0])
	for {
		adapter, ok := exec.(*ssa.Call)
		if !ok || len(adapter.Common().Args) != 1 {
			break
		}
		if fn := adapter.Common().StaticCallee(); fn == nil || fn.Pkg != pkg.Pkg {
			break
		}
		exec = catalog.Underlying(adapter.Common().Args[0])
	}
	return apis.IsHandle(exec.Type())
}

// publishingCallback reports whether call runs a named function that
// publishes as its transaction's callback.
func (c *checker) publishingCallback(call ssa.CallInstruction) (event, bool) {
	arg, tx := c.tx.Callback(call)
	if arg == nil || txn.AnonFunc(arg) != nil {
		return event{}, false // anonymous callbacks are checked in their bodies
	}
	var fn *ssa.Function
	switch v := arg.(type) {
	case *ssa.Function:
		fn = v
	case *ssa.MakeClosure: // a method value, s.publishAll
		fn, _ = v.Fn.(*ssa.Function)
	}
	if fn == nil {
		return event{}, false
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil {
		return event{}, false
	}
	pf := c.localObj[obj]
	if pf == nil && obj.Pkg() != c.pass.Pkg {
		var imported PublishFact
		if c.pass.ImportObjectFact(obj, &imported) {
			pf = &imported
		}
	}
	if pf == nil {
		return event{}, false
	}
	ev := c.helperEvent(call, "callback "+obj.Name(), pf)
	ev.tx = tx
	return ev, true
}

func (c *checker) helperEvent(call ssa.CallInstruction, name string, pf *PublishFact) event {
	if name == pf.Via {
		return event{call: call, via: name, fact: pf}
	}
	return event{call: call, via: fmt.Sprintf("%s (%s at %s)", name, pf.Via, pf.At), fact: pf}
}

// check reports fn's publishes inside open transactions, and the others when
// a database write follows them.
func (c *checker) check(fn *ssa.Function) {
	for _, ev := range c.events(fn) {
		if c.reportInTx(ev) {
			continue
		}
		c.reportWriteAfter(ev)
	}
}

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }

// reportInTx reports ev if a transaction may be open where it runs.
func (c *checker) reportInTx(ev event) bool {
	open := c.tx.Open(ev.call)
	if ev.tx != nil {
		open = append(open, ev.tx)
	}
	sort.Slice(open, func(i, j int) bool { return open[i].Pos < open[j].Pos })
	for _, tx := range open {
		if c.relayTx(tx) {
			continue
		}
		related := []analysis.RelatedInformation{{
			Pos:     tx.Pos,
			Message: "transaction starts here; the message should be written to the outbox in it",
		}}
		if commit := commitAfter(tx, ev.call); commit.IsValid() {
			related = append(related, analysis.RelatedInformation{
				Pos:     commit,
				Message: "transaction commits here, after the message went out",
			})
		}
		c.rep.Report(analysis.Diagnostic{
			Pos:      ev.call.Pos(),
			Category: name,
			Message: fmt.Sprintf("message published by %s at line %d while %s is open (the consumer can run before commit; write it to the outbox instead)",
				ev.via, c.line(ev.call.Pos()), c.tx.Describe(tx)),
			URL:     url,
			Related: related,
		})
		return true
	}
	return len(open) > 0
}

// commitAfter returns the position of the first call after the publish, in
// its function, that ends tx other than by rolling back, or NoPos.
func commitAfter(tx *txn.Tx, publish ssa.CallInstruction) token.Pos {
	first := token.NoPos
	for _, end := range tx.Ends() {
		call, ok := end.(ssa.CallInstruction)
		if !ok || end.Parent() != publish.Parent() || end.Pos() <= publish.Pos() || apis.IsRollback(catalog.Callee(call.Common())) {
			continue
		}
		if !first.IsValid() || end.Pos() < first {
			first = end.Pos()
		}
	}
	return first
}

// relayTx reports whether every statement seen running in tx touches only
// outbox tables: a relay claiming rows to publish, not data a consumer reads.
func (c *checker) relayTx(tx *txn.Tx) bool {
	if !c.stmtsOK {
		c.stmtsOK = true
		c.stmts = make(map[*txn.Tx][]*catalog.Call)
		for _, fn := range c.tx.SrcFuncs {
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					if call, ok := instr.(ssa.CallInstruction); ok {
						if q := c.cat.Of(call.Common()); q != nil {
							if t := c.tx.Of(q.Exec); t != nil {
								c.stmts[t.Root()] = append(c.stmts[t.Root()], q)
							}
						}
					}
				}
			}
		}
	}
	stmts := c.stmts[tx]
	if len(stmts) == 0 {
		return false
	}
	for _, q := range stmts {
		if !outboxOnly(q.Stmt) {
			return false
		}
	}
	return true
}

// outboxOnly reports whether a statement touches outbox tables only.
func outboxOnly(st *catalog.Statement) bool {
	if len(st.Tables) == 0 {
		return false
	}
	for _, t := range st.Tables {
		if !strings.Contains(strings.ToLower(t), "outbox") {
			return false
		}
	}
	return true
}

// reportWriteAfter reports ev if a database write can run after it in the
// same function, on a path that does not go round a loop.
func (c *checker) reportWriteAfter(ev event) {
	fn := ev.call.Parent()
	w := c.writeAfter(fn, ev.call)
	if w == nil {
		return
	}
	c.rep.Report(analysis.Diagnostic{
		Pos:      ev.call.Pos(),
		Category: name,
		Message: fmt.Sprintf("message published by %s at line %d before the write by %s at line %d (the consumer can act before the write lands; write the message to the outbox in the write's transaction)",
			ev.via, c.line(ev.call.Pos()), w.name, c.line(w.pos)),
		URL: url,
		Related: []analysis.RelatedInformation{{
			Pos:     w.pos,
			Message: "database write after the publish",
		}},
	})
}

type write struct {
	name string
	pos  token.Pos
}

// writeAfter finds the first database write reachable from start in fn
// without taking a loop's back edge.
func (c *checker) writeAfter(fn *ssa.Function, start ssa.Instruction) *write {
	b := start.Block()
	idx := 0
	for i, in := range b.Instrs {
		if in == start {
			idx = i + 1
		}
	}
	failed := txn.ErrorResult(start.(ssa.CallInstruction))
	seen := map[*ssa.BasicBlock]bool{b: true}
	type item struct {
		b   *ssa.BasicBlock
		idx int
	}
	queue := []item{{b, idx}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, in := range it.b.Instrs[it.idx:] {
			if w := c.writeOf(in); w != nil {
				return w
			}
		}
		succs := it.b.Succs
		if it.b == b {
			succs = txn.OnSuccess(b, failed) // a write after a failed publish is fine
		}
		for _, s := range succs {
			if seen[s] || s.Dominates(it.b) {
				continue // visited, or a back edge
			}
			seen[s] = true
			queue = append(queue, item{s, 0})
		}
	}
	return nil
}

// writeOf returns the database write instr performs: a classified write
// statement, or a call of (or callback run by) an anonymous function that
// performs one. Writes to outbox tables do not count.
func (c *checker) writeOf(instr ssa.Instruction) *write {
	call, ok := instr.(ssa.CallInstruction)
	if !ok {
		return nil
	}
	if _, isDefer := call.(*ssa.Defer); isDefer {
		return nil
	}
	common := call.Common()
	if q := c.cat.Of(common); q != nil {
		if q.Stmt.IsWrite() && !outboxOnly(q.Stmt) {
			return &write{name: q.Name, pos: call.Pos()}
		}
		return nil
	}
	for _, v := range append([]ssa.Value{common.Value}, common.Args...) {
		if anon := txn.AnonFunc(v); anon != nil {
			for _, b := range anon.Blocks {
				for _, in := range b.Instrs {
					if w := c.writeOf(in); w != nil {
						return w
					}
				}
			}
		}
	}
	return nil
}
