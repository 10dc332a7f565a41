package retry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		policy    Policy
		failures  int
		permanent bool
		wantCalls int
		wantErr   error
	}{
		{"succeeds first time", Policy{Attempts: 3}, 0, false, 1, nil},
		{"succeeds after failures", Policy{Attempts: 5, Initial: time.Millisecond}, 2, false, 3, nil},
		{"gives up after attempts", Policy{Attempts: 3, Initial: time.Millisecond}, 10, false, 3, boom},
		{"permanent stops at once", Policy{Attempts: 5, Initial: time.Millisecond}, 10, true, 1, boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := Do(context.Background(), tc.policy, func(context.Context) error {
				calls++
				if calls <= tc.failures {
					if tc.permanent {
						return Permanent(boom)
					}
					return boom
				}
				return nil
			})
			if calls != tc.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tc.wantCalls)
			}
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if IsPermanent(err) {
				t.Errorf("Do returned a still-wrapped permanent error")
			}
		})
	}
}

func TestDoStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{Initial: time.Hour}, func(context.Context) error {
		calls++
		cancel()
		return errors.New("down")
	})
	if calls != 1 || err == nil {
		t.Fatalf("calls=%d err=%v; want 1 call and the last error", calls, err)
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep with a live context reported an early stop")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep with a cancelled context reported the whole wait")
	}
	if time.Since(start) > time.Second {
		t.Errorf("Sleep with a cancelled context took %s", time.Since(start))
	}
	if Sleep(ctx, 0) {
		t.Error("Sleep(0) with a cancelled context reported the whole wait")
	}
}

func TestOnChange(t *testing.T) {
	errs := []string{"refused", "refused", "timeout", "refused", "refused"}
	var logged []string
	calls := 0
	onRetry := OnChange(func(_ int, err error, _ time.Duration) { logged = append(logged, err.Error()) })
	err := Do(context.Background(), Policy{Attempts: len(errs), Initial: time.Millisecond, OnRetry: onRetry}, func(context.Context) error {
		calls++
		return errors.New(errs[calls-1])
	})
	if err == nil {
		t.Fatal("Do succeeded")
	}
	// One wait after each of attempts 1-4: refused, refused (same), timeout, refused.
	if got := strings.Join(logged, ","); got != "refused,timeout,refused" {
		t.Errorf("logged %q, want the first failure and each change", got)
	}
}

// A second outage with the same error as the first is logged again once the first is over.
func TestOnChangeLogsEachOutage(t *testing.T) {
	var logged []string
	failing := OnChange(func(_ int, err error, _ time.Duration) { logged = append(logged, err.Error()) })
	for _, e := range []string{"refused", "refused", "", "refused", "refused", "timeout", "", "", "timeout"} {
		if e == "" {
			failing(0, nil, 0)
			continue
		}
		failing(0, errors.New(e), 0)
	}
	if got := strings.Join(logged, ","); got != "refused,refused,timeout,timeout" {
		t.Errorf("logged %q, want the start of each outage and each change within one", got)
	}
}

// Outage logs the start of each outage, each change of error, and each recovery once.
func TestOutage(t *testing.T) {
	var logged []string
	o := &Outage{
		Failing:   func(_ int, err error, _ time.Duration) { logged = append(logged, err.Error()) },
		Recovered: func(failures int, _ time.Duration) { logged = append(logged, "ok after "+strconv.Itoa(failures)) },
	}
	o.OK() // no outage: nothing to say
	for _, e := range []string{"refused", "refused", "timeout", "", "", "refused", ""} {
		if e == "" {
			o.OK()
			continue
		}
		o.Fail(0, errors.New(e), 0)
	}
	if got := strings.Join(logged, ","); got != "refused,timeout,ok after 3,refused,ok after 1" {
		t.Errorf("logged %q", got)
	}
}

// An outage whose attempts are each reset on a new connection is one error, though each error
// names its own local port.
func TestOutageIgnoresLocalPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 1)) // the client is connected
			c.(*net.TCPConn).SetLinger(0)
			c.Close() // a reset
		}
	}()
	reset := func() error {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		_, err = c.Read(make([]byte, 1))
		if err == nil {
			t.Fatal("read from a reset connection succeeded")
		}
		return fmt.Errorf("renew: %w", err)
	}
	var logged []string
	o := &Outage{Failing: func(_ int, err error, _ time.Duration) { logged = append(logged, err.Error()) }}
	first, second := reset(), reset()
	if first.Error() == second.Error() {
		t.Fatalf("both errors are %q: they should differ by the local port", first)
	}
	o.Fail(1, first, 0)
	o.Fail(2, second, 0)
	o.Fail(3, errors.New("renew: timeout"), 0)
	if len(logged) != 2 || logged[0] != first.Error() || logged[1] != "renew: timeout" {
		t.Errorf("logged %q, want the first reset and the timeout", logged)
	}
}
