package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPasswordInConfigProblems: malformed values that hold a password (a whole AMQP URL as
// RABBIT_HOST, an unusable profile URL) are reported without it.
func TestNoPasswordInConfigProblems(t *testing.T) {
	const pw = "Cfg-secret-91"
	for _, ini := range []string{
		"[global]\nRABBIT_HOST = amqp://guest:" + pw + "@broker:5672/\n",
		"[global]\nRABBIT_HOST = bad host\nRABBIT_PW = " + pw + "\n",
		"[DEFAULT]\nRABBIT_HOST = amqp://guest:" + pw + "@broker:5672/\n[global]\n",
		"[DEFAULT]\nRABBIT_PW = " + pw + "%(RABBIT_PWD)s\n[global]\n",
		"[global]\nRABBIT_PW = " + pw + "%(x\n",
		"[global]\nRABBIT_HOST = amqp://guest:" + pw + "@broker:5672/\n[cdb2rabbit]\nQUEUE_HOST = other\n",
		"[cdb2rabbit]\nPROFILE_INFO_URL = ftp://aq:" + pw + "@aquilon/profiles-info.xml\n",
		"[global]\nRABBIT_PW = " + pw + "\n  " + pw + "\n",
		"[global]\nRABBIT_PW = x\n  --var " + pw + "=1\n",
		"[DEFAULT]\nRABBIT_PW =\n\t" + pw + "\n\t" + pw + "\n[global]\n",
		"[global]\nRABBIT_PW = x\nrabbit_pw = " + pw + "\n",
		"[global]\nRABBIT_PW = " + pw + "\n[global]\nRABBIT_PW = " + pw + "\n",
		"[rally-tasks]\nsl7.managed = " + pw + "\n  " + pw + "\n",
		"[cdb2rabbit]\nPROFILE_INFO_URL = https://aq:" + pw + "@aquilon/p/profiles-info.xml\nPROFILE_USER = aq\n",
		"[cdb2rabbit]\nPROFILE_INFO_URL = https://aq:" + pw + "@aquilon/p/profiles-info.xml\nPROFILE_DIR_URL = https://other:x@aquilon/p/\n",
	} {
		loadProblemWithout(t, ini, pw)
	}
}

// loadProblemWithout loads ini, which must have a problem, and fails when a problem shows pw;
// it returns the problems, nil when ini had none or showed pw.
func loadProblemWithout(t *testing.T, ini, pw string) error {
	t.Helper()
	_, err := Load(write(t, ini))
	switch {
	case err == nil:
		t.Errorf("no problem found in %q", ini)
	case strings.Contains(err.Error(), pw):
		t.Errorf("problem shows the password: %v", err)
	default:
		return err
	}
	return nil
}

// TestProfileURLCredentialsMoveToAuth: a user:password in PROFILE_INFO_URL (the only way the old
// scripts had) becomes the credentials, and neither URL keeps it.
func TestProfileURLCredentialsMoveToAuth(t *testing.T) {
	cfg, err := Load(write(t, "[cdb2rabbit]\nPROFILE_INFO_URL = https://aq:s3cret@aquilon/profiles/profiles-info.xml\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Watch
	if w.ProfileInfoURL != "https://aquilon/profiles/profiles-info.xml" || w.ProfileDirURL != "https://aquilon/profiles/" {
		t.Errorf("URLs %s %s", w.ProfileInfoURL, w.ProfileDirURL)
	}
	if w.Auth.User != "aq" || w.Auth.Password != "s3cret" {
		t.Errorf("auth %q / %q", w.Auth.User, w.Auth.Password)
	}
	if _, err := Load(write(t, "[cdb2rabbit]\nPROFILE_INFO_URL = https://a/p.xml\nPROFILE_PASSWORD = x\n")); err == nil {
		t.Error("a password without PROFILE_USER was accepted")
	}
}

// TestBackslashEndsNoLine: a password ending in "\" is that password, and the next line is
// still its own key, as configparser read them (no backslash continuation).
func TestBackslashEndsNoLine(t *testing.T) {
	cfg, err := Load(write(t, "[global]\nRABBIT_PW = Pw-ends-in\\\nQUEUE = q2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.RabbitPW != `Pw-ends-in\` || cfg.Global.Queue != "q2" {
		t.Errorf("RABBIT_PW %q, QUEUE %q; want `Pw-ends-in\\` and q2", cfg.Global.RabbitPW, cfg.Global.Queue)
	}
}

// TestNoSecretThroughReference: a value that takes a secret through a %(name)s reference (directly,
// through another key, or inherited from [DEFAULT]) and is then wrong is reported as written
// (%(RABBIT_PW)s), never with the secret it expands to; so are the old-key clash messages and the
// problems of Check (check-config).
func TestNoSecretThroughReference(t *testing.T) {
	const pw = "Ref secret!57" // not a host name, a queue name, nor one list item
	for _, ini := range []string{
		"[global]\nRABBIT_PW = " + pw + "\nRABBIT_PORT = %(RABBIT_PW)s\n",
		"[global]\nRABBIT_PW = " + pw + "\nRABBIT_PORT = 1%(RABBIT_PW)s\n",
		"[rabbit2packer]\nPW = " + pw + "\nBUILD_TIMEOUT = %(PW)s\n",
		"[DEFAULT]\nPW = " + pw + "\nAGAIN = x%(PW)s\n[rabbit2packer]\nBUILD_TIMEOUT = %(AGAIN)s\n",
		"[cdb2rabbit]\nPW = " + pw + "\nPROFILE_INFO_URL = %(PW)s\n",
		"[cdb2rabbit]\nPW = " + pw + "\nPROFILE_INFO_URL = ftp://aq:%(PW)s@aquilon/profiles-info.xml\n",
		"[cdb2rabbit]\nPW = " + pw + "/x\nPROFILE_INFO_URL = https://aq:%(PW)s@aquilon/profiles-info.xml\n",
		"[global]\nRABBIT_PW = " + pw + "\nRABBIT_TLS = %(RABBIT_PW)s\n",
		"[global]\nRABBIT_PW = " + pw + "\nLOG_LEVEL = %(RABBIT_PW)s\n",
		"[global]\nRABBIT_PW = " + pw + "\nRABBIT_HOST = %(RABBIT_PW)s\n",
		"[DEFAULT]\nRABBIT_PORT = %(RABBIT_PW)s\n[global]\nRABBIT_PW = " + pw + "\n",
		"[DEFAULT]\nRABBIT_PW = " + pw + "\nBUILD_TIMEOUT = %(RABBIT_PW)s\n[global]\n[rabbit2packer]\n",
		"[DEFAULT]\nRABBIT_PW = " + pw + "\nQUEUE = %(RABBIT_PW)s\n[global]\n[cdb2rabbit]\n",
		"[global]\nRABBIT_PW = " + pw + "\nRABBIT_HOST = h%(RABBIT_PW)s\n[cdb2rabbit]\nQUEUE_HOST = other\n",
		"[DEFAULT]\nRABBIT_PW = " + pw + "\n[global]\n[notify]\nEVENTS = failed, x%(RABBIT_PW)s\n",
	} {
		err := loadProblemWithout(t, ini, pw)
		if err != nil && strings.Contains(ini, "%(RABBIT_PW)s") && !strings.Contains(err.Error(), "RABBIT_PW") {
			t.Errorf("problem names neither the value as written nor the key: %v", err)
		}
	}
	cfg, err := Load(write(t, "[DEFAULT]\nRABBIT_PW = "+pw+"\n[global]\n[rabbit2packer]\nPACKER_TEMPLATE = t\n"+
		"PACKER_TEMPLATE_MAP = /nonexistent/%(RABBIT_PW)s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(cfg); err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "/nonexistent/%(RABBIT_PW)s") {
		t.Errorf("Check: %v; want /nonexistent/%%(RABBIT_PW)s, without the password", err)
	}
	for _, n := range cfg.Notices {
		if strings.Contains(n.String(), pw) {
			t.Errorf("notice shows the password: %s", n)
		}
	}
}

// TestQuotedSecretThroughReference: a secret with a quote in it, which %q escapes, is not shown
// escaped either.
func TestQuotedSecretThroughReference(t *testing.T) {
	const pw = `Quote"secret\60`
	err := loadProblemWithout(t, "[DEFAULT]\nPW = "+pw+"\n[notify]\nMAIL_FROM = <%(PW)s\n", pw)
	if err != nil && strings.Contains(err.Error(), `Quote\"secret\\60`) {
		t.Errorf("problem shows the password escaped: %v", err)
	}
}

// TestNumericSecretOutOfRange: a secret that is a whole number out of a key's range, taken
// through a reference, is not shown either, not even as the number it parses to.
func TestNumericSecretOutOfRange(t *testing.T) {
	for _, pw := range []string{"+7123456", "007123456"} {
		err := loadProblemWithout(t, "[global]\nRABBIT_PW = "+pw+"\nRABBIT_PORT = %(RABBIT_PW)s\n", "7123456")
		if err != nil && !strings.Contains(err.Error(), "%(RABBIT_PW)s is out of range") {
			t.Errorf("got %v; want RABBIT_PORT's value as written", err)
		}
	}
}

// TestReferenceShownAsWritten: the message of a bad interpolated value quotes it as written.
func TestReferenceShownAsWritten(t *testing.T) {
	_, err := Load(write(t, "[global]\nRABBIT_PW = Ref-secret-58\nRABBIT_PORT = %(RABBIT_PW)s\n"))
	if err == nil || !strings.Contains(err.Error(), `"%(RABBIT_PW)s" is not a whole number`) {
		t.Errorf("got %v; want RABBIT_PORT's value as written", err)
	}
}

// TestNoSecretInNoticeThroughReference: a notice (PACKER_PATH names a directory) about a value
// with a reference shows the value as written.
func TestNoSecretInNoticeThroughReference(t *testing.T) {
	const pw = "Notice-secret-59"
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, pw), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(write(t, "[DEFAULT]\nPW = "+pw+"\n[rabbit2packer]\nPACKER_TEMPLATE = t\nPACKER_PATH = "+dir+"/%(PW)s\n"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range cfg.Notices {
		if strings.Contains(n.String(), pw) {
			t.Errorf("notice shows the password: %s", n)
		}
		found = found || (n.Key == "PACKER_PATH" && strings.Contains(n.Msg, dir+"/%(PW)s is a directory"))
	}
	if !found {
		t.Errorf("no PACKER_PATH notice with the value as written in %v", cfg.Notices)
	}
}

// TestSecretInCleanedPath: a relative path made absolute is cleaned (filepath.Join), and so is
// a path joined later (a build's log under LOG_DIR): a "//", "/./" or final "/" of a secret is
// gone there, and the rest of it must not be shown either.
func TestSecretInCleanedPath(t *testing.T) {
	for _, pw := range []string{"Clean//secret-61", "Clean/./secret-62", "Clean-secret-63/"} {
		shown := filepath.Clean(pw)
		cfg, err := Load(write(t, "[DEFAULT]\nRABBIT_PW = "+pw+"\n[rabbit2packer]\nPACKER_TEMPLATE = t\n"+
			"PACKER_AUTH_FILE = auth/%(RABBIT_PW)s/openrc\nLOG_DIR = log/%(RABBIT_PW)s\n"))
		if err != nil {
			t.Fatal(err)
		}
		err = Check(cfg)
		if err == nil || strings.Contains(err.Error(), shown) || !strings.Contains(err.Error(), "auth/%(RABBIT_PW)s/openrc") {
			t.Errorf("Check: %v; want auth/%%(RABBIT_PW)s/openrc, without %s", err, shown)
		}
		if got := AsWritten("log " + filepath.Join(cfg.Builder.LogDir, "b1.log")); strings.Contains(got, shown) {
			t.Errorf("log line shows the secret: %s", got)
		}
	}
}
