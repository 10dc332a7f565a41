package config

import "time"

// Smoke methods: which test gates promotion.
const (
	SmokeNone  = "none"
	SmokeRally = "rally"
	SmokeBoot  = "boot"
)

// Smoke is the [smoke] section: which smoke test gates promotion, and the built-in boot test.
type Smoke struct {
	// Method is none (promote untested, as sites without Rally did), rally or boot.
	Method string
	// AuthFile is the openrc file of the account that boots test servers (boot method); it
	// defaults to [promote] ADMIN_AUTH_FILE, the account that owns the candidates. Empty:
	// OS_CLOUD or the OS_* environment, as for promotion.
	AuthFile string
	// Flavor and Network of the test server; Flavor empty = the smallest flavor that fits the
	// image's min_disk and min_ram. They default to [rally-image-testing] FLAVOR and NETWORK.
	Flavor  string
	Network string
	// BootTimeout bounds waiting for ACTIVE; ConsoleMarker, when set, must appear in the
	// console log within ConsoleTimeout.
	BootTimeout    time.Duration
	ConsoleMarker  string
	ConsoleTimeout time.Duration
}

func readSmoke(r *reader, ra Rally, p Promote, base string) Smoke {
	s := Smoke{
		Method:         r.oneOf("METHOD", SmokeNone, SmokeNone, SmokeRally, SmokeBoot),
		AuthFile:       abs(base, r.str("AUTH_FILE", p.AuthFile)),
		Flavor:         r.str("BOOT_FLAVOR", ""),
		Network:        r.str("BOOT_NETWORK", ra.Network),
		BootTimeout:    r.duration("BOOT_TIMEOUT", 10*time.Minute),
		ConsoleMarker:  r.str("CONSOLE_MARKER", ""),
		ConsoleTimeout: r.duration("CONSOLE_TIMEOUT", 10*time.Minute),
	}
	if s.Method == SmokeRally && ra.DeploymentUUID == "" {
		*r.problems = append(*r.problems, Problem{File: r.file, Section: "rally-image-testing", Key: "DEPLOYMENT_UUID", Msg: "is required when [smoke] METHOD = rally"})
	}
	return s
}

func init() {
	extraChecks = append(extraChecks, checkSmoke)
}

// checkSmoke checks that the files the chosen smoke test needs exist.
func checkSmoke(c *Config) Problems {
	var ps Problems
	switch c.Smoke.Method {
	case SmokeRally:
		for _, f := range c.Rally.taskFiles() {
			ps = append(ps, c.missing("rally-tasks", "task file", f)...)
		}
		ps = append(ps, c.missing("rally-image-testing", "RALLY_CONFIG", c.Rally.RallyConfig)...)
	case SmokeBoot: // an empty AUTH_FILE means OS_CLOUD or the OS_* environment
		ps = append(ps, c.authFile("smoke", "AUTH_FILE", c.Smoke.AuthFile)...)
	}
	return ps
}
