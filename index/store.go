package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"ctbtsearch"
	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// An index location is a directory that holds generations of the index and
// a symbolic link, "current", naming the one in service:
//
//	DIR/current -> gen-20261127T131700.000000001
//	DIR/gen-20261127T131700.000000001/   (a Bleve index and its manifest.json)
//	DIR/.lock                            (held while a build runs)
//
// A new generation is built in a temporary directory beside the others and
// put in service by renaming a new link over "current", which is atomic: a
// reader sees the old index or the new one, never a half-built one. A crash
// or kill at any moment leaves "current" pointing at the previous complete
// generation; the leftovers are removed by the next build.

const (
	currentLink = "current"
	genPrefix   = "gen-"
	tmpPrefix   = "tmp-"
	lockFile    = ".lock"
)

// DefaultLocation is where the index lives unless told otherwise: $CTBT_INDEX,
// or a directory in the user's cache, since an index can always be rebuilt
// from the reports.
func DefaultLocation() (string, error) {
	if dir := os.Getenv("CTBT_INDEX"); dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no index location: %w; use -index DIR or set CTBT_INDEX", err)
	}
	return filepath.Join(cache, "ctbtsearch", "index"), nil
}

// ErrNoIndex means the location holds no index yet.
var ErrNoIndex = errors.New("no index has been built here yet")

// MappingFingerprint identifies how an index was built — mapping.json, the
// gazetteer (state names, codes and Annex 2 marks are indexed) and the
// version of the text folding and concept tags — so a server can tell that
// an index predates a change that queries now rely on.
func MappingFingerprint() string {
	return fingerprintOf(ctbtsearch.MappingJSON, ctbtsearch.GazetteerCSV)
}

func fingerprintOf(mappingJSON, gazetteerCSV []byte) string {
	h := sha256.New()
	h.Write(mappingJSON)
	h.Write([]byte("\ngazetteer\n"))
	h.Write(gazetteerCSV)
	fmt.Fprintf(h, "\nsearch form %d, concepts %d, vocabulary %s, records %d", fold.Version, conceptsVersion, VocabularyHash(), recordsVersion)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

var fingerprintKey = []byte("ctbt:mapping")

// Fingerprint is the mapping fingerprint the index was built with.
func (ix *Index) Fingerprint() string {
	v, err := ix.shards[0].bi.GetInternal(fingerprintKey)
	if err != nil {
		return ""
	}
	return string(v)
}

// CurrentPath returns the directory of the generation in service at loc.
func CurrentPath(loc string) (string, error) {
	target, err := os.Readlink(filepath.Join(loc, currentLink))
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoIndex
	}
	if err != nil {
		return "", fmt.Errorf("index location %s: %w", loc, err)
	}
	if filepath.IsAbs(target) || strings.Contains(target, "/") || !strings.HasPrefix(target, genPrefix) {
		return "", fmt.Errorf("index location %s: %q is not a generation of this program", loc, target)
	}
	return filepath.Join(loc, target), nil
}

// OpenCurrent opens the generation in service at loc, read-only, after
// checking its files against its manifest (see OpenChecked).
func OpenCurrent(loc string) (*Index, string, error) {
	path, err := CurrentPath(loc)
	if err != nil {
		return nil, "", err
	}
	ix, err := OpenChecked(path)
	if err != nil {
		return nil, "", err
	}
	return ix, path, nil
}

// OpenChecked opens a generation read-only once its files match the sizes
// and checksums its manifest recorded when it was published: a damaged
// generation is refused with an error naming the file, which matches
// ErrDamaged, before any of it is mapped into memory. A generation without
// a manifest (published before manifests existed) is opened unchecked.
func OpenChecked(path string) (*Index, error) {
	if err := VerifyGeneration(path, true); err != nil && !errors.Is(err, ErrNoManifest) {
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	return Open(path)
}

// Publish builds a new generation at loc from reports and puts it in
// service. It holds an exclusive lock on loc for the duration, so two
// builds cannot interleave. On any error the generation in service is
// untouched and the partial build is removed.
func Publish(ctx context.Context, loc string, reports []*report.Report, progress func(records int)) (path string, err error) {
	records := 0
	for _, r := range reports {
		records += len(r.Records)
	}
	return PublishStream(ctx, loc, records, func(yield func(*report.Report, error) bool) {
		for _, r := range reports {
			if !yield(r, nil) {
				return
			}
		}
	}, progress)
}

// PublishStream is Publish for reports produced one at a time (see
// Index.AddStream). records is how many records the stream will give, known
// from a validating pass; it decides the number of shards.
func PublishStream(ctx context.Context, loc string, records int, reports iter.Seq2[*report.Report, error], progress func(records int)) (path string, err error) {
	if err := os.MkdirAll(loc, 0o755); err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	unlock, err := lockLocation(loc)
	if err != nil {
		return "", err
	}
	defer unlock()
	return publishLocked(ctx, loc, records, reports, progress)
}

// PublishUnlessChanged is Publish for a server that found no usable index
// at loc — none, or the one in service at seen ("" for none) — and builds
// one itself. Where another build is running (a second server started at
// the same moment, or an indexer) it waits for the lock instead of failing,
// calling waiting once; if by then the generation in service is no longer
// seen, the other build made it and nothing is built. It returns the
// generation in service and whether it built it.
func PublishUnlessChanged(ctx context.Context, loc, seen string, reports []*report.Report, waiting func()) (path string, built bool, err error) {
	if err := os.MkdirAll(loc, 0o755); err != nil {
		return "", false, fmt.Errorf("publish index: %w", err)
	}
	unlock, err := lockLocationWait(ctx, loc, waiting)
	if err != nil {
		return "", false, err
	}
	defer unlock()
	cur, err := CurrentPath(loc)
	switch {
	case err == nil && cur != seen:
		return cur, false, nil
	case err != nil && !errors.Is(err, ErrNoIndex):
		return "", false, err
	}
	records := 0
	for _, r := range reports {
		records += len(r.Records)
	}
	path, err = publishLocked(ctx, loc, records, func(yield func(*report.Report, error) bool) {
		for _, r := range reports {
			if !yield(r, nil) {
				return
			}
		}
	}, nil)
	return path, err == nil, err
}

// publishLocked builds and publishes a generation; the caller holds the
// location's lock.
func publishLocked(ctx context.Context, loc string, records int, reports iter.Seq2[*report.Report, error], progress func(records int)) (path string, err error) {
	removeLeftovers(loc)

	tmp, err := os.MkdirTemp(loc, tmpPrefix)
	if err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	ix, err := Create(filepath.Join(tmp, "index"), ShardsFor(records))
	if err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	if err := ix.AddStream(ctx, progress, reports); err != nil {
		ix.Close()
		return "", fmt.Errorf("publish index: %w", err)
	}
	if err := ix.shards[0].bi.SetInternal(fingerprintKey, []byte(MappingFingerprint())); err != nil {
		ix.Close()
		return "", fmt.Errorf("publish index: %w", err)
	}
	merge := records < mergeBelow // compact.go
	if merge {
		errs := make([]error, len(ix.shards))
		sideBySide(len(ix.shards), func(i int) { errs[i] = mergeSegments(ctx, ix.shards[i].bi) })
		if err := errors.Join(errs...); err != nil {
			ix.Close()
			return "", fmt.Errorf("publish index: %w", err)
		}
	}
	shards := len(ix.shards)
	if err := ix.Close(); err != nil {
		return "", fmt.Errorf("publish index: close: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	if merge {
		for i := range shards {
			if err := removeUnusedSegments(shardDir(filepath.Join(tmp, "index"), i)); err != nil {
				return "", fmt.Errorf("publish index: %w", err)
			}
		}
	}
	if err := writeManifest(filepath.Join(tmp, "index")); err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	if err := syncTree(tmp); err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	gen := genPrefix + time.Now().UTC().Format("20060102T150405.000000000")
	genPath := filepath.Join(loc, gen)
	if err := os.Rename(filepath.Join(tmp, "index"), genPath); err != nil {
		return "", fmt.Errorf("publish index: %w", err)
	}
	os.Remove(tmp)
	link := filepath.Join(loc, tmpPrefix+"link-"+gen)
	if err := os.Symlink(gen, link); err != nil {
		os.RemoveAll(genPath)
		return "", fmt.Errorf("publish index: %w", err)
	}
	if err := ctx.Err(); err != nil {
		os.Remove(link)
		os.RemoveAll(genPath)
		return "", fmt.Errorf("publish index: %w", err)
	}
	if err := os.Rename(link, filepath.Join(loc, currentLink)); err != nil {
		os.Remove(link)
		os.RemoveAll(genPath)
		return "", fmt.Errorf("publish index: %w", err)
	}
	// The new generation is in service from here on; failing to flush the
	// directory entry only risks a power cut reverting to the previous one,
	// which is a consistent state, so it is not reported as a failure.
	_ = syncDir(loc)
	removeLeftovers(loc)
	return genPath, nil
}

// removeLeftovers deletes temporary directories of interrupted builds and
// generations no longer in service. A server still reading an old
// generation keeps its open files: on Unix a removed file lives until closed.
func removeLeftovers(loc string) {
	cur, _ := CurrentPath(loc)
	entries, err := os.ReadDir(loc)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(loc, name)
		if strings.HasPrefix(name, tmpPrefix) || (strings.HasPrefix(name, genPrefix) && p != cur) {
			os.RemoveAll(p)
		}
	}
}

// errBuildRunning is why a location cannot be locked: another build holds it.
var errBuildRunning = errors.New("another indexer is building there")

// lockLocation takes an exclusive, non-blocking lock: a second indexer gets
// a clear error instead of waiting or corrupting the first one's work.
func lockLocation(loc string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(loc, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock index location: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock index location %s: %w", loc, errBuildRunning)
		}
		return nil, fmt.Errorf("lock index location %s: %w", loc, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// lockWaitPoll is how often lockLocationWait tries the lock again: a build
// of the sample takes about 100 ms.
const lockWaitPoll = 50 * time.Millisecond

// lockLocationWait takes the location's lock, waiting for a build in
// progress to end (and calling waiting once, if not nil, when it has to),
// until ctx ends. flock itself cannot be interrupted, so it polls.
func lockLocationWait(ctx context.Context, loc string, waiting func()) (func(), error) {
	for first := true; ; first = false {
		unlock, err := lockLocation(loc)
		if err == nil || !errors.Is(err, errBuildRunning) {
			return unlock, err
		}
		if first && waiting != nil {
			waiting()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the build at %s: %w", loc, ctx.Err())
		case <-time.After(lockWaitPoll):
		}
	}
}

// syncTree flushes every file of a finished build to disk before it is put
// in service, so a power cut cannot publish an index whose files are empty.
// It also opens the files to other users: Bleve creates them private, and a
// server may run as another user than the indexer.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if err := os.Chmod(p, 0o755); err != nil {
				return err
			}
			return syncDir(p)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

func syncDir(p string) error {
	d, err := os.Open(p)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// manifestName is the file, inside a generation, that lists the size and
// checksum of every other file of it as published.
const manifestName = "manifest.json"

// ErrNoManifest means a generation has no manifest: it was published by a
// version of the indexer that did not write one, and cannot be checked.
var ErrNoManifest = errors.New("the generation has no manifest (published by an older indexer); it cannot be checked")

type manifest struct {
	Files []manifestFile `json:"files"`
}

type manifestFile struct {
	Path   string `json:"path"` // relative to the generation, with /
	Size   int64  `json:"size"`
	CRC32C uint32 `json:"crc32c"`
}

// crc32c is the Castagnoli table, computed in hardware on amd64 and arm64:
// checking a generation costs little more than reading it. The checksum is
// against accidental damage (a truncated copy, a bad disk, a stray write);
// whoever can write to the index location is trusted (docs/SECURITY.md).
var crc32c = crc32.MakeTable(crc32.Castagnoli)

// writeManifest records the size and checksum of every file under dir.
func writeManifest(dir string) error {
	var m manifest
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		size, sum, err := checksumFile(p)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, manifestFile{Path: filepath.ToSlash(rel), Size: size, CRC32C: sum})
		return nil
	})
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	data, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), data, 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

func checksumFile(p string) (int64, uint32, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	h := crc32.New(crc32c)
	n, err := io.Copy(h, f)
	return n, h.Sum32(), err
}

// VerifyGeneration checks the files of the generation at path against its
// manifest: that each exists with its recorded size and, when full is set,
// its recorded checksum. Sizes alone cost a stat per file, which is how a
// server watches the generation it serves; checksums read everything, which
// it does before putting a generation in service and when a read fails.
// A mismatch is an error naming the file that matches ErrDamaged; a missing
// manifest (or generation) is ErrNoManifest.
func VerifyGeneration(path string, full bool) error {
	data, err := os.ReadFile(filepath.Join(path, manifestName))
	if errors.Is(err, os.ErrNotExist) {
		return ErrNoManifest
	}
	if err != nil {
		return fmt.Errorf("check generation %s: %w", filepath.Base(path), err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || len(m.Files) == 0 {
		return damaged(path, manifestName, "the manifest is unreadable")
	}
	for _, f := range m.Files {
		p := filepath.Join(path, filepath.FromSlash(f.Path))
		if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
			return damaged(path, manifestName, fmt.Sprintf("the manifest names %q, outside the generation", f.Path))
		}
		st, err := os.Stat(p)
		if err != nil {
			return damaged(path, f.Path, "missing")
		}
		if st.Size() != f.Size {
			return damaged(path, f.Path, fmt.Sprintf("%d bytes, published with %d", st.Size(), f.Size))
		}
		if !full {
			continue
		}
		_, sum, err := checksumFile(p)
		if err != nil {
			return damaged(path, f.Path, err.Error())
		}
		if sum != f.CRC32C {
			return damaged(path, f.Path, "its content changed since it was published (checksum mismatch)")
		}
	}
	return nil
}

// DamagedError says which file of a generation is damaged and how.
type DamagedError struct {
	Generation string // the generation's directory name, gen-…
	File       string // relative to it
	Problem    string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("index generation %s is damaged: %s: %s", e.Generation, e.File, e.Problem)
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

func damaged(path, file, problem string) error {
	return &DamagedError{Generation: filepath.Base(path), File: file, Problem: problem}
}
