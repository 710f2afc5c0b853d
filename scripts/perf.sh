#!/usr/bin/env bash
# perf.sh — the scale study of the CTBT search, on SYNTHETIC reports.
#
#   scripts/perf.sh [SIZE...]          # default: 10000 100000 1000000
#
# For each corpus size it runs, one after another (never in parallel: the
# machine has two cores and every step measures time):
#
#   1. ctbtbench gen       a synthetic corpus of SIZE records (internal/synth),
#                          unless one of that size and seed is already there
#   2. ctbtbench index     parse it and publish it with index.Publish
#      ctbtbench indexer   the cmd/indexer binary on it, timed from outside
#                          (into a scratch location, removed after; the median
#                          of three builds below a million records)
#   3. ctbtbench search    the scale mix in process (-facets), then the product
#                          mix (-mix product: issue 14's common queries, four
#                          narrowed by section and month), each cold
#                          (-match-cache 0, every search walks its matches; with
#                          a CPU profile) and as served (the match cache on)
#   4. cmd/search          the real server on 127.0.0.1:$PORT, warmed up with 50
#                          unrecorded requests, then
#      ctbtbench load      the product mix, then the scale mix, over HTTP at 1
#                          and at 16 clients, each for $DURATION, each with the
#                          Echo floor (-floor); then the same against the server
#                          restarted with -match-cache 0 (cold)
#   5. ctbtbench baseline  plain Bleve on the same corpus, both mixes
#
# and at the end draws docs/perf.svg from all results so far and writes this
# run's tables into docs/PERFORMANCE.md (ctbtbench tables; TABLES=0 skips).
#
# Everything goes under var/perf/ (gitignored):
#   var/perf/results.jsonl     one JSON line per measurement, appended (the chart reads it)
#   var/perf/run.jsonl         this run's lines only (the tables read it)
#   var/perf/SIZE/report.txt   the tables printed by every step
#   var/perf/SIZE/corpus/      the synthetic reports
#   var/perf/SIZE/index/       our index location; var/perf/SIZE/bleve-index/ plain Bleve's
#   var/perf/SIZE/search.cpu.prof (cold), server-on.log, server-off.log
#
# Environment:
#   DURATION=10s   load duration per run      QUERIES=2000  queries per in-process run
#   PORT=18080     server port (loopback)     SEED=1        corpus seed
#   OUT=var/perf   where everything goes      TABLES=1      write docs/PERFORMANCE.md's tables
#   CLEAN=1        delete corpus and indexes of a size once it is measured
#   BASELINE=0     skip plain Bleve (step 5): its code does not change with
#                  ours, so a later run may reuse an earlier run's lines
#   BASELINE=reuse search the plain Bleve index an earlier run left in
#                  $OUT/SIZE/bleve-index (same corpus) instead of building it;
#                  the tables take its indexing figures from that run
#
# Disk and time at 1M records, roughly: corpus 0.25 GB, our index 2 GB,
# plain Bleve's 3 GB; 20-30 minutes for the size. This script is not part of
# `go test ./...`; run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
QUERIES=${QUERIES:-2000}
PORT=${PORT:-18080}
SEED=${SEED:-1}
CLEAN=${CLEAN:-0}
TABLES=${TABLES:-1}
BASELINE=${BASELINE:-1}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000 1000000)

OUT=${OUT:-var/perf}
BIN=$OUT/bin
RESULTS=$OUT/results.jsonl
RUN=$OUT/run.jsonl
mkdir -p "$BIN"
: >"$RUN"

echo "--- building ctbtbench, the server and the indexer"
go build -o "$BIN/ctbtbench" ./cmd/ctbtbench
go build -o "$BIN/search" ./cmd/search
go build -o "$BIN/indexer" ./cmd/indexer

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT INT TERM

# wait_port waits until something listens on 127.0.0.1:$PORT.
wait_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "server exited; see $1" >&2; return 1; fi
    sleep 0.2
  done
  echo "server did not listen on port $PORT within 120 s" >&2
  return 1
}

for N in "${SIZES[@]}"; do
  D=$OUT/$N
  echo "=== $N records → $D"
  rm -rf "$D/index" "$D/indexer-index"
  if [ "$BASELINE" = 1 ]; then rm -rf "$D/bleve-index"; fi
  mkdir -p "$D"
  REPORT=$D/report.txt
  : >"$REPORT"
  step() {
    echo "--- $*"
    "$BIN/ctbtbench" "$1" -json "$RUN.step" "${@:2}" 2>&1 | tee -a "$REPORT"
    if [ -f "$RUN.step" ]; then cat "$RUN.step" >>"$RUN"; cat "$RUN.step" >>"$RESULTS"; rm -f "$RUN.step"; fi
  }

  if [ -f "$D/corpus/.seed-$SEED" ]; then
    echo "--- corpus of $N records, seed $SEED, already in $D/corpus"
  else
    rm -rf "$D/corpus" "$D/bleve-index" # a plain Bleve index of another corpus is no use
    step gen -records "$N" -out "$D/corpus" -seed "$SEED"
    touch "$D/corpus/.seed-$SEED"
  fi
  step index -index "$D/index" "$D/corpus"
  # The median of three builds below a million records (a lone run of a few
  # seconds varies by a third on this machine); one at a million (~2.5 min).
  RUNS=3
  if [ "$N" -ge 1000000 ]; then RUNS=1; fi
  step indexer -bin "$BIN/indexer" -index "$D/indexer-index" -runs "$RUNS" "$D/corpus"
  rm -rf "$D/indexer-index"
  step search -index "$D/index" -n "$QUERIES" -facets -match-cache 0 -cpuprofile "$D/search.cpu.prof"
  step search -index "$D/index" -n "$QUERIES" -facets
  step search -index "$D/index" -n "$QUERIES" -mix product -match-cache 0
  step search -index "$D/index" -n "$QUERIES" -mix product

  for CACHE in on off; do
    echo "--- server on 127.0.0.1:$PORT, match cache $CACHE"
    MIB=64
    FLOOR=-floor
    if [ "$CACHE" = off ]; then MIB=0; FLOOR=; fi
    "$BIN/search" -index "$D/index" -addr "127.0.0.1:$PORT" -match-cache "$MIB" >"$D/server.out" 2>"$D/server-$CACHE.log" &
    SERVER_PID=$!
    wait_port "$D/server-$CACHE.log"
    # Warm the server up (its first searches build what it caches), unrecorded.
    "$BIN/ctbtbench" load -url "http://127.0.0.1:$PORT" -clients 1 -duration 60s -max 50 -facets >/dev/null
    for MIX in product scale; do
      for C in 1 16; do
        step load -url "http://127.0.0.1:$PORT" -mix "$MIX" -clients "$C" -duration "$DURATION" -facets $FLOOR -server-cache "$CACHE" -pid "$SERVER_PID"
      done
    done
    stop_server
  done

  if [ "$BASELINE" = 1 ] || [ "$BASELINE" = reuse ]; then
    REUSE=
    if [ "$BASELINE" = reuse ]; then
      REUSE=-reuse
      # The index is the one an earlier run built and timed: carry its line.
      grep "\"tool\":\"bleve\",\"phase\":\"index\",\"records\":$N," "$RESULTS" | tail -1 >>"$RUN" || true
    fi
    step baseline -dir "$D/corpus" -work "$D" $REUSE -n "$QUERIES" -facets -mix scale,product
    # baseline writes its index to $D/bleve-index
  fi

  if [ "$CLEAN" = 1 ]; then rm -rf "$D/corpus" "$D/index" "$D/bleve-index"; fi
done

echo "--- chart"
"$BIN/ctbtbench" chart -in "$RESULTS" -out docs/perf.svg
if [ "$TABLES" = 1 ]; then
  "$BIN/ctbtbench" tables -in "$RUN" -doc docs/PERFORMANCE.md
fi
echo "results: $RESULTS; tables: $OUT/*/report.txt and docs/PERFORMANCE.md; chart: docs/perf.svg"
echo "profile: go tool pprof -top $BIN/ctbtbench $OUT/SIZE/search.cpu.prof"
