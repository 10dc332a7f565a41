package config

import (
	"strings"
	"testing"
)

// multiLineSite spreads list keys over indented lines, as configparser allowed: an empty line
// and a comment inside a value, a key indented itself (its value continues only under deeper
// lines), and a key whose value starts on the next line.
const multiLineSite = `[global]
RABBIT_HOST = rabbit.example.org
FAILURE_ADDRESS = ops@example.org,
    builds@example.org

    # the night shift
; not a key either
    night@example.org
RABBIT_PORT = 5672

[promote]
  CARRY_PROPERTIES = os_distro
      os_version
  DATE_FORMAT = %Y%m%d
[notify]
EVENTS =
	build.failed
	image.promoted
`

// TestContinuationLines: a line indented deeper than its key continues the key's value, joined
// with a new line, as configparser read it; list keys take each line's items.
func TestContinuationLines(t *testing.T) {
	cfg, err := Load(write(t, multiLineSite))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Notify.FailureAddress, " "); got != "ops@example.org builds@example.org night@example.org" {
		t.Errorf("FAILURE_ADDRESS %q", got)
	}
	if cfg.Global.RabbitHost != "rabbit.example.org" || cfg.Global.RabbitPort != 5672 {
		t.Errorf("RABBIT_HOST %q RABBIT_PORT %d", cfg.Global.RabbitHost, cfg.Global.RabbitPort)
	}
	if got := strings.Join(cfg.Promote.CarryProperties, " "); got != "os_distro os_version" || cfg.Promote.DateFormat != "%Y%m%d" {
		t.Errorf("CARRY_PROPERTIES %q DATE_FORMAT %q", got, cfg.Promote.DateFormat)
	}
	if got := strings.Join(cfg.Notify.Events, " "); got != "build.failed image.promoted" {
		t.Errorf("EVENTS %q", got)
	}
}

// TestMultiLineValueOfOneLineKey: a key that takes one value (a path, a password, a number)
// spread over lines is a problem naming the key, never its value.
func TestMultiLineValueOfOneLineKey(t *testing.T) {
	path := write(t, "[global]\nRABBIT_PW = Ml-secret-1\n   Ml-secret-2\n[rabbit2packer]\nLOG_DIR = /var/log/\n  packer\n")
	_, err := Load(path)
	ps := AsProblems(err)
	if len(ps) != 2 {
		t.Fatalf("problems: %v", err)
	}
	for i, key := range []string{"RABBIT_PW", "LOG_DIR"} {
		if ps[i].Key != key || !strings.Contains(ps[i].Msg, "2 lines") {
			t.Errorf("problem %d: %v", i, ps[i])
		}
	}
	if got := ps.Error(); strings.Contains(got, "Ml-secret") || strings.Contains(got, "packer\n") {
		t.Errorf("problems show the value:\n%s", got)
	}
}

// TestDuplicates: a section or a key (in any case) given twice, which configparser (strict)
// refused, is a problem naming its line and the first one; Load refuses the file and
// check-config lists every duplicate. [DEFAULT] may be opened twice, as in configparser.
func TestDuplicates(t *testing.T) {
	path := write(t, "[global]\nRABBIT_PW = Dup-secret-1\nQUEUE = q\n"+
		"[DEFAULT]\nLOG_DIR = /a\n[cdb2rabbit]\n[DEFAULT]\nlog_dir = /b\n"+
		"[global]\nrabbit_pw = Dup-secret-2\n")
	_, err := Load(path)
	want := []string{
		path + ": [DEFAULT] log_dir: line 8 sets the key again (first on line 5)",
		path + ": [global]: line 9 opens the section again (first on line 1)",
		path + ": [global] rabbit_pw: line 10 sets the key again (first on line 2)",
	}
	if err == nil {
		t.Fatal("Load accepted duplicates")
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("Load: no %q in\n%s", w, got)
		}
	}
	if strings.Contains(got, "Dup-secret") || strings.Count(got, "\n") != len(want)-1 {
		t.Errorf("Load problems:\n%s", got)
	}
	cfg, ps := CheckFile(path)
	if cfg == nil || !strings.Contains(ps.Error(), want[2]) {
		t.Errorf("check-config: %v", ps)
	}
}
