package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"

	"ctbtsearch/report"
)

// Records are kept beside each shard's Bleve index, in a file of their own
// read with pread, not as a stored field of Bleve's segments. Segments are
// memory-mapped, and every record shown faulted in the pages around it (64
// KiB a fault on Linux 6.18, MADV_RANDOM or not): 40,000 records read at
// random from the 1M synthetic index mapped 386 MiB of it, the stored
// section of both shards whole, into the server's resident set, although a
// search shows twenty. Read with pread, a record costs one system call and
// stays out of the process's memory (the kernel's page cache may keep it).
// The stored records were 37% of the index on disk.

// recordsVersion changes when the records move or change their form (part
// of MappingFingerprint and of the records index's first line): 1, kept in
// files beside the shards; 2, each after its checksum.
const recordsVersion = 2

// recordStore holds one shard's records, each found by its report and its
// position in it (seq), which the columns give for every document: the
// store needs no lookup of Bleve's own (document numbers change as segments
// merge; a record's report and position do not).
type recordStore struct {
	mu       sync.RWMutex
	file     *os.File               // the records, one after the other; nil in memory
	w        *bufio.Writer          // appends to file while it is built: one write a megabyte, not a record
	mem      []byte                 // the records of an index in memory
	size     int64                  // bytes of records, buffered ones included
	byReport map[string][]recordRef // report id → its records here by seq-1; zero: not in this shard
	idxPath  string                 // where close writes the index of a store being built; "" once written or read-only
	// mutable: records may still be added, and a report indexed again
	// replaces the rows an older snapshot may still show (loadRecord).
	mutable bool
}

// recordRef is where a record is: its offset shifted left by recordLenBits,
// and its length. Zero is no record: a record has at least its format byte.
// Packed in one word, the refs of a million records take 8 MB.
type recordRef uint64

const (
	recordLenBits = 24
	maxRecordLen  = 1<<recordLenBits - 1 // 16 MiB: a table row is a few KiB
	maxRecordsLen = 1<<(64-recordLenBits) - 1
)

func (r recordRef) offset() int64 { return int64(r >> recordLenBits) }
func (r recordRef) length() int   { return int(r & maxRecordLen) }

// recordFiles names the files of shard i's records in the index at dir.
func recordFiles(dir string, i int) (data, idx string) {
	base := filepath.Join(dir, fmt.Sprintf("records-%d", i))
	return base, base + ".idx"
}

func newMemoryRecords() *recordStore {
	return &recordStore{byReport: map[string][]recordRef{}, mutable: true}
}

// createRecords starts the record files of a shard being built.
func createRecords(dir string, i int) (*recordStore, error) {
	data, idx := recordFiles(dir, i)
	f, err := os.OpenFile(data, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create records: %w", err)
	}
	return &recordStore{file: f, w: bufio.NewWriterSize(f, 1<<20), byReport: map[string][]recordRef{}, idxPath: idx, mutable: true}, nil
}

// errNoRecordFiles: the generation keeps its records in Bleve, as those
// built before recordsVersion 1 did.
var errNoRecordFiles = errors.New("no record files")

// openRecords opens shard i's record files read-only.
func openRecords(dir string, i int) (*recordStore, error) {
	data, idx := recordFiles(dir, i)
	raw, err := os.ReadFile(idx)
	_, dataErr := os.Stat(data)
	switch {
	case errors.Is(err, os.ErrNotExist) && errors.Is(dataErr, os.ErrNotExist):
		return nil, errNoRecordFiles
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("open records: %s is missing beside %s", filepath.Base(idx), filepath.Base(data))
	case err != nil:
		return nil, fmt.Errorf("open records: %w", err)
	}
	f, err := os.Open(data)
	if err != nil {
		return nil, fmt.Errorf("open records: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open records: %w", err)
	}
	s := &recordStore{file: f, size: st.Size()}
	if s.byReport, err = decodeRecordIndex(raw, st.Size()); err != nil {
		f.Close()
		return nil, fmt.Errorf("open records: %s: %w", filepath.Base(idx), err)
	}
	return s, nil
}

// add appends the record of report's seq-th row (1-based), replacing one
// added before. Each record is stored after its CRC-32C: damaged bytes
// inside a text would still decode, and a page would show them.
func (s *recordStore) add(report string, seq int, raw []byte) error {
	n := crcLen + len(raw)
	if len(raw) == 0 || n > maxRecordLen {
		return fmt.Errorf("store record %d of %s: %d bytes (at most %d)", seq, report, len(raw), maxRecordLen-crcLen)
	}
	if seq < 1 {
		return fmt.Errorf("store record %d of %s: positions start at 1", seq, report)
	}
	stored := binary.LittleEndian.AppendUint32(make([]byte, 0, n), crc32.Checksum(raw, crc32c))
	stored = append(stored, raw...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size+int64(n) > maxRecordsLen {
		return fmt.Errorf("store record %d of %s: the shard's records exceed %d bytes", seq, report, int64(maxRecordsLen))
	}
	if s.w != nil {
		if _, err := s.w.Write(stored); err != nil {
			return fmt.Errorf("store record %d of %s: %w", seq, report, err)
		}
	} else {
		s.mem = append(s.mem, stored...)
	}
	refs := s.byReport[report]
	for len(refs) < seq {
		refs = append(refs, 0)
	}
	refs[seq-1] = recordRef(uint64(s.size)<<recordLenBits | uint64(n))
	s.byReport[report] = refs
	s.size += int64(n)
	return nil
}

// crcLen is the length of the checksum before each record.
const crcLen = 4

// record reads and decodes the record of report's seq-th row. The index
// has the document, so the files must have its record: when they cannot
// give it (missing, cut short, not what was written), they contradict each
// other, which is damage (a ReadError, naming the file).
func (s *recordStore) record(rep string, seq int) (report.Record, error) {
	s.mu.RLock()
	refs := s.byReport[rep]
	var ref recordRef
	if seq >= 1 && seq <= len(refs) {
		ref = refs[seq-1]
	}
	mem := s.mem
	buffered := s.w != nil && ref.offset()+int64(ref.length()) > s.size-int64(s.w.Buffered())
	s.mu.RUnlock()
	damaged := func(problem string) error {
		name := "memory"
		if s.file != nil {
			name = filepath.Base(s.file.Name())
		}
		return &ReadError{Value: fmt.Sprintf("record %d of %s in %s: %s", seq, rep, name, problem)}
	}
	if ref == 0 {
		return report.Record{}, damaged("not there")
	}
	if buffered { // a search of an index being built
		if err := s.flush(); err != nil {
			return report.Record{}, fmt.Errorf("record %d of %s: %w", seq, rep, err)
		}
	}
	off, n := ref.offset(), ref.length()
	var stored []byte
	if s.file == nil {
		stored = mem[off : off+int64(n) : off+int64(n)]
	} else {
		stored = make([]byte, n)
		if _, err := s.file.ReadAt(stored, off); err != nil {
			return report.Record{}, damaged(err.Error())
		}
	}
	if n < crcLen || binary.LittleEndian.Uint32(stored) != crc32.Checksum(stored[crcLen:], crc32c) {
		return report.Record{}, damaged("checksum mismatch")
	}
	rec, err := decodeRecord(stored[crcLen:])
	if err != nil {
		return report.Record{}, damaged(err.Error())
	}
	return rec, nil
}

// flush writes out the buffered records, if any.
func (s *recordStore) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	return nil
}

// close writes the index of a store being built and closes its file.
func (s *recordStore) close() error {
	if s == nil || s.file == nil {
		return nil
	}
	var errs []error
	if err := s.flush(); err != nil {
		errs = append(errs, err)
	}
	s.mu.Lock()
	s.w = nil
	s.mu.Unlock()
	if s.idxPath != "" {
		if err := writeRecordIndex(s.idxPath, s.byReport); err != nil {
			errs = append(errs, err)
		}
		s.idxPath = ""
	}
	if err := s.file.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close records: %w", err))
	}
	return errors.Join(errs...)
}

// recordIndexMagic starts a records index: the format's name and version.
var recordIndexMagic = fmt.Sprintf("ctbt-records-%d\n", recordsVersion)

// writeRecordIndex writes byReport: the magic, the number of reports, then
// for each its id (length and bytes), its number of rows and each row's ref
// (uvarints).
func writeRecordIndex(path string, byReport map[string][]recordRef) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write records index: %w", err)
	}
	w := bufio.NewWriter(f)
	var buf []byte
	buf = append(buf, recordIndexMagic...)
	buf = binary.AppendUvarint(buf, uint64(len(byReport)))
	w.Write(buf)
	for id, refs := range byReport {
		buf = binary.AppendUvarint(buf[:0], uint64(len(id)))
		buf = append(buf, id...)
		buf = binary.AppendUvarint(buf, uint64(len(refs)))
		for _, r := range refs {
			buf = binary.AppendUvarint(buf, uint64(r))
		}
		w.Write(buf)
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write records index: %w", err)
	}
	return nil
}

// decodeRecordIndex reads what writeRecordIndex wrote, checking every ref
// against the size of the records file.
func decodeRecordIndex(raw []byte, size int64) (map[string][]recordRef, error) {
	if len(raw) < len(recordIndexMagic) || string(raw[:len(recordIndexMagic)]) != recordIndexMagic {
		return nil, errors.New("not a records index of this version")
	}
	p := raw[len(recordIndexMagic):]
	next := func() (uint64, error) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, io.ErrUnexpectedEOF
		}
		p = p[n:]
		return v, nil
	}
	reports, err := next()
	if err != nil || reports > uint64(len(p)) {
		return nil, errors.New("damaged: bad report count")
	}
	out := make(map[string][]recordRef, reports)
	for range reports {
		n, err := next()
		if err != nil || n > uint64(len(p)) {
			return nil, errors.New("damaged: bad report id")
		}
		id := string(p[:n])
		p = p[n:]
		rows, err := next()
		if err != nil || rows > uint64(len(p)) {
			return nil, fmt.Errorf("damaged: bad row count of report %s", id)
		}
		refs := make([]recordRef, rows)
		for i := range refs {
			v, err := next()
			if err != nil {
				return nil, fmt.Errorf("damaged: report %s ends early", id)
			}
			r := recordRef(v)
			if r != 0 && (r.length() == 0 || r.offset()+int64(r.length()) > size) {
				return nil, fmt.Errorf("damaged: row %d of report %s lies outside the records file", i+1, id)
			}
			refs[i] = r
		}
		out[id] = refs
	}
	if len(p) != 0 {
		return nil, errors.New("damaged: bytes after the last report")
	}
	return out, nil
}
