package bench

import "testing"

// TestReadProcMem: this process's resident memory is read, and its two
// parts add up to about the whole (each line is rounded to a kB apart).
func TestReadProcMem(t *testing.T) {
	m, err := ReadProcMem(0)
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS || m.Anon <= 0 || m.File <= 0 {
		t.Fatalf("ReadProcMem(0) = %+v", m)
	}
	if d := m.RSS - m.Anon - m.File; d < -1<<20 || d > 1<<20 {
		t.Errorf("RSS %d, but own %d + mapped files %d", m.RSS, m.Anon, m.File)
	}
}
