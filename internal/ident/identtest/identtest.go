// Package identtest generates the inputs that tests use to check a hand-written name matcher
// against the regexp it replaced, so that a change of semantics fails a test:
//
//	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
//	identtest.Same(t, re.MatchString, validName, identtest.Strings(64))
package identtest

import (
	"strings"
	"testing"
)

// Alphabet is the small alphabet Strings combines exhaustively: letters and a digit at the
// edges of their ranges, the punctuation names are made of or must not contain, white space,
// a byte that is not UTF-8 and a two-byte rune.
var Alphabet = []string{"a", "Z", "0", ".", "-", "_", ":", "/", " ", "\n", "\xff", "é"}

// exhaustive is the length up to which Strings returns every string over Alphabet (about
// 23,000 strings).
const exhaustive = 4

// Strings returns the inputs for a matcher whose length limits are limits: every string of
// up to four Alphabet symbols, every byte alone and next to a letter, and for each limit N
// strings of N-1, N and N+1 bytes that are all letters but for one byte of Alphabet (or every
// byte value) at the first, second, middle, second-to-last or last place.
func Strings(limits ...int) []string {
	out := []string{""}
	level := []string{""}
	for range exhaustive {
		var next []string
		for _, p := range level {
			for _, a := range Alphabet {
				next = append(next, p+a)
			}
		}
		out = append(out, next...)
		level = next
	}
	for b := range 256 {
		c := string([]byte{byte(b)})
		out = append(out, c, "a"+c, c+"a", "a"+c+"a")
	}
	for _, n := range limits {
		for _, l := range []int{n - 1, n, n + 1} {
			if l < 1 {
				continue
			}
			out = append(out, strings.Repeat("a", l), strings.Repeat(".", l), strings.Repeat("a.", l)[:l])
			for _, pos := range []int{0, 1, l / 2, l - 2, l - 1} {
				if pos < 0 || pos >= l {
					continue
				}
				for b := range 256 {
					s := []byte(strings.Repeat("a", l))
					s[pos] = byte(b)
					out = append(out, string(s))
				}
			}
		}
	}
	return out
}

// HostNames returns host-name shaped inputs: up to three labels joined by dots, from labels
// that are empty, start or end with '-', hold '_', or are 62, 63 and 64 bytes long; each also
// with a leading and a trailing dot; and names of 252 to 255 bytes made of 63-byte labels.
func HostNames() []string {
	long := func(n int, c string) string { return strings.Repeat(c, n) }
	labels := []string{"", "a", "0", "Z", "-", "_", "a-", "-a", "a_b", "a-b", "é",
		long(62, "a"), long(63, "a"), long(64, "a"), "a" + long(62, "-"), long(63, "a") + "-", long(63, "9")}
	var out []string
	level := []string{""}
	for depth := range 3 {
		var next []string
		for _, p := range level {
			for _, l := range labels {
				if depth > 0 {
					l = p + "." + l
				}
				next = append(next, l)
			}
		}
		out = append(out, next...)
		level = next
	}
	joined := out
	for _, h := range joined {
		out = append(out, "."+h, h+".")
	}
	four := strings.Repeat(long(63, "a")+".", 4)
	for _, n := range []int{252, 253, 254, 255} {
		out = append(out, four[:n], four[:n-1]+"b", four[:n-1]+"-", four[:n-1]+".")
	}
	return out
}

// Diff returns the inputs on which got and want disagree.
func Diff(want, got func(string) bool, inputs []string) []string {
	var bad []string
	for _, s := range inputs {
		if want(s) != got(s) {
			bad = append(bad, s)
		}
	}
	return bad
}

// Same fails t for each input on which got (the matcher) and want (the regexp) disagree,
// reporting the first few.
func Same(t testing.TB, want, got func(string) bool, inputs []string) {
	t.Helper()
	if len(inputs) < 1000 {
		t.Fatalf("only %d inputs: the generator is broken", len(inputs))
	}
	bad := Diff(want, got, inputs)
	for i, s := range bad {
		if i == 10 {
			t.Errorf("... and %d more disagreements", len(bad)-i)
			break
		}
		t.Errorf("%q: matcher says %v, regexp says %v", s, got(s), want(s))
	}
}
