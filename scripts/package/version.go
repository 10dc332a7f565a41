package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// gitDescribe is `git describe --tags --always --dirty` of the working tree, plus the number of
// commits when there is no tag yet (so that versions still grow).
func gitDescribe() (string, error) {
	out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return "", fmt.Errorf("git describe: %w", err)
	}
	d := strings.TrimSpace(string(out))
	if !strings.Contains(d, ".") { // no tag: only the commit
		n, err := exec.Command("git", "rev-list", "--count", "HEAD").Output()
		if err != nil {
			return "", fmt.Errorf("git rev-list: %w", err)
		}
		d = "0.0.0-" + strings.TrimSpace(string(n)) + "-g" + d
	}
	return d, nil
}

// describeRE matches what gitDescribe returns: v1.2.3, v1.2.3-4-gabc123, 0.0.0-57-gabc123-dirty.
var describeRE = regexp.MustCompile(`^v?(\d+(?:\.\d+)*)(?:-(\d+)-g([0-9a-f]+))?(-dirty)?$`)

// packageVersion turns a git describe into a version both dpkg and rpm order correctly:
// v1.2.3 is 1.2.3; 4 commits after it 1.2.3+4.gabc123 (after 1.2.3, before 1.2.4); a dirty
// tree adds .dirty. No "-", which both formats reserve for the release.
func packageVersion(describe string) (string, error) {
	m := describeRE.FindStringSubmatch(describe)
	if m == nil {
		return "", fmt.Errorf("git describe %q is not vX.Y.Z[-N-gHASH][-dirty]", describe)
	}
	v := m[1]
	if m[2] != "" {
		v += "+" + m[2] + ".g" + m[3]
	}
	if m[4] != "" {
		v += ".dirty"
	}
	return v, nil
}
