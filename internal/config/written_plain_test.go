package config

import (
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/logging"
)

// TestPlainWordsLeftInLogLines: a log level, a boolean or a short duration that a reference of
// no secret brought in (LOG_LEVEL = %(level)s) is left as it is in the programs' log lines, so
// that a JSON line keeps its "@level" (and its journal priority); a secret brought in is
// hidden even when it is such a word, whichever key takes it.
func TestPlainWordsLeftInLogLines(t *testing.T) {
	cfg, err := Load(write(t, "[DEFAULT]\nlevel = warn\nflag = true\nwait = 300s\n"+
		"[global]\nLOG_LEVEL = %(level)s\nLOG_FORMAT = json\nRABBIT_TLS = %(flag)s\n"+
		"[rabbit2packer]\nBUILD_TIMEOUT = %(wait)s\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	log, err := logging.New(logging.Options{Level: cfg.Global.LogLevel, Format: cfg.Global.LogFormat, Output: &b, Hide: AsWrittenWriter})
	if err != nil {
		t.Fatal(err)
	}
	log.Warn("broker slow", "tls", cfg.Global.RabbitTLS, "timeout", "300s")
	if got := b.String(); !strings.Contains(got, `"@level":"warn"`) || !strings.Contains(got, `"tls":true`) ||
		!strings.Contains(got, `"timeout":"300s"`) {
		t.Errorf("log line garbled: %s", got)
	}

	for _, ini := range []string{
		"[DEFAULT]\nRABBIT_PW = debug\n[global]\nLOG_LEVEL = %(RABBIT_PW)s\n",
		"[DEFAULT]\nmq = false\n[global]\nRABBIT_PW = %(mq)s\nRABBIT_TLS = %(mq)s\n",
		"[DEFAULT]\napi_token = 4711s\n[rabbit2packer]\nBUILD_TIMEOUT = %(api_token)s\n",
	} {
		if _, err := Load(write(t, ini)); err != nil {
			t.Fatal(err)
		}
	}
	if got := AsWritten("level debug, tls false, timeout 4711s"); strings.Contains(got, "debug") ||
		strings.Contains(got, "false") || strings.Contains(got, "4711s") {
		t.Errorf("a secret that is a plain word is shown: %s", got)
	}
}
