package index

import (
	"context"
	"crypto/sha256"
	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"ctbtsearch"
)

// An index location is a directory that holds generations of the index and
// a symbolic link, "current", naming the one in service:
//
//	DIR/current -> gen-20261127T131700.000000001
//	DIR/gen-20261127T131700.000000001/   (a Bleve index)
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
	fmt.Fprintf(h, "\nsearch form %d, concepts %d, vocabulary %s", fold.Version, conceptsVersion, VocabularyHash())
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

// OpenCurrent opens the generation in service at loc, read-only.
func OpenCurrent(loc string) (*Index, string, error) {
	path, err := CurrentPath(loc)
	if err != nil {
		return nil, "", err
	}
	ix, err := Open(path)
	if err != nil {
		return nil, "", err
	}
	return ix, path, nil
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
	if err := ix.Close(); err != nil {
		return "", fmt.Errorf("publish index: close: %w", err)
	}
	if err := ctx.Err(); err != nil {
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
			return nil, fmt.Errorf("lock index location %s: another indexer is building there", loc)
		}
		return nil, fmt.Errorf("lock index location %s: %w", loc, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
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
