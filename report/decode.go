package report

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// decodeText turns the bytes of a report file into UTF-8 text with LF line
// ends. Reports reach us as UTF-8 (with or without BOM), UTF-16 with BOM, or
// GB18030/GBK, which is what Chinese Windows tools still save by default.
func decodeText(data []byte) (string, error) {
	var text string
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			return "", errors.New("file starts with a UTF-8 byte-order mark but is not valid UTF-8")
		}
		text = string(data)
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		// The BOM override decoder reads the BOM itself and picks the byte order.
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", errors.New("file starts with a UTF-16 byte-order mark but is not valid UTF-16")
		}
		text = string(out)
		if strings.ContainsRune(text, utf8.RuneError) {
			return "", errors.New("file starts with a UTF-16 byte-order mark but is not valid UTF-16")
		}
	case bytes.IndexByte(data, 0) >= 0:
		// Any NUL byte means binary data or UTF-16 that lost its BOM; both would
		// otherwise decode "successfully" as GB18030 into nonsense.
		return "", errors.New("file contains NUL bytes: not a text report (UTF-16 needs a byte-order mark)")
	case utf8.Valid(data):
		text = string(data)
	default:
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", errors.New("file is neither UTF-8, UTF-16 with a byte-order mark, nor GB18030/GBK text")
		}
		text = string(out)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return text, nil
}
