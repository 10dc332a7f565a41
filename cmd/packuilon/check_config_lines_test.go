package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckConfigContinuationAndDuplicates: the original file with FAILURE_ADDRESS spread over
// indented lines, as configparser read it, passes check-config; a key set twice and a section
// opened twice (configparser refused such files) are one problem line each, naming the lines
// and not the values.
func TestCheckConfigContinuationAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	text := writeOriginalTree(t, dir)
	writeAuthFiles(t, dir, "Rc-secret-6")
	text = strings.Replace(text, "FAILURE_ADDRESS = cloud-support@example.org\n",
		"FAILURE_ADDRESS = cloud-support@example.org,\n    # nights too\n    oncall@example.org\n", 1)
	cfgPath := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runLine(t, "check-config", "--config", cfgPath); code != 0 {
		t.Fatalf("check-config with continuation lines: exit %d\n%s%s", code, out, errOut)
	}

	lineOf := func(s string) int { return strings.Count(text[:strings.Index(text, s)], "\n") + 1 }
	first, global := lineOf("RABBIT_PW = guest"), lineOf("[global]")
	dup := strings.Replace(text, "RABBIT_PW = guest\n", "RABBIT_PW = guest\nrabbit_pw = Dup-secret-7\n", 1) +
		"\n[global]\nQUEUE2 = x\n"
	if err := os.WriteFile(cfgPath, []byte(dup), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runLine(t, "check-config", "--config", cfgPath)
	for _, want := range []string{
		cfgPath + ": [global] rabbit_pw: line " + strconv.Itoa(first+1) + " sets the key again (first on line " + strconv.Itoa(first) + ")",
		cfgPath + ": [global]: line " + strconv.Itoa(strings.Count(dup, "\n")-1) + " opens the section again (first on line " + strconv.Itoa(global) + ")",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no %q in\n%s", want, errOut)
		}
	}
	if code != 1 || strings.Contains(errOut, "Dup-secret") {
		t.Errorf("check-config with duplicates: exit %d\n%s", code, errOut)
	}
}

// writeAuthFiles writes the packer and admin openrc files the original tree names, with password.
func writeAuthFiles(t *testing.T, dir, password string) {
	t.Helper()
	openrc := "export OS_AUTH_URL=http://127.0.0.1:5000/v3\nexport OS_USERNAME=admin\nexport OS_PASSWORD=" + password + "\n" +
		"export OS_PROJECT_NAME=admin\nexport OS_USER_DOMAIN_NAME=Default\nexport OS_PROJECT_DOMAIN_NAME=Default\n"
	for _, name := range []string{"packer-auth.sh", "admin-auth.sh"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(openrc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
