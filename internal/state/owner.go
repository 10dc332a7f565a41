package state

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Owner names one builder process in the leases it holds: "host/pid/start", the start time in
// Unix nanoseconds, so a restarted daemon that got the same pid is still another owner.
type Owner string

// NewOwner returns the owner id of this process.
func NewOwner() Owner {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	host = strings.ReplaceAll(host, "/", "_")
	return Owner(fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()))
}
