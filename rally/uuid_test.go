package rally

import (
	"regexp"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/ident/identtest"
)

// uuidInputs are UUID-shaped strings: a valid one with every byte value at every place, cut
// or grown by one byte at either end, with a dash moved or missing, with braces or a urn:
// prefix, plus identtest's strings (around 36 bytes long too).
func uuidInputs() []string {
	base := "0123abcd-ABCD-ef09-89AF-0123456789aF"
	out := append(identtest.Strings(36), base, strings.ToUpper(base), strings.ToLower(base),
		base[1:], base[:35], "0"+base, base+"0", base+"\n", "{"+base+"}", "urn:uuid:"+base,
		strings.ReplaceAll(base, "-", ""), base[:8]+base[9:]+"0", base[:7]+"-0"+base[9:])
	for i := range len(base) {
		for b := range 256 {
			s := []byte(base)
			s[i] = byte(b)
			out = append(out, string(s))
		}
	}
	return out
}

// TestIsUUIDIsTheRegexp compares isUUID with the regexp it replaced.
func TestIsUUIDIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	identtest.Same(t, re.MatchString, isUUID, uuidInputs())
	for name, drift := range map[string]string{
		"lower case only": `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
		"g too":           `^[0-9a-gA-G]{8}-[0-9a-gA-G]{4}-[0-9a-gA-G]{4}-[0-9a-gA-G]{4}-[0-9a-gA-G]{12}$`,
		"dashes anywhere": `^[0-9a-fA-F-]{36}$`,
		"unanchored":      `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`,
		"12 then 11":      `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{11,12}$`,
	} {
		if len(identtest.Diff(re.MatchString, regexp.MustCompile(drift).MatchString, uuidInputs())) == 0 {
			t.Errorf("the inputs do not tell %q from the regexp", name)
		}
	}
}
