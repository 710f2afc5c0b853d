// Package hangup takes SIGHUP as early as a Go program can, so that a SIGHUP
// sent in the first milliseconds of a server's life cannot end it.
//
// Until a program asks for SIGHUP, the Go runtime gives it the default
// action, which ends the process (exit status 129). A server installs its
// handler in main or later, after every package it imports has been
// initialised — about 18 ms after start for cmd/search, spent mostly in
// Bleve's initialisation — and an indexer script's "publish, then kill -HUP"
// killed it 5 times out of 5 when the signal came 5 ms after start.
//
// Importing this package moves that moment to the initialisation of the
// package itself. Go initialises packages in the order of their import
// paths, each as soon as its own imports are done; this one needs only
// os/signal, so it comes about 1 ms after start, before any package outside
// the standard library (TestSIGHUPBeforeInit in cmd/search checks that).
// The signals it catches before the server's own handler is installed are
// dropped: the server has not opened its index yet, so there is nothing to
// reload.
package hangup

import (
	"os"
	"os/signal"
	"syscall"
)

// early receives SIGHUPs for the whole life of the program; one is kept,
// later ones are dropped (signal delivery never blocks).
var early = make(chan os.Signal, 1)

func init() { signal.Notify(early, syscall.SIGHUP) }
