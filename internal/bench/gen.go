package bench

import (
	"fmt"
	"io"
	"slices"

	"ctbtsearch/internal/synth"
)

// GenConfig configures Gen.
type GenConfig struct {
	Records int
	Out     string
	Seed    uint64
}

// Gen writes a synthetic corpus and reports what it wrote.
func Gen(cfg GenConfig, out io.Writer) (*Result, error) {
	st, err := synth.Write(cfg.Out, synth.Options{Records: cfg.Records, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	res := newResult(ToolSynth, PhaseGen, st.Records)
	res.Files = st.Files
	res.Bytes = st.Bytes
	res.GenSec = st.Elapsed.Seconds()
	res.Note = fmt.Sprintf("sessions %d-%d, %d states, %d page breaks, %d continuation rows, %d footnote markers, %d alias and %d wrapped state names",
		st.FirstSession, st.LastSession, st.States, st.PageBreaks, st.Continuations, st.Footnotes, st.Aliases, st.Wrapped)
	res.notePeak()
	PrintTable(out, res)
	secs := make([]string, 0, len(st.Sections))
	for s := range st.Sections {
		secs = append(secs, s)
	}
	slices.Sort(secs)
	fmt.Fprint(out, "  sections  ")
	for _, s := range secs {
		fmt.Fprintf(out, " %s %d (%.0f%%)", s, st.Sections[s], 100*float64(st.Sections[s])/float64(st.Records))
	}
	fmt.Fprint(out, "\n  date forms")
	for _, f := range synth.DateForms() {
		fmt.Fprintf(out, " %s %d", f, st.DateForms[f])
	}
	fmt.Fprintln(out)
	return res, nil
}
