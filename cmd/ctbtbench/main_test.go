package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	ctx := context.Background()
	var out, errOut strings.Builder
	if err := run(ctx, nil, &out, &errOut); err == nil || !strings.Contains(errOut.String(), "usage: ctbtbench") {
		t.Errorf("no arguments: err %v, stderr %q", err, errOut.String())
	}
	if err := run(ctx, []string{"frobnicate"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	for _, args := range [][]string{
		{"gen", "-out", t.TempDir()},
		{"index", t.TempDir()},
		{"search"},
		{"load"},
		{"load", "-url", "http://198.51.100.7:80"},
		{"baseline", "-work", t.TempDir()},
		{"chart", "-in", "x.jsonl"},
		{"gen", "-records", "5", "-out", t.TempDir(), "extra"},
	} {
		if err := run(ctx, args, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestRunGenJSON(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "r.jsonl")
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"gen", "-records", "120", "-out", filepath.Join(dir, "c"), "-json", results}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"phase":"gen"`) || !strings.Contains(out.String(), "120 records") {
		t.Errorf("results %s\noutput %s", data, out.String())
	}
}
