package config

import (
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
		_, err := Load(write(t, ini))
		if err == nil {
			t.Errorf("no problem found in %q", ini)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("problem shows the password: %v", err)
		}
	}
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
