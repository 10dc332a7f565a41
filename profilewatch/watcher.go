package profilewatch

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/robfig/cron/v3"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/sdnotify"
)

// Options configure the watcher daemon.
type Options struct {
	Config *config.Config
	// Load reads the configuration again on reload; a failed Load keeps the running one.
	Load func() (*config.Config, error)
	// Reload receives a value for every reload request (SIGHUP in cmd/packuilon).
	Reload <-chan struct{}
	// Reloaded, if set, is called with the outcome of each reload (nil: the new configuration
	// runs), so `systemctl reload` can report a refused one.
	Reloaded func(error)
	Log      hclog.Logger
	// PublishAll applies --publish-all to the first scan (and to the next ones while it fails
	// before it saved its profiles as pending).
	PublishAll bool
	// Notify tells the service manager about state changes; sdnotify.Notify when nil.
	Notify func(state string) error
	// OnScan, when set, is called after every scan (tests and the demo watch the daemon with it).
	OnScan func(Report, error)
	// OnListen, when set, is called with the UDP address once bound (after every reload too).
	OnListen func(net.Addr)
	// RescanDelay is the wait before scanning again after a failed scan; 0 means rescanDelay.
	RescanDelay time.Duration
}

// rescanDelay is how long after a failed scan (broker or profile server down) the daemon scans
// again without waiting for a trigger.
const rescanDelay = time.Minute

// triggers sets up what starts a scan for one configuration: the cron schedule and the UDP listener.
type triggers struct {
	scanner *Scanner
	cron    *cron.Cron
	udp     *udpListener
}

func (t *triggers) stop() {
	if t.cron != nil {
		<-t.cron.Stop().Done()
	}
	if t.udp != nil {
		t.udp.Close()
	}
}

// Run is the watcher daemon: a scan at start, then on the cron schedule and on every UDP
// notification, until ctx is done. Triggers arriving during a scan collapse into at most one
// more scan: Aquilon notifies after every compile, and one scan sees all changes so far. A scan
// error is logged, the daemon scans again after rescanDelay and goes on; only a failure to set up
// (bind the UDP address) ends it.
func Run(ctx context.Context, o Options) error {
	log := o.Log
	notify := o.Notify
	if notify == nil {
		notify = sdnotify.Notify
	}
	pending := make(chan string, 1)
	trigger := func(reason string) {
		select {
		case pending <- reason:
		default: // a scan is already pending; it will see this change too
		}
	}
	cfg := o.Config
	t, err := setup(cfg, trigger, o, log)
	if err != nil {
		return err
	}
	defer t.stop()
	notify(sdnotify.Ready)
	log.Info("watcher started", "schedule", cfg.Watch.Schedule, "udp", cfg.Watch.UDPListen)
	trigger("start")
	publishAll := o.PublishAll
	delay := o.RescanDelay
	if delay <= 0 {
		delay = rescanDelay
	}
	reloaded := func(err error) {
		if o.Reloaded != nil {
			o.Reloaded(err)
		}
	}
	rescan := time.AfterFunc(time.Hour, func() { trigger("rescan after failure") })
	rescan.Stop()
	defer rescan.Stop()
	for {
		select {
		case <-ctx.Done():
			notify(sdnotify.Stopping)
			log.Info("watcher stopping")
			return nil
		case <-o.Reload:
			next, err := o.Load()
			if err != nil {
				log.Error("reload failed; keeping the running configuration", "error", err)
				reloaded(err)
				continue
			}
			notify(sdnotify.Reloading)
			t.stop()
			nt, err := setup(next, trigger, o, log)
			reloaded(err)
			if err != nil {
				log.Error("reload failed; keeping the running configuration", "error", err)
				if nt, err = setup(cfg, trigger, o, log); err != nil {
					return fmt.Errorf("restore configuration after failed reload: %w", err)
				}
			} else {
				next.Replaces(cfg) // in use: what earlier configurations' references brought in is no longer hidden
				cfg = next
				log.Info("configuration reloaded", "schedule", cfg.Watch.Schedule, "udp", cfg.Watch.UDPListen)
			}
			t = nt
			notify(sdnotify.Ready)
		case reason := <-pending:
			log.Debug("scan", "reason", reason)
			rep, err := t.scanner.Scan(ctx, ScanOptions{PublishAll: publishAll})
			if err != nil && ctx.Err() == nil {
				// The changes of a failed scan are still unpublished: look again soon rather
				// than at the next schedule, which may be an hour away.
				log.Error("scan failed; scanning again later", "error", err, "duration", delay)
				rescan.Reset(delay)
			}
			if err == nil || rep.Marked {
				// A --publish-all that saved its pending profiles is finished by a normal scan.
				publishAll = false
			}
			if o.OnScan != nil {
				o.OnScan(rep, err)
			}
		}
	}
}

// setup builds the scanner and starts the triggers of cfg.
func setup(cfg *config.Config, trigger func(string), o Options, log hclog.Logger) (*triggers, error) {
	s, err := NewScanner(cfg, log.Named("scan"))
	if err != nil {
		return nil, err
	}
	t := &triggers{scanner: s}
	if cfg.Watch.Schedule != "" {
		t.cron = cron.New()
		if _, err := t.cron.AddFunc(cfg.Watch.Schedule, func() { trigger("schedule") }); err != nil {
			return nil, fmt.Errorf("schedule %q: %w", cfg.Watch.Schedule, err)
		}
		t.cron.Start()
	}
	if cfg.Watch.UDPListen != "" {
		t.udp, err = listenUDP(cfg.Watch.UDPListen, cfg.Watch.Allowed, trigger, log.Named("udp"))
		if err != nil {
			t.stop()
			return nil, err
		}
		if o.OnListen != nil {
			o.OnListen(t.udp.Addr())
		}
	}
	return t, nil
}
