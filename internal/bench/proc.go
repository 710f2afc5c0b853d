package bench

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ProcMem is a process's resident memory as /proc/PID/status tells it.
type ProcMem struct {
	RSS  int64 // VmRSS: resident now, bytes
	Peak int64 // VmHWM: the most ever resident, bytes
	// RSS now, split: the process's own memory (heap, stacks) and pages
	// of mapped files — for the server, its index, which the kernel may
	// drop and read again when memory is short.
	Anon, File int64
}

// ReadProcMem reads the memory of process pid, or of this process when pid
// is 0. It works on Linux only.
func ReadProcMem(pid int) (ProcMem, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	f, err := os.Open(path)
	if err != nil {
		return ProcMem{}, fmt.Errorf("read memory of process: %w", err)
	}
	defer f.Close()
	var m ProcMem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch key {
		case "VmRSS":
			m.RSS = parseKB(val)
		case "VmHWM":
			m.Peak = parseKB(val)
		case "RssAnon":
			m.Anon = parseKB(val)
		case "RssFile":
			m.File = parseKB(val)
		}
	}
	return m, sc.Err()
}

// parseKB reads "  123456 kB".
func parseKB(s string) int64 {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n * 1024
}

// ResetPeakRSS starts a new VmHWM measurement for this process (Linux ≥ 4.0:
// writing 5 to clear_refs resets the high-water mark to the current RSS), so
// that one phase's peak does not hide the next one's.
func ResetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// DiskUsage adds up the blocks allocated to every file under root, as du
// does, in bytes.
func DiskUsage(root string) (int64, error) {
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += info.Size()
		}
		return nil
	})
	return total, err
}

// mib formats bytes as MiB for tables.
func mib(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
