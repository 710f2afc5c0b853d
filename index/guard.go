package index

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
)

// An index generation is memory-mapped (Bleve's segments and its bolt
// file). Reading a mapped page whose file was truncated under it raises
// SIGBUS, which by default kills the whole process ("fatal error: fault"),
// and damaged bytes make Bleve's decoders index out of range, which panics.
// Neither may take a server down: every goroutine that reads an index runs
// under guardReads, which asks the runtime to turn faults into panics
// (runtime/debug.SetPanicOnFault, a per-goroutine setting) and recovers
// them, and any other panic of the read, into a *ReadError.

// ErrDamaged marks errors that mean an index generation's files are damaged:
// a read fault or panic, or files that do not match the generation's
// manifest.
var ErrDamaged = errors.New("index damaged")

// ReadError is a fault or a panic while reading an index, turned into an
// error, or an inconsistency no sound index has. It matches ErrDamaged.
type ReadError struct {
	Fault bool   // a memory fault (a truncated file), not another panic
	Value any    // what was recovered
	Stack []byte // where
}

func (e *ReadError) Error() string {
	if e.Fault {
		return fmt.Sprintf("reading the index: memory fault (a file of the index was truncated or damaged): %v", e.Value)
	}
	if e.Stack == nil {
		return fmt.Sprintf("reading the index: %v (a file of the index may be damaged)", e.Value)
	}
	return fmt.Sprintf("reading the index: panic (a file of the index may be damaged): %v\n%s", e.Value, e.Stack)
}

func (e *ReadError) Is(target error) bool { return target == ErrDamaged }

// guardReads is deferred by every function that starts reading an index in a
// goroutine, as
//
//	defer guardReads(&err, debug.SetPanicOnFault(true))
//
// It restores the goroutine's previous fault setting and turns a panic into
// *err. It must itself be the deferred function, or recover would not see
// the panic.
func guardReads(err *error, prevPanicOnFault bool) {
	debug.SetPanicOnFault(prevPanicOnFault)
	r := recover()
	if r == nil {
		return
	}
	stack := make([]byte, 8<<10)
	stack = stack[:runtime.Stack(stack, false)]
	_, fault := r.(interface{ Addr() uintptr }) // the runtime's fault errors carry the address
	*err = &ReadError{Fault: fault, Value: r, Stack: stack}
}
