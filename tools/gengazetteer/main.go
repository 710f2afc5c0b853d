// Command gengazetteer derives the project's compact country gazetteer,
// data/gazetteer/states.csv, from the shared UN country-name sources. The
// output is committed: only maintainers run this, after the sources change.
//
// Run it from the module root:
//
//	go run ./tools/gengazetteer -shared ../shared/gazetteer -out data/gazetteer/states.csv
//
// The -shared directory must hold country-codes.csv (datasets/country-codes,
// HEAD), country_names_union.csv (every name any past version of that file
// gave each code) and ctbt_annex2_states.csv (the 44 states of the Treaty's
// Annex 2). The columns written are described in data/gazetteer/README.md.
//
// Aliases that would name two different states are dropped, and each drop is
// reported on standard error, so that a lookup or a mention is never a guess.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/norm"
)

// annex2Count is fixed by the Treaty; a different count means a broken source.
const annex2Count = 44

// malayCLDRCommit is the country-codes commit from which, until HEAD fixed it,
// the "CLDR display name" column was scraped from CLDR's Malay (ms) locale
// ("Jerman", "Korea Selatan", "A.S" …). Those names are nobody's spelling of a
// state in this project, so CLDR names first seen in that commit and gone
// from HEAD are ignored.
const malayCLDRCommit = "a09b84a"

// englishOverride fixes the English short name where HEAD has no UNTERM
// English short name and its official_name_en is not the UN's usage: since
// 2024 it says "Ivory Coast" for CIV, which the UN never writes. (TUR also
// lacks UNTERM columns at HEAD, but its official_name_en "Türkiye" is the
// current UN name, so it needs no override.)
var englishOverride = map[string]string{
	"CIV": "Côte d'Ivoire",
}

// curated are the common Chinese (and a few English) names people type or
// write that no source lists under the right code. Project-curated; each is
// checked to name exactly one state, and only correct forms are listed
// (no 南朝鲜 and the like). 中非 is deliberately absent: in running text it
// usually means "China–Africa", not the Central African Republic.
var curated = map[string][]string{
	"ARE": {"阿联酋"},
	"AUS": {"澳洲"},
	"BIH": {"波黑"},
	"BOL": {"玻利维亚"},
	"BRN": {"文莱"},
	"CIV": {"象牙海岸"},
	"COD": {"刚果(金)", "民主刚果", "扎伊尔"}, // 扎伊尔: the name in the Treaty's Annex 2 (1996)
	"COG": {"刚果(布)", "刚果共和国"},
	"CZE": {"捷克"},
	"DOM": {"多米尼加"},
	"FSM": {"密克罗尼西亚", "密克罗尼西亚联邦"},
	"GBR": {"英国", "联合王国", "大不列颠", "Great Britain", "Britain"},
	"HKG": {"香港", "中国香港"},
	"IDN": {"印尼"},
	"IRN": {"伊朗"},
	"KGZ": {"吉尔吉斯"},
	"KOR": {"韩国", "South Korea"},
	"LAO": {"老挝"},
	"MAC": {"澳门", "中国澳门"},
	"MDA": {"摩尔多瓦"},
	"MKD": {"马其顿"},
	"MMR": {"Burma"},
	"NLD": {"荷兰"},
	"PNG": {"巴新"},
	"PRK": {"朝鲜", "北朝鲜", "North Korea"},
	"PSE": {"巴勒斯坦"},
	"RUS": {"俄罗斯", "俄国", "Russia"},
	"SAU": {"沙特"},
	"SWZ": {"埃斯瓦蒂尼"},
	"SYR": {"叙利亚"},
	"TZA": {"坦桑尼亚"},
	"USA": {"美国", "美利坚", "USA"},
	"VAT": {"梵蒂冈"},
	"VEN": {"委内瑞拉"},
	"VNM": {"越南"},
}

type state struct {
	code, alpha2          string
	name, formal, english string
	annex2                bool
	aliases               []string // candidate spellings, in source order
	aliasSeen             map[string]bool
}

func (s *state) addAlias(a string) {
	if a == "" || s.aliasSeen[a] {
		return
	}
	s.aliasSeen[a] = true
	s.aliases = append(s.aliases, a)
}

// unionRow is one line of country_names_union.csv.
type unionRow struct {
	code, lang, column, name, inHead, lastSeen, firstCommit string
}

func main() {
	shared := flag.String("shared", "../shared/gazetteer", "directory holding the source CSV files")
	out := flag.String("out", "data/gazetteer/states.csv", "gazetteer file to write")
	flag.Parse()
	if err := run(*shared, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gengazetteer:", err)
		os.Exit(1)
	}
}

func run(shared, out string) error {
	codes, err := readCSV(filepath.Join(shared, "country-codes.csv"))
	if err != nil {
		return err
	}
	union, err := readUnion(filepath.Join(shared, "country_names_union.csv"))
	if err != nil {
		return err
	}
	annex, err := readCSV(filepath.Join(shared, "ctbt_annex2_states.csv"))
	if err != nil {
		return err
	}

	states, err := buildStates(codes, union)
	if err != nil {
		return err
	}
	for code := range curated {
		if states[code] == nil {
			return fmt.Errorf("curated aliases for unknown code %s", code)
		}
	}
	addAliases(states, union)
	if err := markAnnex2(states, annex); err != nil {
		return err
	}
	pruneColumns(states)
	list := sortedStates(states)
	dropped, err := dropAmbiguous(list, os.Stderr)
	if err != nil {
		return err
	}
	n, err := write(out, list)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gengazetteer: wrote %s: %d states, %d aliases, %d ambiguous aliases dropped\n",
		out, len(list), n, dropped)
	return nil
}

// table is a CSV file read into maps keyed by header.
type table []map[string]string

func readCSV(path string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var t table
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[h] = rec[i]
		}
		t = append(t, m)
	}
}

var alpha3 = regexp.MustCompile(`^[A-Z]{3}$`)

func readUnion(path string) ([]unionRow, error) {
	t, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	var rows []unionRow
	for _, m := range t {
		// The union also caught a commit where the source's header row was
		// duplicated as data ("ISO3166-1-Alpha-3,…"): not a country.
		if !alpha3.MatchString(m["iso_alpha3"]) {
			continue
		}
		rows = append(rows, unionRow{
			code: m["iso_alpha3"], lang: m["lang"], column: m["column"], name: m["name"],
			inHead: m["in_head"], lastSeen: m["last_seen"], firstCommit: m["first_commit"],
		})
	}
	return rows, nil
}

var markers = regexp.MustCompile(`\s*\*+$`)

// cleanZH strips UNTERM's footnote markers ("*" observer state, "**"
// non-member state) and the padding around them; Chinese names have no
// meaningful spaces.
func cleanZH(s string) string {
	s = markers.ReplaceAllString(strings.TrimSpace(s), "")
	return strings.Join(strings.Fields(s), "")
}

// cleanEN also drops UNTERM's sorting article ("Congo (the)", "the Republic
// of …"), which nobody types.
func cleanEN(s string) string {
	s = markers.ReplaceAllString(strings.TrimSpace(s), "")
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSuffix(s, " (the)")
	if len(s) > 4 && strings.EqualFold(s[:4], "the ") {
		s = s[4:]
	}
	return s
}

// latestHistoric returns the most recently seen name of code in column, for
// the codes whose HEAD UNTERM columns are empty (TUR, CIV).
func latestHistoric(union []unionRow, code, column string) string {
	best, bestSeen := "", ""
	for _, u := range union {
		if u.code == code && u.column == column && u.lastSeen > bestSeen {
			best, bestSeen = u.name, u.lastSeen
		}
	}
	return best
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func buildStates(codes table, union []unionRow) (map[string]*state, error) {
	states := make(map[string]*state)
	for _, m := range codes {
		code := strings.TrimSpace(m["ISO3166-1-Alpha-3"])
		if !alpha3.MatchString(code) {
			return nil, fmt.Errorf("country-codes.csv: bad alpha-3 code %q", code)
		}
		name := firstNonEmpty(
			cleanZH(m["UNTERM Chinese Short"]),
			cleanZH(m["official_name_cn"]),
			cleanZH(latestHistoric(union, code, "UNTERM Chinese Short")),
		)
		if name == "" {
			continue // no Chinese UN name: not part of the gazetteer
		}
		if states[code] != nil {
			return nil, fmt.Errorf("country-codes.csv: duplicate code %s", code)
		}
		english := firstNonEmpty(
			cleanEN(m["UNTERM English Short"]),
			englishOverride[code],
			cleanEN(m["official_name_en"]),
			cleanEN(m["CLDR display name"]),
		)
		if english == "" {
			return nil, fmt.Errorf("country-codes.csv: %s has no English name", code)
		}
		states[code] = &state{
			code:   code,
			alpha2: strings.TrimSpace(m["ISO3166-1-Alpha-2"]),
			name:   name,
			formal: firstNonEmpty(
				cleanZH(m["UNTERM Chinese Formal"]),
				cleanZH(latestHistoric(union, code, "UNTERM Chinese Formal")),
			),
			english:   english,
			aliasSeen: map[string]bool{},
		}
	}
	return states, nil
}

func markAnnex2(states map[string]*state, annex table) error {
	n := 0
	for _, m := range annex {
		code := m["iso_alpha3"]
		s := states[code]
		if s == nil {
			return fmt.Errorf("ctbt_annex2_states.csv: %s is not in country-codes.csv", code)
		}
		if s.annex2 {
			return fmt.Errorf("ctbt_annex2_states.csv: %s listed twice", code)
		}
		// The annex list carries its own copy of the UNTERM short name; a
		// disagreement means one of the two derivations is wrong.
		if want := cleanZH(m["unterm_zh_short"]); want != s.name {
			return fmt.Errorf("ctbt_annex2_states.csv: %s is %q there but %q here", code, want, s.name)
		}
		s.annex2 = true
		// 6. The English name the Treaty's Annex 2 itself uses: the text of
		//    1996 predates some renamings (e.g. "Zaire" for COD).
		s.addAlias(cleanEN(m["treaty_name_en"]))
		n++
	}
	if n != annex2Count {
		return fmt.Errorf("ctbt_annex2_states.csv: %d states, the Treaty's Annex 2 has %d", n, annex2Count)
	}
	return nil
}

// addAliases collects every other spelling of each state, grouped by source.
// Group 6, the Treaty's own English names, is added by markAnnex2.
func addAliases(states map[string]*state, union []unionRow) {
	for _, code := range sortedCodes(states) {
		s := states[code]

		// 1. Chinese names from country_names_union.csv: every UNTERM Chinese
		//    short and formal name and every UN M49 official_name_cn the
		//    datasets/country-codes file has ever carried (e.g. the pre-2024
		//    委内瑞拉(玻利瓦尔共和国), 伊朗（伊斯兰共和国）and
		//    前南斯拉夫的马其顿共和国), so that old reports still resolve.
		for _, u := range union {
			if u.code == code && u.lang == "zh" {
				s.addAlias(cleanZH(u.name))
			}
		}

		// 2. Chinese CLDR region names from golang.org/x/text/language/display
		//    (display.Chinese, which is also display.SimplifiedChinese): the
		//    everyday short forms such as 英国, 朝鲜, 刚果（金）.
		if r, err := language.ParseRegion(s.alpha2); err == nil {
			if n := display.Chinese.Regions().Name(r); n != "" {
				s.addAlias(cleanZH(n))
			}
		}

		// 3. Project-curated common names (see curated).
		for _, a := range curated[code] {
			s.addAlias(strings.TrimSpace(a))
		}

		// 4. English names from country_names_union.csv: UNTERM English short
		//    and formal (without "the"), UN M49 official_name_en and the
		//    datasets' CLDR display name, current and historic — except the
		//    Malay CLDR names of malayCLDRCommit.
		for _, u := range union {
			if u.code != code || u.lang != "en" {
				continue
			}
			if u.column == "CLDR display name" && u.inHead == "no" && u.firstCommit == malayCLDRCommit {
				continue
			}
			s.addAlias(cleanEN(u.name))
		}

		// 5. English CLDR region names from golang.org/x/text (display.English).
		if r, err := language.ParseRegion(s.alpha2); err == nil {
			if n := display.English.Regions().Name(r); n != "" {
				s.addAlias(cleanEN(n))
			}
		}
	}

}

// pruneColumns keeps in aliases only the spellings that are not already a
// column: Lookup indexes name, formal and english as well.
func pruneColumns(states map[string]*state) {
	for _, s := range states {
		kept := s.aliases[:0]
		for _, a := range s.aliases {
			if a != s.name && a != s.formal && a != s.english {
				kept = append(kept, a)
			}
		}
		s.aliases = kept
	}
}

func sortedCodes(states map[string]*state) []string {
	codes := make([]string, 0, len(states))
	for c := range states {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

func sortedStates(states map[string]*state) []*state {
	var list []*state
	for _, c := range sortedCodes(states) {
		list = append(list, states[c])
	}
	return list
}

// nameKey must stay identical to report.NameKey. It is duplicated rather than
// imported because index embeds the very file this program writes; a drift
// would make report.LoadGazetteer reject the output (it refuses a key naming
// two states), which its tests catch.
func nameKey(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r == '(' || r == ')' || r == '（' || r == '）' || r == '·' || r == '・':
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// dropAmbiguous removes every alias whose key also belongs to another state,
// reporting each on w. A column (name, formal, english) shared by two states
// is an error: those cannot be dropped.
func dropAmbiguous(list []*state, w io.Writer) (int, error) {
	primary := map[string]string{} // key → code
	for _, s := range list {
		for _, n := range []string{s.name, s.formal, s.english} {
			if n == "" {
				continue
			}
			k := nameKey(n)
			if k == "" {
				return 0, fmt.Errorf("%s: %q has an empty key", s.code, n)
			}
			if c, ok := primary[k]; ok && c != s.code {
				return 0, fmt.Errorf("%q names both %s and %s", n, c, s.code)
			}
			primary[k] = s.code
		}
	}
	owners := map[string]map[string]bool{} // key → codes, over all spellings
	for k, c := range primary {
		owners[k] = map[string]bool{c: true}
	}
	for _, s := range list {
		for _, a := range s.aliases {
			k := nameKey(a)
			if owners[k] == nil {
				owners[k] = map[string]bool{}
			}
			owners[k][s.code] = true
		}
	}
	dropped := 0
	for _, s := range list {
		kept := s.aliases[:0]
		for _, a := range s.aliases {
			k := nameKey(a)
			if k != "" && len(owners[k]) == 1 {
				kept = append(kept, a)
				continue
			}
			var codes []string
			for c := range owners[k] {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			if isCurated(s.code, a) {
				return 0, fmt.Errorf("curated alias %q of %s is ambiguous: %s", a, s.code, strings.Join(codes, ", "))
			}
			fmt.Fprintf(w, "gengazetteer: dropped ambiguous alias %q of %s (names %s)\n", a, s.code, strings.Join(codes, ", "))
			dropped++
		}
		s.aliases = kept
	}
	return dropped, nil
}

func isCurated(code, alias string) bool {
	for _, a := range curated[code] {
		if a == alias {
			return true
		}
	}
	return false
}

func write(path string, list []*state) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"code", "name", "formal", "english", "annex2", "aliases"})
	n := 0
	for _, s := range list {
		for _, field := range append([]string{s.name, s.formal, s.english}, s.aliases...) {
			if strings.Contains(field, "|") {
				f.Close()
				return 0, fmt.Errorf("%s: %q contains the alias separator", s.code, field)
			}
		}
		w.Write([]string{s.code, s.name, s.formal, s.english, fmt.Sprint(s.annex2), strings.Join(s.aliases, "|")})
		n += len(s.aliases)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}
