package packer

import (
	"strings"
)

// Artifact is what packer's machine-readable output says about one artifact.
type Artifact struct {
	Target    string
	BuilderID string
	ID        string
}

// parseLine reads one machine-readable line: "timestamp,target,type,data...". It returns the
// target, type and the data fields, unescaped; ok is false for lines of another shape (packer
// writes some plain text to stderr).
func parseLine(line string) (target, typ string, data []string, ok bool) {
	parts := strings.Split(line, ",")
	if len(parts) < 3 || parts[0] == "" || strings.Trim(parts[0], "0123456789") != "" {
		return "", "", nil, false
	}
	data = parts[3:]
	for i, d := range data {
		data[i] = unescape(d)
	}
	return parts[1], parts[2], data, true
}

// unescape undoes packer's escaping of data fields: commas and newlines.
func unescape(s string) string {
	s = strings.ReplaceAll(s, "%!(PACKER_COMMA)", ",")
	s = strings.ReplaceAll(s, `\n`, "\n")
	s = strings.ReplaceAll(s, `\r`, "\r")
	return s
}

// collector follows the output and keeps the artifacts and the last error, which the build's
// error quotes (the whole output is in the build log).
type collector struct {
	artifacts map[string]*Artifact // by target + index
	order     []string
	lastError string
}

func newCollector() *collector { return &collector{artifacts: map[string]*Artifact{}} }

// line takes one line of output and returns the text to write to the build log: the message of
// ui lines, the raw line otherwise.
func (c *collector) line(line string) string {
	target, typ, data, ok := parseLine(line)
	if !ok {
		return line
	}
	switch typ {
	case "ui":
		if len(data) >= 2 {
			if data[0] == "error" {
				c.lastError = strings.TrimSpace(data[1])
			}
			return strings.TrimRight(data[1], "\n")
		}
	case "error":
		if len(data) >= 1 {
			c.lastError = strings.TrimSpace(data[0])
		}
	case "artifact":
		if len(data) >= 3 {
			k := target + "," + data[0]
			a, seen := c.artifacts[k]
			if !seen {
				a = &Artifact{Target: target}
				c.artifacts[k] = a
				c.order = append(c.order, k)
			}
			switch data[1] {
			case "id":
				a.ID = data[2]
			case "builder-id":
				a.BuilderID = data[2]
			}
		}
	}
	return line
}

// result returns the artifacts in the order packer reported them.
func (c *collector) result() []Artifact {
	out := make([]Artifact, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, *c.artifacts[k])
	}
	return out
}
