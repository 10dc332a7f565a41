package testenv

import "testing"

// Extra's keys land in WriteSite's text as given: a key of a section replaces its line (any
// case), a new key goes at the end of its section, a new section ([DEFAULT] too) at the end;
// "KEY: value" is a key like "KEY = value"; quotes, a trailing backslash and the base's other
// lines are kept as written.
func TestWithExtra(t *testing.T) {
	base := "[global]\nQUEUE = q\nURL = http://h:1/x\n\n[smoke]\nMETHOD = boot\n\n"
	extra := "[global]\nqueue = other\nNEW: 127.0.0.1:25\n\n[DEFAULT]\nOWNER = \"a b\"\n\n[smoke]\nPATH = C:\\\nMETHOD=none\n"
	got, err := withExtra(base, extra)
	if err != nil {
		t.Fatal(err)
	}
	want := "[global]\nqueue = other\nURL = http://h:1/x\nNEW = 127.0.0.1:25\n\n[smoke]\nMETHOD = none\nPATH = C:\\\n\n[DEFAULT]\nOWNER = \"a b\"\n"
	if got != want {
		t.Errorf("withExtra:\n%s\nwant:\n%s", got, want)
	}
	if _, err := withExtra(base, "[global\nX = 1\n"); err == nil {
		t.Error("a broken section header in Extra was taken")
	}
}
