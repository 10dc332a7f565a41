package testenv

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"
)

// A Postgres restarted after a crash whose port another process took meanwhile cannot bind
// it: Restart says the port was taken (errPortTaken), not only that the server exited; once
// the port is free again, Restart brings the cluster back.
func TestPostgresRestartSeesATakenPort(t *testing.T) {
	Need(t, filepath.Join(postgresBin, "postgres"), filepath.Join(postgresBin, "initdb"))
	p, err := StartPostgres("")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.Crash(); err != nil {
		t.Fatal(err)
	}
	thief, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := thief.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	err = p.Restart()
	thief.Close()
	<-done
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("Restart with the port held by another process = %v, want errPortTaken", err)
	}
	t.Log(err)
	if err := p.Restart(); err != nil {
		t.Fatalf("Restart once the port is free again: %v", err)
	}
	if _, err := p.CreateDatabase("after_restart"); err != nil {
		t.Fatal(err)
	}
}
