package oneshot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestFailureLineHidesReferencedSecret: PROFILE_INFO_URL carries a token through a %(name)s
// reference to a secret; the index cannot be fetched (the server is down), and the one-shot
// scan's failure line on stderr names the URL as written, never the secret.
func TestFailureLineHidesReferencedSecret(t *testing.T) {
	const secret = "s3cret-token-7171"
	server, err := testenv.HoldPort() // the profile server, down: connections refused
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.ini")
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n" +
		"[global]\nRABBIT_HOST = 127.0.0.1\nLOG_TARGET = stderr\nLOG_LEVEL = error\n" +
		"[cdb2rabbit]\nPROFILE_INFO_URL = http://" + server.Addr + "/profiles-info.xml?token=%(RABBIT_PW)s\n" +
		"PROFILE_DIR_URL = http://" + server.Addr + "/profiles/\nCACHE_DIR = cache/\n"
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Options{Config: path, Stdout: &out, Stderr: &errOut})
	t.Logf("exit %d, stderr:\n%s", code, errOut.String())
	if code != 1 || !strings.Contains(errOut.String(), "packuilon watch: ") {
		t.Fatalf("want a failed scan with its line")
	}
	if strings.Contains(out.String()+errOut.String(), secret) || !strings.Contains(errOut.String(), "%(RABBIT_PW)s") {
		t.Errorf("the failure line does not show the URL as written")
	}
}
