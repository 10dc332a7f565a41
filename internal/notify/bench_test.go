package notify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// BenchmarkOutboxToSMTP queues b.N failure notifications and measures until the real SMTP
// server has them all: the outbox write, the dispatcher, and one SMTP session per mail.
func BenchmarkOutboxToSMTP(b *testing.B) {
	smtpd := testenv.StartSMTP(b)
	n := config.Notify{SMTPServer: smtpd.Addr, SMTPTLS: config.SMTPTLSNone, MailFrom: "factory@example.org",
		FailureAddress: []string{"ops@example.org"}, Events: config.AllEvents, RetryDelay: time.Second, Retries: 3}
	st := openStoreB(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := failedEvent()
		ev.BuildID = fmt.Sprintf("b%d", i)
		if err := Queue(ctx, st, n, ev); err != nil {
			b.Fatal(err)
		}
	}
	d := &Dispatcher{Store: st, Config: func() config.Notify { return n }, Log: nullLog}
	d.Flush(ctx)
	smtpd.WaitMails(b, b.N, 5*time.Minute)
}
