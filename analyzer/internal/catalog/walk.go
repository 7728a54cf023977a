package catalog

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// walk calls f for n and every node below it, in depth-first order.
func walk(n *pg.Node, f func(*pg.Node)) {
	if n == nil {
		return
	}
	walkMessage(n.ProtoReflect(), f)
}

func walkMessage(m protoreflect.Message, f func(*pg.Node)) {
	if n, ok := m.Interface().(*pg.Node); ok {
		f(n)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkMessage(l.Get(i).Message(), f)
			}
		case fd.IsMap():
		default:
			walkMessage(v.Message(), f)
		}
		return true
	})
}
